// The process's place in the tree: getcwd, chdir, fchdir, chroot, umask.
#include "kernel/syscalls/fs_support.h"
#include "kernel/syscalls/handlers.h"
#include "kernel/vfs/permission.h"

namespace sentry::syscalls {
namespace {

using ktl::Errno;

// A directory the caller may enter: ENOTDIR, or EACCES without search
// permission.
ktl::Result<void> CheckEnterable(const vfs::Path& dir, const vfs::Credentials& creds) {
  if (!dir.inode().IsDir()) return Errno::kENOTDIR;
  return vfs::CheckPermission(creds, dir.inode().Getattr(), vfs::kMayExec);
}

// The directory `path` names (followed), ready to become a cwd or root.
ktl::Result<vfs::Path> EnterableDirectory(UserAddress path_address) {
  UserPath path = TRY(UserPath::CopyIn(path_address));
  FsCaller at = TRY(CallerAt(kAtFdcwd, path.view()));
  vfs::Path dir = TRY(Namespace().Resolve(at.caller(), path.view(), 0));
  TRY(CheckEnterable(dir, at.creds));
  return dir;
}

}  // namespace

ktl::Result<int64_t> sys_getcwd(UserAddress buffer, uint64_t size) {
  FsContext& context = CurrentTask().process().fs_context();
  ktl::Vector<char> text;
  TRY(text.Resize(size < vfs::kPathMax ? size : vfs::kPathMax));
  size_t length =
      TRY(Namespace().PathName(context.root, context.cwd, {text.data(), text.size()}));
  TRY(CurrentTask().address_space().CopyOut(buffer.value, text.data(), length + 1));
  return static_cast<int64_t>(length + 1);  // the syscall counts the NUL
}

ktl::Result<int64_t> sys_chdir(UserAddress path) {
  vfs::Path dir = TRY(EnterableDirectory(path));
  CurrentTask().process().fs_context().cwd = std::move(dir);
  return 0;
}

ktl::Result<int64_t> sys_fchdir(int fd) {
  FdFile file = TRY(GetFileRaw(fd));  // O_PATH directories work too
  if (file.description == nullptr) return Errno::kENOTDIR;
  TRY(CheckEnterable(file.description->path(), FsCredentials()));
  CurrentTask().process().fs_context().cwd = file.description->path();
  return 0;
}

ktl::Result<int64_t> sys_chroot(UserAddress path) {
  vfs::Path dir = TRY(EnterableDirectory(path));
  // CAP_SYS_CHROOT: only root has capabilities today.
  if (CurrentTask().credentials().euid != 0) return Errno::kEPERM;
  CurrentTask().process().fs_context().root = std::move(dir);
  return 0;
}

ktl::Result<int64_t> sys_umask(uint32_t mask) {
  FsContext& context = CurrentTask().process().fs_context();
  uint32_t previous = context.umask;
  context.umask = mask & 0777;
  return previous;
}

}  // namespace sentry::syscalls
