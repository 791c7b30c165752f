#include "kernel/vfs/mount.h"

namespace sentry::vfs {
namespace {
// Linux numbers mounts from a small base too; ids are never reused.
std::atomic<uint32_t> next_mount_id{20};
}  // namespace

Mount::Mount(RefPtr<Dentry> root, uint32_t flags)
    : root_(std::move(root)), flags_(flags),
      id_(next_mount_id.fetch_add(1, std::memory_order_relaxed)) {}

MountTable::~MountTable() { Teardown(); }

ktl::Result<void> MountTable::Attach(RefPtr<Mount> mount, const Path& mountpoint) {
  TRY(mounts_.ReserveAtLeast(mounts_.size() + 1));
  mount->parent_ = mountpoint.mount;
  mount->mountpoint_ = mountpoint.dentry;
  ++mountpoint.dentry->mount_count;
  (void)mounts_.PushBack(std::move(mount));  // reserved above
  return ktl::Ok();
}

ktl::Result<void> MountTable::AttachRoot(RefPtr<Mount> mount) {
  return mounts_.PushBack(std::move(mount));
}

ktl::Result<void> MountTable::Detach(Mount* mount) {
  if (HasChildren(mount)) return ktl::Errno::kEBUSY;
  for (size_t i = 0; i < mounts_.size(); ++i) {
    if (mounts_[i].get() != mount) continue;
    if (mount->mountpoint_) --mount->mountpoint_->mount_count;
    mount->parent_.reset();
    mount->mountpoint_.reset();
    mounts_.Erase(i);
    return ktl::Ok();
  }
  return ktl::Errno::kEINVAL;
}

Mount* MountTable::MountedOn(const Mount* parent, const Dentry* dentry) const {
  if (dentry->mount_count == 0) return nullptr;
  for (size_t i = mounts_.size(); i-- > 0;) {
    const RefPtr<Mount>& m = mounts_[i];
    if (m->parent_.get() == parent && m->mountpoint_.get() == dentry) return m.get();
  }
  return nullptr;
}

bool MountTable::HasChildren(const Mount* mount) const {
  for (const RefPtr<Mount>& m : mounts_) {
    if (m->parent_.get() == mount) return true;
  }
  return false;
}

bool MountTable::Contains(const Mount* mount) const {
  for (const RefPtr<Mount>& m : mounts_) {
    if (m.get() == mount) return true;
  }
  return false;
}

void MountTable::NoteCached() {
  if (++cached_since_sweep_ < kSweepAfter) return;
  SweepUnused();
}

size_t MountTable::SweepUnused() {
  cached_since_sweep_ = 0;
  size_t dropped = 0;
  // Bind mounts may share subtrees; a second pass over one finds nothing.
  for (const RefPtr<Mount>& m : mounts_) dropped += m->root_->PruneUnused();
  for (const RefPtr<Mount>& m : mounts_) {
    Inode& root = m->root_->inode();
    dropped += root.fs().PruneCaches(root);
  }
  return dropped;
}

void MountTable::Teardown() {
  while (!mounts_.empty()) {
    RefPtr<Mount> m = std::move(mounts_.back());
    mounts_.PopBack();
    if (m->mountpoint_) --m->mountpoint_->mount_count;
    m->root_->PruneTree();
    m->parent_.reset();
    m->mountpoint_.reset();
  }
}

}  // namespace sentry::vfs
