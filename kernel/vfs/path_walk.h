// Path resolution (path_resolution(7)): turning a path into a Path.
//
//  - Absolute paths start at the caller's root (chroot), relative ones at
//    the start directory (cwd or an *at directory fd). Absolute symlink
//    targets also restart at the caller's root, never the host's.
//  - ".." never leaves the caller's root, and at a mount's root it first
//    crosses to the mount point in the parent mount; entering a dentry that
//    has something mounted on it enters the (topmost) mounted tree.
//  - Every directory searched needs search (x) permission: EACCES.
//  - A component longer than kNameMax is ENAMETOOLONG, as is a path of
//    kPathMax bytes or more; a non-directory followed by more components
//    is ENOTDIR; a missing component is ENOENT.
//  - Symlinks in the middle of a path are always followed; the last
//    component's only when asked (or when a trailing slash follows it). At
//    most kMaxSymlinks are followed in one resolution: ELOOP.
//  - A trailing slash requires the result to be a directory (ENOTDIR).
//
// Symlinks inside the path are handled iteratively (a stack of pending path
// pieces, at most kMaxSymlinks + 1 deep), so resolution uses a small, fixed
// amount of kernel stack whatever the link chain.
//
// Precondition for every method: the caller holds the Vfs tree lock (the
// walker reads and fills the dentry cache and the mount table).
#ifndef RINGFENCE_KERNEL_VFS_PATH_WALK_H_
#define RINGFENCE_KERNEL_VFS_PATH_WALK_H_

#include "kernel/ktl/result.h"
#include "kernel/ktl/string.h"
#include "kernel/ktl/vector.h"
#include "kernel/vfs/mount.h"
#include "kernel/vfs/types.h"

namespace sentry::vfs {

// The last component of a path, with the directory that holds it.
struct LastComponent {
  enum class Kind { kNormal, kDot, kDotDot, kRoot };  // kRoot: "/" (no name at all)
  Path parent;
  ktl::StringView name;  // kNormal only; valid while the walker lives
  Kind kind = Kind::kNormal;
  bool trailing_slash = false;
};

class PathWalker {
 public:
  // `root`: the caller's root; `creds`: whose search permission counts.
  PathWalker(MountTable& mounts, const Path& root, const Credentials& creds)
      : mounts_(mounts), root_(root), creds_(creds) {}
  PathWalker(const PathWalker&) = delete;

  // Resolves every component of `path` but the last, starting at `start`
  // (ignored for absolute paths), and checks search permission on the
  // directory holding the last. ENOENT for an empty path.
  ktl::Result<LastComponent> WalkParent(const Path& start, ktl::StringView path);

  // The object `last` names, without following a final symlink; mounts on
  // it are entered if `cross_mounts`. ENOENT if absent.
  ktl::Result<Path> LookupLast(const LastComponent& last, bool cross_mounts = true);

  // Replaces `*last` by the last component of the target of `link` (which
  // `last` named), walking the target's other components. Counts toward
  // the symlink limit. The trailing-slash requirement carries over.
  ktl::Result<void> FollowSymlink(const Path& link, LastComponent* last);

  // LookupLast, following symlinks when `follow` or a trailing slash says
  // so, then the trailing-slash check.
  ktl::Result<Path> ResolveLast(LastComponent last, bool follow);

  // The whole thing.
  ktl::Result<Path> Resolve(const Path& start, ktl::StringView path, bool follow);

  // ".." from `at`, within the caller's root.
  Path DotDot(const Path& at) const;
  // Enters whatever is mounted on `*path` (repeatedly).
  void CrossMounts(Path* path) const;

  int symlinks_followed() const { return symlinks_followed_; }

 private:
  // The cached or freshly looked-up child `name` of directory `dir`.
  ktl::Result<Path> LookupChild(const Path& dir, ktl::StringView name, bool cross_mounts);
  // Reads a symlink's target into storage owned by the walker.
  ktl::Result<ktl::StringView> ReadLink(Inode& link);
  ktl::Result<void> MaySearch(const Path& dir);

  MountTable& mounts_;  // NoteCached after each lookup it caches
  const Path& root_;
  const Credentials& creds_;
  int symlinks_followed_ = 0;
  // Symlink targets read so far; LastComponent names may point into them.
  ktl::Vector<ktl::Vector<char>> link_bodies_;
};

}  // namespace sentry::vfs

#endif  // RINGFENCE_KERNEL_VFS_PATH_WALK_H_
