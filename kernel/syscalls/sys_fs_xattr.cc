// Extended attributes: {,l,f}{get,set,list,remove}xattr. Names and sizes
// are checked here (ERANGE, E2BIG), namespaces and permissions by
// kernel/vfs/xattr.h, storage by each file system.
#include "kernel/syscalls/fs_support.h"
#include "kernel/syscalls/handlers.h"
#include "kernel/vfs/xattr.h"

namespace sentry::syscalls {
namespace {

using ktl::Errno;

// An attribute name copied in: ERANGE if empty or longer than
// XATTR_NAME_MAX, EFAULT if unreadable.
struct XattrName {
  char text[vfs::kXattrNameMax + 1];
  size_t length = 0;
  ktl::StringView view() const { return ktl::StringView(text, length); }
};

ktl::Result<void> CopyInName(UserAddress address, XattrName* name) {
  auto length = CurrentTask().address_space().CopyInString(address.value, name->text,
                                                           sizeof(name->text));
  if (!length.ok()) {
    return length.error() == Errno::kENAMETOOLONG ? Errno::kERANGE : length.error();
  }
  if (length.value() == 0) return Errno::kERANGE;
  name->length = length.value();
  return ktl::Ok();
}

// The object a path (or fd) names, for the xattr calls.
ktl::Result<vfs::Path> PathTarget(UserAddress path_address, bool follow) {
  UserPath path = TRY(UserPath::CopyIn(path_address));
  FsCaller at = TRY(CallerAt(kAtFdcwd, path.view()));
  return Namespace().Resolve(at.caller(), path.view(), follow ? 0 : vfs::kAT_SYMLINK_NOFOLLOW);
}

ktl::Result<vfs::Path> FdTarget(int fd) {
  FdFile file = TRY(GetFile(fd));
  // Host files (stdio) have no attributes the sandbox can see.
  if (file.description == nullptr) return Errno::kEOPNOTSUPP;
  return file.description->path();
}

// Copies `data` out if it fits `size` (0: only report the length).
ktl::Result<int64_t> CopyOutSized(const ktl::Vector<char>& data, UserAddress buffer,
                                  uint64_t size) {
  if (size == 0) return static_cast<int64_t>(data.size());
  if (data.size() > size) return Errno::kERANGE;
  TRY(CurrentTask().address_space().CopyOut(buffer.value, data.data(), data.size()));
  return static_cast<int64_t>(data.size());
}

ktl::Result<int64_t> Get(const vfs::Path& target, UserAddress name_address, UserAddress value,
                         uint64_t size) {
  XattrName name;
  TRY(CopyInName(name_address, &name));
  if (size > vfs::kXattrSizeMax) size = vfs::kXattrSizeMax;
  ktl::Vector<char> data;
  TRY(vfs::GetXattr(target, name.view(), FsCredentials(), &data));
  return CopyOutSized(data, value, size);
}

ktl::Result<int64_t> Set(const vfs::Path& target, UserAddress name_address, UserAddress value,
                         uint64_t size, int flags) {
  if (static_cast<uint32_t>(flags) & ~(vfs::kXATTR_CREATE | vfs::kXATTR_REPLACE)) {
    return Errno::kEINVAL;
  }
  XattrName name;
  TRY(CopyInName(name_address, &name));
  if (size > vfs::kXattrSizeMax) return Errno::kE2BIG;
  ktl::Vector<char> data;
  TRY(data.Resize(size));
  TRY(CurrentTask().address_space().CopyIn(value.value, data.data(), size));
  TRY(vfs::SetXattr(target, name.view(), {data.data(), data.size()},
                    static_cast<uint32_t>(flags), FsCredentials()));
  return 0;
}

ktl::Result<int64_t> List(const vfs::Path& target, UserAddress list, uint64_t size) {
  if (size > vfs::kXattrListMax) size = vfs::kXattrListMax;
  ktl::Vector<char> names;
  TRY(vfs::ListXattr(target, FsCredentials(), &names));
  if (names.size() > vfs::kXattrListMax) return Errno::kE2BIG;
  return CopyOutSized(names, list, size);
}

ktl::Result<int64_t> Remove(const vfs::Path& target, UserAddress name_address) {
  XattrName name;
  TRY(CopyInName(name_address, &name));
  TRY(vfs::RemoveXattr(target, name.view(), FsCredentials()));
  return 0;
}

}  // namespace

ktl::Result<int64_t> sys_getxattr(UserAddress path, UserAddress name, UserAddress value,
                                  uint64_t size) {
  return Get(TRY(PathTarget(path, true)), name, value, size);
}

ktl::Result<int64_t> sys_lgetxattr(UserAddress path, UserAddress name, UserAddress value,
                                   uint64_t size) {
  return Get(TRY(PathTarget(path, false)), name, value, size);
}

ktl::Result<int64_t> sys_fgetxattr(int fd, UserAddress name, UserAddress value, uint64_t size) {
  return Get(TRY(FdTarget(fd)), name, value, size);
}

ktl::Result<int64_t> sys_setxattr(UserAddress path, UserAddress name, UserAddress value,
                                  uint64_t size, int flags) {
  return Set(TRY(PathTarget(path, true)), name, value, size, flags);
}

ktl::Result<int64_t> sys_lsetxattr(UserAddress path, UserAddress name, UserAddress value,
                                   uint64_t size, int flags) {
  return Set(TRY(PathTarget(path, false)), name, value, size, flags);
}

ktl::Result<int64_t> sys_fsetxattr(int fd, UserAddress name, UserAddress value, uint64_t size,
                                   int flags) {
  return Set(TRY(FdTarget(fd)), name, value, size, flags);
}

ktl::Result<int64_t> sys_listxattr(UserAddress path, UserAddress list, uint64_t size) {
  return List(TRY(PathTarget(path, true)), list, size);
}

ktl::Result<int64_t> sys_llistxattr(UserAddress path, UserAddress list, uint64_t size) {
  return List(TRY(PathTarget(path, false)), list, size);
}

ktl::Result<int64_t> sys_flistxattr(int fd, UserAddress list, uint64_t size) {
  return List(TRY(FdTarget(fd)), list, size);
}

ktl::Result<int64_t> sys_removexattr(UserAddress path, UserAddress name) {
  return Remove(TRY(PathTarget(path, true)), name);
}

ktl::Result<int64_t> sys_lremovexattr(UserAddress path, UserAddress name) {
  return Remove(TRY(PathTarget(path, false)), name);
}

ktl::Result<int64_t> sys_fremovexattr(int fd, UserAddress name) {
  return Remove(TRY(FdTarget(fd)), name);
}

}  // namespace sentry::syscalls
