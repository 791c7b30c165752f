// Creating and removing names: mkdir, mknod, rmdir, unlink, rename, link,
// symlink and their *at forms.
#include "kernel/syscalls/fs_support.h"
#include "kernel/syscalls/handlers.h"

namespace sentry::syscalls {
namespace {

using ktl::Errno;

ktl::Result<int64_t> MkdirAt(int dir_fd, UserAddress path_address, uint32_t mode) {
  UserPath path = TRY(UserPath::CopyIn(path_address));
  FsCaller at = TRY(CallerAt(dir_fd, path.view()));
  TRY(Namespace().Mkdir(at.caller(), path.view(), mode));
  return 0;
}

ktl::Result<int64_t> MknodAt(int dir_fd, UserAddress path_address, uint32_t mode,
                             uint32_t device) {
  UserPath path = TRY(UserPath::CopyIn(path_address));
  FsCaller at = TRY(CallerAt(dir_fd, path.view()));
  TRY(Namespace().Mknod(at.caller(), path.view(), mode, device));
  return 0;
}

ktl::Result<int64_t> UnlinkAt(int dir_fd, UserAddress path_address, bool directory) {
  UserPath path = TRY(UserPath::CopyIn(path_address));
  FsCaller at = TRY(CallerAt(dir_fd, path.view()));
  if (directory) {
    TRY(Namespace().Rmdir(at.caller(), path.view()));
  } else {
    TRY(Namespace().Unlink(at.caller(), path.view()));
  }
  return 0;
}

ktl::Result<int64_t> RenameAt(int old_dir_fd, UserAddress old_address, int new_dir_fd,
                              UserAddress new_address, uint32_t flags) {
  UserPath old_path = TRY(UserPath::CopyIn(old_address));
  UserPath new_path = TRY(UserPath::CopyIn(new_address));
  FsCaller old_at = TRY(CallerAt(old_dir_fd, old_path.view()));
  FsCaller new_at = TRY(CallerAt(new_dir_fd, new_path.view()));
  TRY(Namespace().Rename(old_at.caller(), old_path.view(), new_at.caller(), new_path.view(),
                         flags));
  return 0;
}

ktl::Result<int64_t> LinkAt(int old_dir_fd, UserAddress old_address, int new_dir_fd,
                            UserAddress new_address, uint32_t flags) {
  if (flags & ~(vfs::kAT_SYMLINK_FOLLOW | vfs::kAT_EMPTY_PATH)) return Errno::kEINVAL;
  UserPath old_path = TRY(UserPath::CopyIn(old_address));
  UserPath new_path = TRY(UserPath::CopyIn(new_address));
  // Linking an fd (AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH (linkat(2)).
  bool empty_ok = (flags & vfs::kAT_EMPTY_PATH) != 0;
  if (empty_ok && !FsCredentials().Has(vfs::kCapDacReadSearch)) return Errno::kENOENT;
  FsCaller old_at = TRY(CallerAt(old_dir_fd, old_path.view(), empty_ok));
  FsCaller new_at = TRY(CallerAt(new_dir_fd, new_path.view()));
  TRY(Namespace().Link(old_at.caller(), old_path.view(), new_at.caller(), new_path.view(),
                       flags));
  return 0;
}

ktl::Result<int64_t> SymlinkAt(UserAddress target_address, int dir_fd, UserAddress path_address) {
  UserPath target = TRY(UserPath::CopyIn(target_address));
  UserPath path = TRY(UserPath::CopyIn(path_address));
  FsCaller at = TRY(CallerAt(dir_fd, path.view()));
  TRY(Namespace().Symlink(target.view(), at.caller(), path.view()));
  return 0;
}

}  // namespace

ktl::Result<int64_t> sys_mkdir(UserAddress path, uint32_t mode) {
  return MkdirAt(kAtFdcwd, path, mode);
}

ktl::Result<int64_t> sys_mkdirat(int dir_fd, UserAddress path, uint32_t mode) {
  return MkdirAt(dir_fd, path, mode);
}

ktl::Result<int64_t> sys_mknod(UserAddress path, uint32_t mode, uint32_t device) {
  return MknodAt(kAtFdcwd, path, mode, device);
}

ktl::Result<int64_t> sys_mknodat(int dir_fd, UserAddress path, uint32_t mode, uint32_t device) {
  return MknodAt(dir_fd, path, mode, device);
}

ktl::Result<int64_t> sys_rmdir(UserAddress path) {
  return UnlinkAt(kAtFdcwd, path, /*directory=*/true);
}

ktl::Result<int64_t> sys_unlink(UserAddress path) {
  return UnlinkAt(kAtFdcwd, path, /*directory=*/false);
}

ktl::Result<int64_t> sys_unlinkat(int dir_fd, UserAddress path, int flags) {
  if (flags & ~static_cast<int>(vfs::kAT_REMOVEDIR)) return Errno::kEINVAL;
  return UnlinkAt(dir_fd, path, (flags & vfs::kAT_REMOVEDIR) != 0);
}

ktl::Result<int64_t> sys_rename(UserAddress old_path, UserAddress new_path) {
  return RenameAt(kAtFdcwd, old_path, kAtFdcwd, new_path, 0);
}

ktl::Result<int64_t> sys_renameat(int old_dir_fd, UserAddress old_path, int new_dir_fd,
                                  UserAddress new_path) {
  return RenameAt(old_dir_fd, old_path, new_dir_fd, new_path, 0);
}

ktl::Result<int64_t> sys_renameat2(int old_dir_fd, UserAddress old_path, int new_dir_fd,
                                   UserAddress new_path, uint32_t flags) {
  return RenameAt(old_dir_fd, old_path, new_dir_fd, new_path, flags);
}

ktl::Result<int64_t> sys_link(UserAddress old_path, UserAddress new_path) {
  return LinkAt(kAtFdcwd, old_path, kAtFdcwd, new_path, 0);
}

ktl::Result<int64_t> sys_linkat(int old_dir_fd, UserAddress old_path, int new_dir_fd,
                                UserAddress new_path, int flags) {
  return LinkAt(old_dir_fd, old_path, new_dir_fd, new_path, static_cast<uint32_t>(flags));
}

ktl::Result<int64_t> sys_symlink(UserAddress target, UserAddress path) {
  return SymlinkAt(target, kAtFdcwd, path);
}

ktl::Result<int64_t> sys_symlinkat(UserAddress target, int dir_fd, UserAddress path) {
  return SymlinkAt(target, dir_fd, path);
}

}  // namespace sentry::syscalls
