// Looking at files by path: stat, lstat, newfstatat, statx, readlink,
// readlinkat, access, faccessat, faccessat2.
#include "kernel/syscalls/fs_support.h"
#include "kernel/syscalls/handlers.h"

namespace sentry::syscalls {
namespace {

using ktl::Errno;

// AT_STATX_SYNC_TYPE: how fresh remote attributes must be (meaningless
// for our file systems, but valid).
constexpr uint32_t kAtStatxSyncType = 0x6000;
constexpr uint32_t kStatFlags =
    vfs::kAT_SYMLINK_NOFOLLOW | vfs::kAT_EMPTY_PATH | vfs::kAT_NO_AUTOMOUNT | kAtStatxSyncType;

// struct statx (statx(2)).
struct StatxTimestamp {
  int64_t tv_sec;
  uint32_t tv_nsec;
  int32_t reserved;
};
struct Statx {
  uint32_t mask;
  uint32_t blksize;
  uint64_t attributes;
  uint32_t nlink;
  uint32_t uid;
  uint32_t gid;
  uint16_t mode;
  uint16_t spare0;
  uint64_t ino;
  uint64_t size;
  uint64_t blocks;
  uint64_t attributes_mask;
  StatxTimestamp atime, btime, ctime, mtime;
  uint32_t rdev_major, rdev_minor;
  uint32_t dev_major, dev_minor;
  uint64_t spare[14];
};
static_assert(sizeof(Statx) == 256);

constexpr uint32_t kStatxBasicStats = 0x7ff;  // type, mode, nlink, uid, gid, times, ino, size, blocks
constexpr uint32_t kStatxReserved = 0x80000000u;

// dev_t's major and minor (the glibc encoding Linux's stat reports).
uint32_t Major(uint64_t dev) {
  return static_cast<uint32_t>(((dev >> 8) & 0xfff) | ((dev >> 32) & ~uint64_t{0xfff}));
}
uint32_t Minor(uint64_t dev) {
  return static_cast<uint32_t>((dev & 0xff) | ((dev >> 12) & ~uint64_t{0xff}));
}

StatxTimestamp ToStatxTime(const linux_abi::Timespec& t) {
  return {t.tv_sec, static_cast<uint32_t>(t.tv_nsec), 0};
}

// The stat of `path` from `dir_fd` as fstatat sees it: with AT_EMPTY_PATH
// and an empty path, the fd's own file, whatever kind (stdio host files too).
ktl::Result<linux_abi::Stat> StatAt(int dir_fd, UserAddress path_address, uint32_t flags) {
  UserPath path = TRY(UserPath::CopyIn(path_address));
  if (flags & ~kStatFlags) return Errno::kEINVAL;
  bool empty_ok = (flags & vfs::kAT_EMPTY_PATH) != 0;
  linux_abi::Stat out;
  if (path.empty() && empty_ok && dir_fd != kAtFdcwd) {
    FdFile file = TRY(GetFileRaw(dir_fd));
    TRY(file.file->Stat(&out));
    return out;
  }
  FsCaller at = TRY(CallerAt(dir_fd, path.view(), empty_ok));
  vfs::Attr attr = TRY(Namespace().Stat(at.caller(), path.view(), flags & ~kAtStatxSyncType));
  vfs::AttrToStat(attr, &out);
  return out;
}

ktl::Result<int64_t> CopyOutStat(const linux_abi::Stat& stat, UserAddress address) {
  TRY(UserPointer<linux_abi::Stat>(address.value).Write(stat));
  return 0;
}

ktl::Result<int64_t> ReadlinkAt(int dir_fd, UserAddress path_address, UserAddress buffer,
                                int size) {
  if (size <= 0) return Errno::kEINVAL;
  UserPath path = TRY(UserPath::CopyIn(path_address));
  FsCaller at = TRY(CallerAt(dir_fd, path.view(), /*empty_path_ok=*/true));
  ktl::Vector<char> body;
  TRY(body.Resize(static_cast<size_t>(size) < vfs::kPathMax ? static_cast<size_t>(size)
                                                             : vfs::kPathMax));
  size_t length = TRY(Namespace().Readlink(at.caller(), path.view(), {body.data(), body.size()}));
  TRY(CurrentTask().address_space().CopyOut(buffer.value, body.data(), length));
  return static_cast<int64_t>(length);
}

ktl::Result<int64_t> AccessAt(int dir_fd, UserAddress path_address, uint32_t mode,
                              uint32_t flags) {
  if (mode & ~(vfs::kR_OK | vfs::kW_OK | vfs::kX_OK)) return Errno::kEINVAL;
  if (flags & ~(vfs::kAT_EACCESS | vfs::kAT_SYMLINK_NOFOLLOW | vfs::kAT_EMPTY_PATH)) {
    return Errno::kEINVAL;
  }
  UserPath path = TRY(UserPath::CopyIn(path_address));
  FsCaller at = TRY(CallerAt(dir_fd, path.view(), (flags & vfs::kAT_EMPTY_PATH) != 0));
  TRY(Namespace().Access(at.caller(), path.view(), mode, flags));
  return 0;
}

}  // namespace

ktl::Result<int64_t> sys_stat(UserAddress path, UserAddress stat) {
  return CopyOutStat(TRY(StatAt(kAtFdcwd, path, 0)), stat);
}

ktl::Result<int64_t> sys_lstat(UserAddress path, UserAddress stat) {
  return CopyOutStat(TRY(StatAt(kAtFdcwd, path, vfs::kAT_SYMLINK_NOFOLLOW)), stat);
}

ktl::Result<int64_t> sys_newfstatat(int dir_fd, UserAddress path, UserAddress stat, int flags) {
  return CopyOutStat(TRY(StatAt(dir_fd, path, static_cast<uint32_t>(flags))), stat);
}

ktl::Result<int64_t> sys_statx(int dir_fd, UserAddress path, int flags, uint32_t mask,
                               UserAddress buffer) {
  if ((static_cast<uint32_t>(flags) & kAtStatxSyncType) == kAtStatxSyncType) {
    return Errno::kEINVAL;
  }
  if (mask & kStatxReserved) return Errno::kEINVAL;
  linux_abi::Stat stat = TRY(StatAt(dir_fd, path, static_cast<uint32_t>(flags)));
  Statx out = {};
  out.mask = kStatxBasicStats;
  out.blksize = static_cast<uint32_t>(stat.blksize);
  out.nlink = static_cast<uint32_t>(stat.nlink);
  out.uid = stat.uid;
  out.gid = stat.gid;
  out.mode = static_cast<uint16_t>(stat.mode);
  out.ino = stat.ino;
  out.size = static_cast<uint64_t>(stat.size);
  out.blocks = static_cast<uint64_t>(stat.blocks);
  out.atime = ToStatxTime(stat.atime);
  out.mtime = ToStatxTime(stat.mtime);
  out.ctime = ToStatxTime(stat.ctime);
  out.rdev_major = Major(stat.rdev);
  out.rdev_minor = Minor(stat.rdev);
  out.dev_major = Major(stat.dev);
  out.dev_minor = Minor(stat.dev);
  TRY(UserPointer<Statx>(buffer.value).Write(out));
  return 0;
}

ktl::Result<int64_t> sys_readlink(UserAddress path, UserAddress buffer, int size) {
  return ReadlinkAt(kAtFdcwd, path, buffer, size);
}

ktl::Result<int64_t> sys_readlinkat(int dir_fd, UserAddress path, UserAddress buffer, int size) {
  return ReadlinkAt(dir_fd, path, buffer, size);
}

ktl::Result<int64_t> sys_access(UserAddress path, uint32_t mode) {
  return AccessAt(kAtFdcwd, path, mode, 0);
}

ktl::Result<int64_t> sys_faccessat(int dir_fd, UserAddress path, uint32_t mode) {
  return AccessAt(dir_fd, path, mode, 0);
}

ktl::Result<int64_t> sys_faccessat2(int dir_fd, UserAddress path, uint32_t mode, int flags) {
  return AccessAt(dir_fd, path, mode, static_cast<uint32_t>(flags));
}

}  // namespace sentry::syscalls
