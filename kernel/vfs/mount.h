// Mounts and the mount table.
//
// A Mount shows a tree of dentries (from `root`, a file system's root or,
// for a bind mount, any directory of it) at a mount point: a dentry of the
// parent mount. A Path is a (mount, dentry) pair: the same dentry reached
// through two mounts is two different places (".." and EXDEV differ).
//
// Locking: the mount table and every Mount's parent/mountpoint are guarded
// by the owning Vfs's tree lock.
#ifndef RINGFENCE_KERNEL_VFS_MOUNT_H_
#define RINGFENCE_KERNEL_VFS_MOUNT_H_

#include <atomic>
#include <cstdint>
#include <span>

#include "kernel/ktl/result.h"
#include "kernel/ktl/vector.h"
#include "kernel/vfs/dentry.h"
#include "kernel/vfs/ref_ptr.h"

namespace sentry::vfs {

// Mount flags (the MS_* meanings, our own bit values).
enum MountFlags : uint32_t {
  kMountReadOnly = 1 << 0,
  kMountNoSuid = 1 << 1,
  kMountNoDev = 1 << 2,
  kMountNoExec = 1 << 3,
};

class Mount {
 public:
  Mount(RefPtr<Dentry> root, uint32_t flags);
  Mount(const Mount&) = delete;
  Mount& operator=(const Mount&) = delete;

  void Ref() { references_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() {
    if (references_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  // Unique among the mounts ever made (/proc/<pid>/mountinfo, fdinfo mnt_id).
  uint32_t id() const { return id_; }
  Dentry* root() const { return root_.get(); }
  const RefPtr<Dentry>& root_ref() const { return root_; }
  // Null for the namespace's root mount (and for a detached mount).
  Mount* parent() const { return parent_.get(); }
  const RefPtr<Mount>& parent_ref() const { return parent_; }
  Dentry* mountpoint() const { return mountpoint_.get(); }
  const RefPtr<Dentry>& mountpoint_ref() const { return mountpoint_; }
  uint32_t flags() const { return flags_; }
  bool read_only() const { return (flags_ & kMountReadOnly) != 0; }
  void set_flags(uint32_t flags) { flags_ = flags; }

 private:
  friend class MountTable;

  std::atomic<uint32_t> references_{1};
  RefPtr<Dentry> root_;
  RefPtr<Mount> parent_;
  RefPtr<Dentry> mountpoint_;
  uint32_t flags_;
  uint32_t id_;
};

// A place in the mount namespace.
struct Path {
  RefPtr<Mount> mount;
  RefPtr<Dentry> dentry;

  Inode& inode() const { return dentry->inode(); }
  bool valid() const { return mount && dentry; }
  bool operator==(const Path& other) const {
    return mount == other.mount && dentry == other.dentry;
  }
};

// All mounts of one namespace. Callers hold the Vfs tree lock.
class MountTable {
 public:
  MountTable() = default;
  ~MountTable();
  MountTable(const MountTable&) = delete;

  // Attaches `mount` on `mountpoint` (the mount covers whatever was mounted
  // there before; the newest mount is the one a walk enters).
  ktl::Result<void> Attach(RefPtr<Mount> mount, const Path& mountpoint);
  // Makes `mount` the namespace root (no parent).
  ktl::Result<void> AttachRoot(RefPtr<Mount> mount);
  // Detaches `mount`; EBUSY if other mounts sit on it.
  ktl::Result<void> Detach(Mount* mount);

  // The topmost mount on (parent, dentry), or null.
  Mount* MountedOn(const Mount* parent, const Dentry* dentry) const;
  bool HasChildren(const Mount* mount) const;
  bool Contains(const Mount* mount) const;
  size_t size() const { return mounts_.size(); }
  // Every mount, in attach order (parents before their children).
  std::span<const RefPtr<Mount>> mounts() const { return {mounts_.data(), mounts_.size()}; }

  // Breaks dentry cycles of every mounted tree and empties the table.
  void Teardown();

  // Called after each dentry added to a mounted tree: every kSweepAfter
  // additions, drops the unused evictable dentries of every tree. This
  // bounds what a file system such as gofer keeps cached beyond what is in
  // use to about kSweepAfter dentries (and Gofer fids), at the cost of a
  // sweep over the cached trees per kSweepAfter lookups. Callers hold no
  // raw Dentry pointer without a reference across it.
  static constexpr size_t kSweepAfter = 1024;
  void NoteCached();
  // Drops unused evictable dentries and file systems' own unused cache
  // entries (FileSystem::PruneCaches) now; returns how many.
  size_t SweepUnused();

 private:
  ktl::Vector<RefPtr<Mount>> mounts_;  // attach order
  size_t cached_since_sweep_ = 0;
};

}  // namespace sentry::vfs

#endif  // RINGFENCE_KERNEL_VFS_MOUNT_H_
