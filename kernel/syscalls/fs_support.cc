#include "kernel/syscalls/fs_support.h"

#include "kernel/fs/mount_namespace.h"

namespace sentry::syscalls {

using ktl::Errno;

ktl::Result<UserPath> UserPath::CopyIn(UserAddress address) {
  UserPath path;
  TRY(path.text_.Resize(vfs::kPathMax));
  path.length_ =
      TRY(CurrentTask().address_space().CopyInString(address.value, path.text_.data(),
                                                     vfs::kPathMax));
  return path;
}

vfs::Credentials FsCredentials() {
  const Credentials& ids = CurrentTask().credentials();
  vfs::Credentials creds;
  creds.uid = ids.uid;
  creds.gid = ids.gid;
  creds.fsuid = ids.euid;
  creds.fsgid = ids.egid;
  creds.groups = ids.supplementary_groups();
  creds.capabilities = ids.euid == 0 ? vfs::kAllFsCapabilities : 0;
  creds.real_capabilities = ids.uid == 0 ? vfs::kAllFsCapabilities : 0;
  return creds;
}

vfs::Vfs& Namespace() { return fs::MountNamespace(); }

ktl::Result<FdFile> GetFileRaw(int fd) {
  FdFile result{TRY(CurrentTask().process().files().Get(fd))};
  result.description = result.file->vfs_description();
  return result;
}

ktl::Result<FdFile> GetFile(int fd) {
  FdFile result = TRY(GetFileRaw(fd));
  if (result.file->flags() & vfs::kO_PATH) return Errno::kEBADF;
  return result;
}

ktl::Result<FsCaller> CallerAt(int dir_fd, ktl::StringView path, bool empty_path_ok) {
  if (path.empty() && !empty_path_ok) return Errno::kENOENT;
  FsContext& context = CurrentTask().process().fs_context();
  FsCaller caller;
  caller.root = context.root;
  caller.creds = FsCredentials();
  caller.umask = context.umask;
  if ((!path.empty() && path[0] == '/') || dir_fd == kAtFdcwd) {
    caller.start = context.cwd;
    return caller;
  }
  FdFile dir = TRY(GetFileRaw(dir_fd));
  if (dir.description == nullptr) {
    // Host files (stdio) are never directories; AT_EMPTY_PATH users that
    // accept them (fstatat) handle them before getting here.
    return Errno::kENOTDIR;
  }
  if (!path.empty() && !dir.description->inode().IsDir()) return Errno::kENOTDIR;
  caller.start = dir.description->path();
  return caller;
}

}  // namespace sentry::syscalls
