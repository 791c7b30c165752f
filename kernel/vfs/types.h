// Vocabulary shared by the VFS, the file systems and (next) the syscall
// layer: Linux's mode/open/at flag values, credentials, attributes,
// directory entries and the clock file systems take timestamps from.
//
// Constants are the x86-64 Linux values (see open(2), stat(2), inode(7),
// openat2(2), rename(2), utimensat(2)); kernel/abi/linux.h holds only the
// few the stdio milestone needed, so the file-system ones live here.
#ifndef RINGFENCE_KERNEL_VFS_TYPES_H_
#define RINGFENCE_KERNEL_VFS_TYPES_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "kernel/abi/linux.h"
#include "kernel/ktl/string.h"

namespace sentry::vfs {

using linux_abi::Timespec;

// --- limits (limits.h) ---------------------------------------------------
inline constexpr size_t kNameMax = 255;   // bytes in one path component
inline constexpr size_t kPathMax = 4096;  // bytes in a path, including the NUL
inline constexpr int kMaxSymlinks = 40;   // symlinks followed per resolution

// --- file types and mode bits (inode(7)) ----------------------------------
inline constexpr uint32_t kS_IFMT = 0170000;
inline constexpr uint32_t kS_IFSOCK = 0140000;
inline constexpr uint32_t kS_IFLNK = 0120000;
inline constexpr uint32_t kS_IFREG = 0100000;
inline constexpr uint32_t kS_IFBLK = 0060000;
inline constexpr uint32_t kS_IFDIR = 0040000;
inline constexpr uint32_t kS_IFCHR = 0020000;
inline constexpr uint32_t kS_IFIFO = 0010000;
inline constexpr uint32_t kS_ISUID = 04000;
inline constexpr uint32_t kS_ISGID = 02000;
inline constexpr uint32_t kS_ISVTX = 01000;
inline constexpr uint32_t kS_IXGRP = 00010;
inline constexpr uint32_t kPermissionBits = 07777;  // permissions + suid/sgid/sticky

inline constexpr bool IsDirMode(uint32_t mode) { return (mode & kS_IFMT) == kS_IFDIR; }
inline constexpr bool IsRegularMode(uint32_t mode) { return (mode & kS_IFMT) == kS_IFREG; }
inline constexpr bool IsSymlinkMode(uint32_t mode) { return (mode & kS_IFMT) == kS_IFLNK; }

// A dev_t from major and minor numbers, in the glibc/Linux encoding
// (makedev(3)).
inline constexpr uint64_t MakeDevice(uint32_t major, uint32_t minor) {
  return (static_cast<uint64_t>(major & 0xfffff000) << 32) |
         (static_cast<uint64_t>(major & 0xfff) << 8) |
         (static_cast<uint64_t>(minor & 0xffffff00) << 12) | (minor & 0xff);
}
// And back (major(3), minor(3)).
inline constexpr uint32_t DeviceMajor(uint64_t dev) {
  return static_cast<uint32_t>(((dev >> 8) & 0xfff) | ((dev >> 32) & 0xfffff000));
}
inline constexpr uint32_t DeviceMinor(uint64_t dev) {
  return static_cast<uint32_t>((dev & 0xff) | ((dev >> 12) & 0xffffff00));
}

// getdents64 d_type values.
inline constexpr uint8_t kDT_UNKNOWN = 0, kDT_FIFO = 1, kDT_CHR = 2, kDT_DIR = 4, kDT_BLK = 6,
                         kDT_REG = 8, kDT_LNK = 10, kDT_SOCK = 12;
inline constexpr uint8_t DirentType(uint32_t mode) { return static_cast<uint8_t>((mode >> 12) & 017); }

// --- open(2) flags ---------------------------------------------------------
inline constexpr uint32_t kO_ACCMODE = 03;
inline constexpr uint32_t kO_RDONLY = 0;
inline constexpr uint32_t kO_WRONLY = 01;
inline constexpr uint32_t kO_RDWR = 02;
inline constexpr uint32_t kO_CREAT = 0100;
inline constexpr uint32_t kO_EXCL = 0200;
inline constexpr uint32_t kO_NOCTTY = 0400;
inline constexpr uint32_t kO_TRUNC = 01000;
inline constexpr uint32_t kO_APPEND = 02000;
inline constexpr uint32_t kO_NONBLOCK = 04000;
inline constexpr uint32_t kO_DSYNC = 010000;
inline constexpr uint32_t kO_DIRECT = 040000;
inline constexpr uint32_t kO_LARGEFILE = 0100000;
inline constexpr uint32_t kO_DIRECTORY = 0200000;
inline constexpr uint32_t kO_NOFOLLOW = 0400000;
inline constexpr uint32_t kO_NOATIME = 01000000;
inline constexpr uint32_t kO_CLOEXEC = 02000000;
inline constexpr uint32_t kO_SYNC = 04010000;
inline constexpr uint32_t kO_PATH = 010000000;
inline constexpr uint32_t kO_TMPFILE = 020200000;

// --- *at flags ------------------------------------------------------------
inline constexpr uint32_t kAT_SYMLINK_NOFOLLOW = 0x100;
inline constexpr uint32_t kAT_REMOVEDIR = 0x200;
inline constexpr uint32_t kAT_EACCESS = 0x200;  // faccessat2 only (same bit as REMOVEDIR)
inline constexpr uint32_t kAT_SYMLINK_FOLLOW = 0x400;
inline constexpr uint32_t kAT_NO_AUTOMOUNT = 0x800;
inline constexpr uint32_t kAT_EMPTY_PATH = 0x1000;

// renameat2 flags.
inline constexpr uint32_t kRENAME_NOREPLACE = 1;
inline constexpr uint32_t kRENAME_EXCHANGE = 2;
inline constexpr uint32_t kRENAME_WHITEOUT = 4;

// setxattr(2) flags.
inline constexpr uint32_t kXATTR_CREATE = 1;
inline constexpr uint32_t kXATTR_REPLACE = 2;
inline constexpr size_t kXattrNameMax = 255;       // XATTR_NAME_MAX
inline constexpr size_t kXattrSizeMax = 65536;     // XATTR_SIZE_MAX: one value
inline constexpr size_t kXattrListMax = 65536;     // XATTR_LIST_MAX: all names

// access(2) modes.
inline constexpr uint32_t kF_OK = 0, kX_OK = 1, kW_OK = 2, kR_OK = 4;

// utimensat special tv_nsec values.
inline constexpr int64_t kUTIME_NOW = (1l << 30) - 1;
inline constexpr int64_t kUTIME_OMIT = (1l << 30) - 2;

// lseek whence.
inline constexpr int kSEEK_SET = 0, kSEEK_CUR = 1, kSEEK_END = 2;

// Permission request bits (MAY_EXEC/MAY_WRITE/MAY_READ).
inline constexpr uint32_t kMayExec = 1, kMayWrite = 2, kMayRead = 4;

// --- credentials -----------------------------------------------------------

// Capabilities the VFS consults (capabilities(7) numbering, as a bit mask).
enum Capability : uint32_t {
  kCapChown = 1u << 0,
  kCapDacOverride = 1u << 1,
  kCapDacReadSearch = 1u << 2,
  kCapFowner = 1u << 3,
  kCapFsetid = 1u << 4,
  kCapSysAdmin = 1u << 21,  // trusted.* extended attributes
  kCapMknod = 1u << 27,
};
inline constexpr uint32_t kAllFsCapabilities = kCapChown | kCapDacOverride | kCapDacReadSearch |
                                               kCapFowner | kCapFsetid | kCapSysAdmin | kCapMknod;

// Who performs a file-system operation. The syscall layer builds one from
// the task's credentials for each call; the VFS never stores it.
// `groups` (supplementary) must outlive the operation.
struct Credentials {
  uint32_t uid = 0, gid = 0;      // real ids: access(2) without AT_EACCESS
  uint32_t fsuid = 0, fsgid = 0;  // file-system ids (== effective ids today)
  std::span<const uint32_t> groups;
  uint32_t capabilities = kAllFsCapabilities;  // effective capabilities
  uint32_t real_capabilities = kAllFsCapabilities;  // what access(2) uses

