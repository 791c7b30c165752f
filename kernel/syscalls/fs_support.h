// What the file-system syscalls (sys_fs_*.cc) share: path arguments copied
// in from the app, the VFS's view of the caller's credentials, the start
// directory of *at syscalls, and the VFS description behind an fd.
#ifndef RINGFENCE_KERNEL_SYSCALLS_FS_SUPPORT_H_
#define RINGFENCE_KERNEL_SYSCALLS_FS_SUPPORT_H_

#include <cstdint>

#include "kernel/fs/fd_table.h"
#include "kernel/ktl/result.h"
#include "kernel/ktl/string.h"
#include "kernel/ktl/vector.h"
#include "kernel/syscalls/user_address.h"
#include "kernel/task/task.h"
#include "kernel/vfs/file_description.h"
#include "kernel/vfs/vfs.h"

namespace sentry::syscalls {

// The dirfd meaning "the working directory".
inline constexpr int kAtFdcwd = -100;
// Linux caps one read/write at this many bytes (MAX_RW_COUNT).
inline constexpr uint64_t kMaxRwCount = 0x7ffff000;

// A NUL-terminated path copied in from user memory: EFAULT if unreadable,
// ENAMETOOLONG if no NUL within PATH_MAX bytes. On the heap: PATH_MAX bytes
// are too many for the Sentry's kernel stack.
class UserPath {
 public:
  static ktl::Result<UserPath> CopyIn(UserAddress address);
  ktl::StringView view() const { return ktl::StringView(text_.data(), length_); }
  bool empty() const { return length_ == 0; }

 private:
  ktl::Vector<char> text_;
  size_t length_ = 0;
};

// The VFS credentials of the current process: fs ids are the effective
// ids, and (no capability sets yet) uid 0 holds every file capability.
vfs::Credentials FsCredentials();

// Everything a vfs::Caller refers to, owned, so it can be returned; call
// caller() for the view the Vfs methods take (valid while this lives).
struct FsCaller {
  vfs::Path root;
  vfs::Path start;
  vfs::Credentials creds;
  uint32_t umask = 022;
  vfs::Caller caller() const { return vfs::Caller{root, start, creds, umask}; }
};

// The caller of an *at syscall resolving `path` from `dir_fd`, checked in
// Linux's order: an empty path is ENOENT unless `empty_path_ok` (then the
// fd itself is the object, any file type, O_PATH included); an absolute
// path ignores dir_fd; otherwise AT_FDCWD is the cwd, a bad fd EBADF, and a
// non-directory ENOTDIR.
ktl::Result<FsCaller> CallerAt(int dir_fd, ktl::StringView path, bool empty_path_ok = false);

// An fd's file and the VFS description behind it (null for files outside
// the VFS, such as the stdio host files).
struct FdFile {
  fs::FileRef file;
  vfs::FileDescription* description = nullptr;
};
// The file at `fd` as most syscalls see it (Linux's fdget): EBADF if there
// is none or it is an O_PATH description.
ktl::Result<FdFile> GetFile(int fd);
// Also O_PATH descriptions (fdget_raw): fstat, fchdir, *at dirfds, fcntl.
ktl::Result<FdFile> GetFileRaw(int fd);

// fcntl's F_GETLK/F_SETLK/F_SETLKW and F_OFD_* (sys_fs_lock.cc).
ktl::Result<int64_t> FcntlLock(int fd, int command, UserAddress lock);
// Drops the calling process's POSIX record locks on `file`'s inode: Linux
// does so whenever the process closes any fd of the file (close, dup2).
void ReleasePosixLocks(fs::File& file);

// The mount namespace every process sees.
vfs::Vfs& Namespace();

}  // namespace sentry::syscalls

#endif  // RINGFENCE_KERNEL_SYSCALLS_FS_SUPPORT_H_
