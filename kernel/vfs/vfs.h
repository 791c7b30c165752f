// Vfs: one mount namespace (mount table + dentry cache) and the path-based
// operations the file syscalls call, with Linux's semantics and errnos.
//
// A syscall handler builds a Caller (the process root, the start directory
// from AT_FDCWD/cwd or the dirfd's description, the credentials, the umask)
// and calls, e.g.:
//
//   vfs.Open(caller, path, flags, mode)        // open/openat/creat
//   vfs.Stat(caller, path, at_flags)           // stat/lstat/newfstatat
//
// Errors and their order follow Linux (namei.c, open.c): see each method.
// What is not modelled yet: ACLs, xattrs, RLIMIT_FSIZE, O_TMPFILE,
// RENAME_WHITEOUT, protected_hardlinks/symlinks, mount propagation, and
// CAP_SYS_ADMIN checks on mount (the syscall layer's job).
//
// Thread safety: every operation runs under tree_lock_ (one per namespace),
// which guards the dentry cache and the mount table. File data I/O on open
// descriptions does not take it.
#ifndef RINGFENCE_KERNEL_VFS_VFS_H_
#define RINGFENCE_KERNEL_VFS_VFS_H_

#include <cstdint>
#include <span>

#include "kernel/ktl/function_ref.h"
#include "kernel/ktl/result.h"
#include "kernel/ktl/spinlock.h"
#include "kernel/ktl/string.h"
#include "kernel/vfs/file_description.h"
#include "kernel/vfs/mount.h"
#include "kernel/vfs/path_walk.h"
#include "kernel/vfs/types.h"

namespace sentry::vfs {

// Who asks, and where relative paths start. References must outlive the call.
struct Caller {
  const Path& root;   // the process root (chroot): "/" and ".." stop here
  const Path& start;  // the cwd, or the directory of an *at dirfd
  const Credentials& creds;
  uint32_t umask = 022;
};

// chown's "leave unchanged" id.
inline constexpr uint32_t kNoChange = 0xffffffff;

// PathName for callers that already hold the tree lock (file systems
// answering Readlink or a jump, which the Vfs calls under it).
ktl::Result<size_t> PathNameLocked(const Path& root, const Path& path, std::span<char> out);

class Vfs {
 public:
  Vfs() = default;
  ~Vfs();
  Vfs(const Vfs&) = delete;
  Vfs& operator=(const Vfs&) = delete;

  // --- the mount table -------------------------------------------------------
  // Mounts the file system whose root directory is `fs_root` as the
  // namespace root. EBUSY if there is one.
  ktl::Result<void> MountRoot(RefPtr<Inode> fs_root, uint32_t mount_flags);
  // The namespace root (a process's initial root and cwd).
  Path root();
  // Mounts the file system rooted at `fs_root` on the directory `target`
  // (ENOTDIR otherwise).
  ktl::Result<void> Mount(const Caller& caller, ktl::StringView target, RefPtr<Inode> fs_root,
                          uint32_t mount_flags);
  // Shows the tree at `source` also at `target` (mount --bind); both
  // directories or both non-directories (ENOTDIR / EISDIR... as Linux:
  // ENOTDIR either way).
  ktl::Result<void> BindMount(const Caller& caller, ktl::StringView source,
                              ktl::StringView target, uint32_t mount_flags);
  // Unmounts the mount whose root `target` is: EINVAL if it is not a mount
  // root, EBUSY if other mounts sit on it or it is the namespace root.
  ktl::Result<void> Unmount(const Caller& caller, ktl::StringView target);

  // --- resolution ------------------------------------------------------------
  // at_flags: kAT_SYMLINK_NOFOLLOW, kAT_EMPTY_PATH (an empty path then means
  // caller.start itself). For chdir, chroot, fstatat-like users.
  ktl::Result<Path> Resolve(const Caller& caller, ktl::StringView path, uint32_t at_flags);
  // The absolute path of `path` as seen from `root` (getcwd, /proc links),
  // NUL-terminated in `out`; returns its length without the NUL. ENOENT if
  // the name was removed, ERANGE if `out` is too small.
  ktl::Result<size_t> PathName(const Path& root, const Path& path, std::span<char> out);

  // One mount, as /proc/<pid>/mounts and mountinfo show it.
  struct MountRecord {
    const vfs::Mount& mount;
    uint32_t parent_id;            // the mount's own id for the namespace root
    ktl::StringView mount_point;   // as seen from the caller's root
    ktl::StringView root;          // the mounted directory within its file system
  };
  // Calls `emit` for each mount at or below `root`, parents first, with
  // the tree lock held: `emit` must not call back into the Vfs. Stops at
  // the first error `emit` returns.
  ktl::Result<void> ForEachMount(const Path& root,
                                 ktl::FunctionRef<ktl::Result<void>(const MountRecord&)> emit);

  // Drops every unused cached dentry, and what file systems cache beyond
  // them, now (the VFS does it anyway every MountTable::kSweepAfter
  // lookups); returns how many entries went.
  size_t DropUnusedCaches();

