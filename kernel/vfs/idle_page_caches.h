// IdlePageCaches: the page caches kept after their file's last mapping went.
//
// A file whose data cannot change from inside the sandbox
// (FileSystem::data_read_only: the Gofer-served host tree under the root
// overlay, read-only volumes) keeps its InodePageCache when the last VMA
// mapping it goes, so the next exec of the same program maps the cached
// frames instead of reading the file from the host again. Such an idle
// cache stays registered with its inode and sits on a list, least recently
// parked first; mapping the file or reading it through a descriptor takes
// it off the list again (revives it).
//
// Bounds: idle caches hold at most limit_pages() frames (the Sentry gives
// them a fraction of guest memory) and none while the page allocator is low:
// parking one trims the oldest, whole. When an allocation finds no free
// page, ReclaimPages (the allocator's Reclaimer) drops the frames of the
// oldest ones, which stay listed, empty, to be refilled or trimmed later
// (reclaim runs inside allocations, where freeing heap memory may deadlock).
//
// An idle cache holds no reference on its inode (an active one does: its
// mappings read through it). So it never keeps an inode, its Gofer fid or a
// dentry alive: the dentry cache's sweeps stay what bounds those, and an
// inode that goes deletes its idle cache. That loses nothing: a cache is
// only reachable through its inode, and a new lookup of the same file makes
// a new inode.
//
// Locking: lock_ guards the list and counts, every cache's idle state and
// inode reference, and every Inode::page_cache_ (one lock for both ends of
// the link, since reclaim walks from caches to inodes and lookups from
// inodes to caches). Nothing allocates or frees heap memory under it.
// Order: lock_, then an idle cache's PageCache lock, then the page
// allocator's. (Filling an active cache may allocate, and so reclaim, under
// that cache's lock: never an idle cache's, so the orders do not cross.)
#ifndef RINGFENCE_KERNEL_VFS_IDLE_PAGE_CACHES_H_
#define RINGFENCE_KERNEL_VFS_IDLE_PAGE_CACHES_H_

#include <cstddef>

#include "kernel/ktl/intrusive_list.h"
#include "kernel/ktl/spinlock.h"
#include "kernel/mm/page_allocator.h"
#include "kernel/vfs/inode_page_cache.h"

namespace sentry::vfs {

class IdlePageCaches final : public mm::PageAllocator::Reclaimer {
 public:
  // Below total_pages / kLowMemoryDivisor free pages, nothing stays idle.
  static constexpr size_t kLowMemoryDivisor = 32;

  // The one set (the Sentry has one page allocator).
  static IdlePageCaches& Get();

  // Keeps idle caches of frames from `pages`, at most `limit_pages` frames
  // (0 keeps none and deletes what is kept), and makes `pages` reclaim from
  // them when it runs out. Before Configure nothing is kept.
  void Configure(mm::PageAllocator* pages, size_t limit_pages);

  // Drops the frames of the oldest idle caches until `wanted` went.
  size_t ReclaimPages(size_t wanted) override;

  size_t idle_caches();
  size_t idle_pages();
  size_t limit_pages();
  // The allocator idle caches come from, or null if none are kept.
  mm::PageAllocator* kept_pages();

 private:
  friend class InodePageCache;
  using List = ktl::IntrusiveList<InodePageCache, &InodePageCache::idle_node_>;

  // Whether a cache whose last mapping went may stay.
  bool KeepsLocked() const { return limit_pages_ != 0; }
  void ParkLocked(InodePageCache* cache);
  void UnparkLocked(InodePageCache* cache);
  bool OverLimitLocked() const;
  // Deletes the oldest idle caches while over the limit or low on memory.
  void Trim();

  ktl::Spinlock lock_;
  List parked_;              // least recently parked first
  size_t idle_pages_ = 0;    // frames of the caches on parked_
  size_t limit_pages_ = 0;
  mm::PageAllocator* pages_ = nullptr;
};

}  // namespace sentry::vfs

#endif  // RINGFENCE_KERNEL_VFS_IDLE_PAGE_CACHES_H_
