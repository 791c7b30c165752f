// Changing file attributes: chmod, chown, truncate, fallocate, the utime
// family, and statfs/fstatfs.
#include "kernel/syscalls/fs_support.h"
#include "kernel/syscalls/handlers.h"

namespace sentry::syscalls {
namespace {

using ktl::Errno;

constexpr uint32_t kFallocKeepSize = 1;
constexpr int64_t kNsPerUs = 1000;
constexpr int64_t kUsPerSecond = 1000000;

// struct statfs (statfs(2), x86-64).
struct StatFs {
  int64_t type;
  int64_t block_size;
  uint64_t blocks;
  uint64_t blocks_free;
  uint64_t blocks_available;
  uint64_t files;
  uint64_t files_free;
  int32_t fsid[2];
  int64_t name_max;
  int64_t fragment_size;
  int64_t flags;
  int64_t spare[4];
};
static_assert(sizeof(StatFs) == 120);

// ST_* bits of f_flags.
constexpr int64_t kStReadOnly = 1, kStNoSuid = 2, kStNoDev = 4, kStNoExec = 8, kStValid = 0x20;

ktl::Result<int64_t> ChmodAt(int dir_fd, UserAddress path_address, uint32_t mode,
                             uint32_t flags) {
  if (flags & ~(vfs::kAT_SYMLINK_NOFOLLOW | vfs::kAT_EMPTY_PATH)) return Errno::kEINVAL;
  UserPath path = TRY(UserPath::CopyIn(path_address));
  FsCaller at = TRY(CallerAt(dir_fd, path.view(), (flags & vfs::kAT_EMPTY_PATH) != 0));
  TRY(Namespace().Chmod(at.caller(), path.view(), mode, flags));
  return 0;
}

ktl::Result<int64_t> ChownAt(int dir_fd, UserAddress path_address, uint32_t uid, uint32_t gid,
                             uint32_t flags) {
  if (flags & ~(vfs::kAT_SYMLINK_NOFOLLOW | vfs::kAT_EMPTY_PATH)) return Errno::kEINVAL;
  UserPath path = TRY(UserPath::CopyIn(path_address));
  FsCaller at = TRY(CallerAt(dir_fd, path.view(), (flags & vfs::kAT_EMPTY_PATH) != 0));
  TRY(Namespace().Chown(at.caller(), path.view(), uid, gid, flags));
  return 0;
}

// The VFS object behind `fd` for the f* attribute calls. Host files
// (stdio) live outside the VFS: their attributes are the host's, which the
// sandbox may not change.
ktl::Result<FdFile> AttributeFile(int fd) {
  FdFile file = TRY(GetFile(fd));
  if (file.description == nullptr) return Errno::kEPERM;
  return file;
}

// Sets times on `path` from `dir_fd` (utimensat with a path), or on dir_fd
// itself when `path_address` is null (futimens).
ktl::Result<int64_t> UtimensAt(int dir_fd, UserAddress path_address,
                               const vfs::Timespec* times, uint32_t flags) {
  if (flags & ~(vfs::kAT_SYMLINK_NOFOLLOW | vfs::kAT_EMPTY_PATH)) return Errno::kEINVAL;
  if (path_address.null() && dir_fd != kAtFdcwd) {
    if (flags & vfs::kAT_SYMLINK_NOFOLLOW) return Errno::kEINVAL;
    FdFile file = TRY(AttributeFile(dir_fd));
    TRY(Namespace().UtimensAt(file.description->path(), times, FsCredentials()));
    return 0;
  }
  UserPath path = TRY(UserPath::CopyIn(path_address));
  FsCaller at = TRY(CallerAt(dir_fd, path.view(), (flags & vfs::kAT_EMPTY_PATH) != 0));
  TRY(Namespace().Utimens(at.caller(), path.view(), times, flags));
  return 0;
}

// utimes/futimesat: struct timeval[2] (null: now).
ktl::Result<int64_t> UtimesAt(int dir_fd, UserAddress path, UserAddress times_address) {
  if (times_address.null()) return UtimensAt(dir_fd, path, nullptr, 0);
  linux_abi::Timeval tv[2];
  TRY(CurrentTask().address_space().CopyIn(times_address.value, tv, sizeof(tv)));
  vfs::Timespec times[2];
  for (int i = 0; i < 2; ++i) {
    if (tv[i].tv_usec < 0 || tv[i].tv_usec >= kUsPerSecond) return Errno::kEINVAL;
    times[i] = {tv[i].tv_sec, tv[i].tv_usec * kNsPerUs};
  }
  return UtimensAt(dir_fd, path, times, 0);
}

ktl::Result<int64_t> CopyOutStatfs(const vfs::Path& path, UserAddress buffer) {
  vfs::FsStats stats = path.inode().fs().Statfs();
  uint64_t device = path.inode().fs().device();
  uint32_t mount_flags = path.mount->flags();
  StatFs out = {};
  out.type = static_cast<int64_t>(stats.magic);
  out.block_size = static_cast<int64_t>(stats.block_size);
  out.blocks = stats.blocks;
  out.blocks_free = out.blocks_available = stats.blocks_free;
  out.files = stats.files;
  out.files_free = stats.files_free;
  out.fsid[0] = static_cast<int32_t>(device & 0xffffffff);
  out.fsid[1] = static_cast<int32_t>(device >> 32);
  out.name_max = static_cast<int64_t>(stats.name_max);
  out.fragment_size = static_cast<int64_t>(stats.block_size);
  out.flags = kStValid | ((mount_flags & vfs::kMountReadOnly) ? kStReadOnly : 0) |
              ((mount_flags & vfs::kMountNoSuid) ? kStNoSuid : 0) |
              ((mount_flags & vfs::kMountNoDev) ? kStNoDev : 0) |
              ((mount_flags & vfs::kMountNoExec) ? kStNoExec : 0);
  TRY(UserPointer<StatFs>(buffer.value).Write(out));
  return 0;
}

}  // namespace

ktl::Result<int64_t> sys_chmod(UserAddress path, uint32_t mode) {
  return ChmodAt(kAtFdcwd, path, mode, 0);
}

ktl::Result<int64_t> sys_fchmodat(int dir_fd, UserAddress path, uint32_t mode) {
  return ChmodAt(dir_fd, path, mode, 0);
}

ktl::Result<int64_t> sys_fchmod(int fd, uint32_t mode) {
  FdFile file = TRY(AttributeFile(fd));
  TRY(Namespace().ChmodAt(file.description->path(), mode, FsCredentials()));
  return 0;
}

ktl::Result<int64_t> sys_chown(UserAddress path, uint32_t uid, uint32_t gid) {
  return ChownAt(kAtFdcwd, path, uid, gid, 0);
}

ktl::Result<int64_t> sys_lchown(UserAddress path, uint32_t uid, uint32_t gid) {
  return ChownAt(kAtFdcwd, path, uid, gid, vfs::kAT_SYMLINK_NOFOLLOW);
}

ktl::Result<int64_t> sys_fchownat(int dir_fd, UserAddress path, uint32_t uid, uint32_t gid,
                                  int flags) {
  return ChownAt(dir_fd, path, uid, gid, static_cast<uint32_t>(flags));
}

ktl::Result<int64_t> sys_fchown(int fd, uint32_t uid, uint32_t gid) {
  FdFile file = TRY(AttributeFile(fd));
  TRY(Namespace().ChownAt(file.description->path(), uid, gid, FsCredentials()));
  return 0;
}

ktl::Result<int64_t> sys_truncate(UserAddress path_address, int64_t length) {
  UserPath path = TRY(UserPath::CopyIn(path_address));
  FsCaller at = TRY(CallerAt(kAtFdcwd, path.view()));
  TRY(Namespace().Truncate(at.caller(), path.view(), length));
  return 0;
}

ktl::Result<int64_t> sys_ftruncate(int fd, int64_t length) {
  if (length < 0) return Errno::kEINVAL;
  FdFile file = TRY(GetFile(fd));
  // do_sys_ftruncate: only a regular file open for writing.
  if (file.description == nullptr || !file.description->inode().IsRegular() ||
      !file.file->writable()) {
    return Errno::kEINVAL;
  }
  TRY(Namespace().TruncateAt(file.description->path(), length, FsCredentials(),
                             /*check_permission=*/false));
  return 0;
}

ktl::Result<int64_t> sys_fallocate(int fd, int mode, int64_t offset, int64_t length) {
  FdFile file = TRY(GetFile(fd));
  // vfs_fallocate's order of checks.
  if (offset < 0 || length <= 0) return Errno::kEINVAL;
  if (static_cast<uint32_t>(mode) & ~kFallocKeepSize) return Errno::kEOPNOTSUPP;
  if (!file.file->writable()) return Errno::kEBADF;
  if (file.description == nullptr) {
    return file.file->seekable() ? Errno::kENODEV : Errno::kESPIPE;
  }
  vfs::Inode& inode = file.description->inode();
  if (inode.type() == vfs::kS_IFIFO) return Errno::kESPIPE;
  if (inode.IsDir()) return Errno::kEISDIR;
  if (!inode.IsRegular()) return Errno::kENODEV;
  int64_t end;
  if (__builtin_add_overflow(offset, length, &end)) return Errno::kEFBIG;
  TRY(inode.Allocate(static_cast<uint64_t>(offset), static_cast<uint64_t>(length),
                     (static_cast<uint32_t>(mode) & kFallocKeepSize) != 0));
  return 0;
}

ktl::Result<int64_t> sys_utimensat(int dir_fd, UserAddress path, UserAddress times_address,
                                   int flags) {
  if (times_address.null()) return UtimensAt(dir_fd, path, nullptr, static_cast<uint32_t>(flags));
  vfs::Timespec times[2];
  TRY(CurrentTask().address_space().CopyIn(times_address.value, times, sizeof(times)));
  return UtimensAt(dir_fd, path, times, static_cast<uint32_t>(flags));
}

ktl::Result<int64_t> sys_utimes(UserAddress path, UserAddress times) {
  return UtimesAt(kAtFdcwd, path, times);
}

ktl::Result<int64_t> sys_futimesat(int dir_fd, UserAddress path, UserAddress times) {
  return UtimesAt(dir_fd, path, times);
}

ktl::Result<int64_t> sys_utime(UserAddress path, UserAddress times_address) {
  if (times_address.null()) return UtimensAt(kAtFdcwd, path, nullptr, 0);
  struct {
    int64_t access, modification;
  } buffer;
  TRY(CurrentTask().address_space().CopyIn(times_address.value, &buffer, sizeof(buffer)));
  vfs::Timespec times[2] = {{buffer.access, 0}, {buffer.modification, 0}};
  return UtimensAt(kAtFdcwd, path, times, 0);
}

ktl::Result<int64_t> sys_statfs(UserAddress path_address, UserAddress buffer) {
  UserPath path = TRY(UserPath::CopyIn(path_address));
  FsCaller at = TRY(CallerAt(kAtFdcwd, path.view()));
  vfs::Path target = TRY(Namespace().Resolve(at.caller(), path.view(), 0));
  return CopyOutStatfs(target, buffer);
}

ktl::Result<int64_t> sys_fstatfs(int fd, UserAddress buffer) {
  FdFile file = TRY(GetFileRaw(fd));
  // Host files (stdio) belong to no file system of the sandbox.
  if (file.description == nullptr) return Errno::kENOSYS;
  return CopyOutStatfs(file.description->path(), buffer);
}

}  // namespace sentry::syscalls