  // --- the operations ----------------------------------------------------------
  // open(2)/openat(2). `flags`: kO_* (O_CLOEXEC is the caller's to apply to
  // the fd; it is not kept in the description). `mode`: for O_CREAT.
  ktl::Result<RefPtr<FileDescription>> Open(const Caller& caller, ktl::StringView path,
                                            uint32_t flags, uint32_t mode);
  // stat/lstat/newfstatat: kAT_SYMLINK_NOFOLLOW, kAT_EMPTY_PATH, kAT_NO_AUTOMOUNT.
  ktl::Result<Attr> Stat(const Caller& caller, ktl::StringView path, uint32_t at_flags);
  ktl::Result<void> Mkdir(const Caller& caller, ktl::StringView path, uint32_t mode);
  // mknod: mode's type is S_IFREG (or 0), S_IFIFO, S_IFSOCK, S_IFCHR or
  // S_IFBLK (the last two need CAP_MKNOD).
  ktl::Result<void> Mknod(const Caller& caller, ktl::StringView path, uint32_t mode,
                          uint64_t device);
  ktl::Result<void> Unlink(const Caller& caller, ktl::StringView path);
  ktl::Result<void> Rmdir(const Caller& caller, ktl::StringView path);
  // renameat2: flags kRENAME_NOREPLACE, kRENAME_EXCHANGE.
  ktl::Result<void> Rename(const Caller& old_at, ktl::StringView old_path, const Caller& new_at,
                           ktl::StringView new_path, uint32_t flags);
  // linkat: at_flags kAT_SYMLINK_FOLLOW, kAT_EMPTY_PATH.
  ktl::Result<void> Link(const Caller& old_at, ktl::StringView old_path, const Caller& new_at,
                         ktl::StringView new_path, uint32_t at_flags);
  ktl::Result<void> Symlink(ktl::StringView target, const Caller& caller, ktl::StringView path);
  // readlinkat: copies up to out.size() bytes (no NUL), returns the count.
  // An empty path reads caller.start if it is a symlink.
  ktl::Result<size_t> Readlink(const Caller& caller, ktl::StringView path, std::span<char> out);
  // fchmodat (at_flags: kAT_SYMLINK_NOFOLLOW -> EOPNOTSUPP on a symlink,
  // kAT_EMPTY_PATH).
  ktl::Result<void> Chmod(const Caller& caller, ktl::StringView path, uint32_t mode,
                          uint32_t at_flags);
  // fchownat: uid/gid kNoChange to keep.
  ktl::Result<void> Chown(const Caller& caller, ktl::StringView path, uint32_t uid, uint32_t gid,
                          uint32_t at_flags);
  ktl::Result<void> Truncate(const Caller& caller, ktl::StringView path, int64_t length);
  // utimensat: `times` null (both now) or [atime, mtime] with kUTIME_NOW /
  // kUTIME_OMIT allowed in tv_nsec.
  ktl::Result<void> Utimens(const Caller& caller, ktl::StringView path, const Timespec* times,
                            uint32_t at_flags);
  // faccessat2: mode kF_OK or kR_OK|kW_OK|kX_OK; at_flags kAT_EACCESS (check
  // the effective ids instead of the real ones), kAT_SYMLINK_NOFOLLOW,
  // kAT_EMPTY_PATH.
  ktl::Result<void> Access(const Caller& caller, ktl::StringView path, uint32_t mode,
                           uint32_t at_flags);

  // --- on a resolved object (the f* syscalls: fchmod, fchown, ftruncate,
  // futimens; fstat is FileDescription::Stat) ---------------------------------
  ktl::Result<void> ChmodAt(const Path& target, uint32_t mode, const Credentials& creds);
  ktl::Result<void> ChownAt(const Path& target, uint32_t uid, uint32_t gid,
                            const Credentials& creds);
  // `check_permission`: false for ftruncate (the fd's write access counts).
  ktl::Result<void> TruncateAt(const Path& target, int64_t length, const Credentials& creds,
                               bool check_permission);
  ktl::Result<void> UtimensAt(const Path& target, const Timespec* times,
                              const Credentials& creds);

 private:
  ktl::Result<Path> ResolveLocked(const Caller& caller, ktl::StringView path, uint32_t at_flags);
  // The parent and name for creating `path` (mkdir, mknod, symlink, link's
  // new name): EEXIST if it exists (even as a dangling symlink) or is "."/
  // ".."/"/", ENOENT for a trailing slash unless `directory`, EROFS on a
  // read-only mount, then search/write permission on the parent.
  ktl::Result<LastComponent> PrepareCreate(PathWalker& walker, const Caller& caller,
                                           ktl::StringView path, bool directory);
  // Adds a dentry for a just-created child (best effort: on ENOMEM the
  // cache just misses it and the next lookup asks the file system).
  void CacheChild(const LastComponent& last, RefPtr<Inode> inode);
  // Owner, group and mode for a new inode in `dir` (inode_init_owner).
  NewInode NewInodeAttr(const Path& dir, uint32_t mode, const Credentials& creds);
  // may_create: the directory still exists, and write+search on it.
  ktl::Result<void> MayCreate(const Path& dir, const Credentials& creds);
  // may_delete: write+search on `dir`, the sticky rule, the victim's type
  // (EISDIR / ENOTDIR per `want_dir`), not a mount point or root (EBUSY).
  ktl::Result<void> MayDelete(const Path& dir, const Path& victim, bool want_dir,
                              const Credentials& creds);
  bool IsMountpoint(const Path& path) const;
  ktl::Result<void> DoSetattr(const Path& target, const SetAttr& change);
  ktl::Result<void> ChmodLocked(const Path& target, uint32_t mode, const Credentials& creds);
  ktl::Result<void> ChownLocked(const Path& target, uint32_t uid, uint32_t gid,
                                const Credentials& creds);
  ktl::Result<void> TruncateLocked(const Path& target, int64_t length, const Credentials& creds,
                                   bool check_permission);
  ktl::Result<void> UtimensLocked(const Path& target, const Timespec* times,
                                  const Credentials& creds);

  ktl::Spinlock tree_lock_;
  MountTable mounts_;  // Guarded by tree_lock_.
  Path root_;          // Guarded by tree_lock_.
};

}  // namespace sentry::vfs

#endif  // RINGFENCE_KERNEL_VFS_VFS_H_
