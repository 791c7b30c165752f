// The Gofer relay ABI: how the Sentry asks for host files.
//
// The Sentry never speaks the Gofer wire protocol and never sees a host fd.
// It fills a fixed-layout GoferRequest in guest memory and issues
// Hypercall::kGofer with args[0] = the request's GPA and args[1] = the GPA
// of a GoferReply. The VMM copies the request out, checks every field
// (operation, mount, reserved fields, buffer ranges and lengths, names),
// calls the Gofer serving that mount, and writes the typed reply back. The
// hypercall's result is 0 or -errno; the reply is written only on success.
//
// Names travel as GuestBuffers (GPA + length, no terminator). A name is one
// path component: 1..255 bytes, no '/' or NUL, not "." or "..".
//
// A file the Gofer opens (kOpen, kCreate) stays in the VMM: the reply names
// a handle in the VMM's handle table whose rights follow the open's access
// mode (kPreadv/kPwritev/kFstat); Hypercall::kCloseHandle releases it.
//
// Fields each operation reads (everything else must be zero, except the
// uid/gid fields, which may also be zero):
//   kAttach      mount                              -> fid, stat
//   kWalk        fid, name                          -> fid, stat (a new fid)
//   kStat        fid                                -> stat
//   kOpen        fid, flags                         -> handle, open_flags
//   kCreate      fid (dir), name, flags, mode, uid, gid -> fid, stat, handle
//   kMkdir       fid (dir), name, mode, uid, gid    -> fid, stat
//   kMknod       fid (dir), name, mode (S_IFIFO/S_IFSOCK), uid, gid -> fid, stat
//   kSymlink     fid (dir), name, name2 (target), uid, gid -> fid, stat
//   kLink        fid (node), fid2 (dir), name       -> stat
//   kUnlink      fid (dir), name, flags (0 or AT_REMOVEDIR)
//   kRename      fid (old dir), name, fid2 (new dir), name2, flags
//   kReadlink    fid, out                           -> size (bytes in out)
//   kGetdents    fid, offset (cookie), out          -> size (GoferDirent records)
//   kSetattr     fid, mask, mode, uid, gid, offset (size), atime, mtime -> stat
//   kStatfs      fid                                -> statfs
//   kGetxattr    fid, name, out (may be empty)      -> size (the value's size)
//   kSetxattr    fid, name, name2 (value), flags
//   kListxattr   fid, out (may be empty)            -> size (the list's size)
//   kRemovexattr fid, name
//   kClunk       fid
// Every operation also reads `mount`.
#ifndef RINGFENCE_PLATFORM_KVM_ABI_GOFER_H_
#define RINGFENCE_PLATFORM_KVM_ABI_GOFER_H_

#include <cstdint>

namespace ringfence::abi {

enum class GoferOp : uint32_t {
  kAttach = 1,
  kWalk = 2,
  kStat = 3,
  kOpen = 4,
  kCreate = 5,
  kMkdir = 6,
  kMknod = 7,
  kSymlink = 8,
  kLink = 9,
  kUnlink = 10,
  kRename = 11,
  kReadlink = 12,
  kGetdents = 13,
  kSetattr = 14,
  kStatfs = 15,
  kGetxattr = 16,
  kSetxattr = 17,
  kListxattr = 18,
  kRemovexattr = 19,
  kClunk = 20,
};
inline constexpr uint32_t kGoferOpCount = 21;  // one past the last

// Most mounts (root + volumes) a sandbox has.
inline constexpr uint32_t kMaxGoferMounts = 8;
inline constexpr uint32_t kGoferNameMax = 255;
inline constexpr uint32_t kGoferSymlinkMax = 4095;
inline constexpr uint32_t kGoferXattrValueMax = 60 * 1024;
// The largest `out` buffer a request may name.
inline constexpr uint32_t kGoferOutMax = 64 * 1024;
// uid/gid value meaning "as created" / "unchanged".
inline constexpr uint32_t kGoferNoId = 0xffffffff;
inline constexpr uint32_t kGoferNoFid = 0xffffffff;

// kSetattr mask bits.
inline constexpr uint32_t kGoferSetMode = 1u << 0;
inline constexpr uint32_t kGoferSetUid = 1u << 1;
inline constexpr uint32_t kGoferSetGid = 1u << 2;
inline constexpr uint32_t kGoferSetSize = 1u << 3;
inline constexpr uint32_t kGoferSetAtime = 1u << 4;
inline constexpr uint32_t kGoferSetMtime = 1u << 5;

struct GuestBuffer {
  uint64_t gpa;
  uint32_t length;
  uint32_t reserved;  // must be zero
};
static_assert(sizeof(GuestBuffer) == 16);

struct GoferTime {
  int64_t sec;
  int64_t nsec;  // UTIME_NOW / UTIME_OMIT allowed in kSetattr
};

struct GoferRequest {
  uint32_t op;     // GoferOp
  uint32_t mount;  // index into BootInfo::gofer_mounts
  uint32_t fid;
  uint32_t fid2;
  uint32_t flags;
  uint32_t mode;
  uint32_t uid;
  uint32_t gid;
  uint32_t mask;
  uint32_t reserved;  // must be zero
  uint64_t offset;
  GoferTime atime;
  GoferTime mtime;
  GuestBuffer name;
  GuestBuffer name2;
  GuestBuffer out;
};
static_assert(sizeof(GoferRequest) == 128);

// A node's attributes. `dev` is the Gofer's small per-mount number, never a
// host device id.
struct GoferStat {
  uint32_t mode;
  uint32_t nlink;
  uint32_t uid;
  uint32_t gid;
  uint64_t size;
  uint64_t blocks;  // 512-byte units
  uint32_t block_size;
  uint32_t dev;
  uint64_t ino;
  GoferTime atime;
  GoferTime mtime;
  GoferTime ctime;
};
static_assert(sizeof(GoferStat) == 96);

struct GoferStatfs {
  uint64_t type;
  uint64_t block_size;
  uint64_t fragment_size;
  uint64_t blocks;
  uint64_t blocks_free;
  uint64_t blocks_available;
  uint64_t files;
  uint64_t files_free;
  uint64_t name_length;
};

struct GoferReply {
  uint32_t fid;
  uint32_t handle;
  uint32_t open_flags;
  uint32_t reserved;
  uint64_t size;
  GoferStat stat;
  GoferStatfs statfs;
};
static_assert(sizeof(GoferReply) == 192);

// kGetdents output: records of this header followed by name_length bytes of
// name, each record padded to a multiple of 8 bytes. "." and ".." are never
// listed. No records (size 0) means the end of the directory.
struct GoferDirent {
  uint64_t ino;
  uint64_t next_cookie;  // kGetdents offset that continues after this entry
  uint8_t type;          // DT_*
  uint8_t reserved;
  uint16_t name_length;
  uint32_t reserved2;
};
static_assert(sizeof(GoferDirent) == 24);

inline constexpr uint64_t GoferDirentSize(uint64_t name_length) {
  return (sizeof(GoferDirent) + name_length + 7) & ~uint64_t{7};
}

}  // namespace ringfence::abi

#endif  // RINGFENCE_PLATFORM_KVM_ABI_GOFER_H_