  bool Has(Capability cap) const { return (capabilities & cap) != 0; }
  bool InGroup(uint32_t group) const;

  static Credentials Root() { return Credentials{}; }
  // An unprivileged user whose real and effective ids are uid/gid.
  static Credentials User(uint32_t uid, uint32_t gid,
                          std::span<const uint32_t> groups = {}) {
    Credentials c;
    c.uid = c.fsuid = uid;
    c.gid = c.fsgid = gid;
    c.groups = groups;
    c.capabilities = c.real_capabilities = 0;
    return c;
  }
  // The credentials access(2)/faccessat without AT_EACCESS checks with: the
  // real ids, and full capabilities only if the real uid is 0.
  Credentials ForAccess() const {
    Credentials c = *this;
    c.fsuid = uid;
    c.fsgid = gid;
    c.capabilities = real_capabilities;
    return c;
  }
};

// --- attributes ------------------------------------------------------------

// An inode's attributes, as stat(2) reports them.
struct Attr {
  uint64_t ino = 0;
  uint64_t dev = 0;
  uint32_t mode = 0;  // type | permissions
  uint32_t nlink = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t rdev = 0;
  uint64_t size = 0;
  uint64_t blocks = 0;  // 512-byte units allocated
  uint32_t block_size = 4096;
  Timespec atime = {};
  Timespec mtime = {};
  Timespec ctime = {};
};

// Fills a struct stat from `attr`.
void AttrToStat(const Attr& attr, linux_abi::Stat* out);

// A change to an inode's attributes (notify_change's struct iattr). Only the
// fields named in `mask` apply. Permission checks are the VFS's job; a file
// system applies what it is given (plus its own limits: EFBIG, ENOSPC).
struct SetAttr {
  enum : uint32_t {
    kMode = 1 << 0,
    kUid = 1 << 1,
    kGid = 1 << 2,
    kSize = 1 << 3,
    kAtime = 1 << 4,
    kMtime = 1 << 5,
    kCtime = 1 << 6,
    kAtimeNow = 1 << 7,  // atime = the file system's clock (ignores `atime`)
    kMtimeNow = 1 << 8,
  };
  uint32_t mask = 0;
  uint32_t mode = 0;  // permission bits only
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t size = 0;
  Timespec atime = {};
  Timespec mtime = {};
};

// What a new inode starts with: type and permissions (umask already
// applied), owner, and the device number for device nodes.
struct NewInode {
  uint32_t mode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t rdev = 0;
};

// One directory entry produced by Inode::ReadDir. `next_cookie` is where a
// later ReadDir resumes to continue after this entry (getdents64's d_off).
struct DirEntry {
  uint64_t ino;
  uint8_t type;  // kDT_*
  ktl::StringView name;
  uint64_t next_cookie;
};

// Where file systems get timestamps (CLOCK_REALTIME in the Sentry; a fake
// in tests).
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timespec Now() = 0;
};

}  // namespace sentry::vfs

#endif  // RINGFENCE_KERNEL_VFS_TYPES_H_
