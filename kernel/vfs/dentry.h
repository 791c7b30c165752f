// Dentry: a name in the directory tree, bound to the inode it names. The
// dentry cache is the tree of Dentry objects the VFS has looked up so far;
// path walks find children here before asking the file system.
//
// Ownership: a dentry holds a reference on its parent and on its inode; a
// parent holds a reference on each cached child. Parent and children thus
// reference each other while a dentry is in the tree; the cycle is broken
// when the name goes away (Unlink/Rmdir/Rename detach the dentry, which then
// lives on only as long as open files or cwds hold it) and, for a whole
// tree, by PruneTree when its mount goes.
//
// Eviction: a dentry nobody uses (its only reference is its parent's, so no
// children, open files, cwds or walks hold it, and nothing is mounted on it)
// can be dropped if its file system can rebuild it by a lookup
// (FileSystem::dentries_evictable; not tmpfs, whose inodes are the data).
// Dropping it releases its inode, which for a gofer file closes its Gofer fid,
// so the cache (and the Gofer's fid table) stays bounded; see
// MountTable::NoteCached.
//
// Negative entries are not cached: a miss always asks the file system.
//
// Locking: name, parent, children, mount_count and dead are guarded by the
// tree lock of the Vfs that owns the dentry (Vfs::tree_lock_); callers of
// every method below hold it. The inode pointer never changes.
#ifndef RINGFENCE_KERNEL_VFS_DENTRY_H_
#define RINGFENCE_KERNEL_VFS_DENTRY_H_

#include <atomic>

#include "kernel/ktl/result.h"
#include "kernel/ktl/string.h"
#include "kernel/ktl/vector.h"
#include "kernel/vfs/inode.h"
#include "kernel/vfs/ref_ptr.h"

namespace sentry::vfs {

class Dentry {
 public:
  // A root dentry (its own parent for ".." purposes) for a file system root.
  static RefPtr<Dentry> MakeRoot(RefPtr<Inode> inode);
  ~Dentry();
  Dentry(const Dentry&) = delete;
  Dentry& operator=(const Dentry&) = delete;

  void Ref() { references_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() {
    if (references_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  Inode& inode() const { return *inode_; }
  const RefPtr<Inode>& inode_ref() const { return inode_; }
  ktl::StringView name() const { return ktl::StringView(name_, name_length_); }
  // Null for a root dentry.
  Dentry* parent() const { return parent_.get(); }
  bool IsRoot() const { return !parent_; }
  // Detached from the tree: the name was removed (st_nlink may still be
  // > 0 for hard-linked files, but this name is gone).
  bool dead() const { return dead_; }

  // The cached child `name`, or null.
  Dentry* FindChild(ktl::StringView name) const;
  // Caches a new child `name` for `inode`. Precondition: not cached yet.
  ktl::Result<RefPtr<Dentry>> AddChild(ktl::StringView name, RefPtr<Inode> inode);
  // Detaches `child` (it keeps its parent reference, for getcwd-like
  // walks). Marks it dead.
  void RemoveChild(Dentry* child);
  // Moves `this` (a cached child of its parent) to `new_parent`/`new_name`,
  // replacing the cached dentry there, which is detached. ENOMEM leaves the
  // tree unchanged.
  ktl::Result<void> MoveTo(Dentry* new_parent, ktl::StringView new_name);
  // Swaps the places of `a` and `b` in the tree (RENAME_EXCHANGE).
  static void Exchange(Dentry* a, Dentry* b);
  // Whether `this` is `other` or lies below it (by parent pointers; within one
  // file system's tree).
  bool IsDescendantOf(const Dentry* other) const;

  // Mounts whose mount point is this dentry: the walk checks the mount
  // table only when this is non-zero.
  uint32_t mount_count = 0;

  // Drops every cached descendant (breaking the parent/child cycles), for
  // teardown. Children still referenced elsewhere survive detached.
  void PruneTree();
  // Drops every unused, evictable descendant (post-order, so directories
  // emptied on the way go too); returns how many were dropped.
  size_t PruneUnused();

 private:
  Dentry() = default;
  ktl::Result<void> SetName(ktl::StringView name);
  // Index where `name` is or would be in children_ (sorted by name).
  size_t ChildIndex(ktl::StringView name) const;

  std::atomic<uint32_t> references_{1};
  RefPtr<Inode> inode_;
  RefPtr<Dentry> parent_;
  char* name_ = nullptr;  // heap copy, name_length_ bytes (no NUL)
  size_t name_length_ = 0;
  ktl::Vector<Dentry*> children_;  // each holds a reference; sorted by name
  bool dead_ = false;
};

// Compares names as bytes (children_ order).
int CompareNames(ktl::StringView a, ktl::StringView b);

}  // namespace sentry::vfs

#endif  // RINGFENCE_KERNEL_VFS_DENTRY_H_
