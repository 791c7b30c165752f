// Physical page allocator for the guest physical memory the Sentry manages.
//
// Manages the 4 KiB pages of [base_pa, end_pa). It never dereferences a
// physical address directly: PA p is reached at direct_map_base + p (the
// physmap in the Sentry, a host buffer in unit tests).
//
// Per-page metadata (a PageInfo array) is carved from the start of the
// managed range itself, so the allocator needs no other memory. Free pages
// form a doubly linked LIFO list threaded through that array: AllocPage and
// FreePage are O(1); AllocContiguous scans for a run (rare: kernel stacks).
//
// Every allocated page has a reference count, 1 after allocation. Ref/Unref
// let copy-on-write share pages; the page returns to the free list when the
// count drops to 0. FreePage is for unshared pages only.
//
// When no page is free, an allocation asks the Reclaimer (if one is set)
// to release some, then tries once more: memory that is only a cache (the
// page caches of read-only files nothing maps) yields to real demand.
//
// Misuse (freeing a free page, a PA outside the range or unaligned, a
// refcount overflow) is a Sentry bug and panics.
//
// Thread-safe: all state is guarded by lock_.
#ifndef RINGFENCE_KERNEL_MM_PAGE_ALLOCATOR_H_
#define RINGFENCE_KERNEL_MM_PAGE_ALLOCATOR_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "kernel/ktl/result.h"
#include "kernel/ktl/spinlock.h"

namespace sentry::mm {

using PhysAddr = uint64_t;
inline constexpr uint64_t kPageSize = 4096;

class PageAllocator {
 public:
  // Releases cached pages on demand. Called with no allocator lock held,
  // but possibly under the lock of whoever is allocating (the kernel heap
  // refilling itself): it must not allocate or free heap memory, only drop
  // page references. Returns how many pages it released.
  class Reclaimer {
   public:
    virtual size_t ReclaimPages(size_t wanted) = 0;

   protected:
    ~Reclaimer() = default;
  };

  PageAllocator() = default;
  PageAllocator(const PageAllocator&) = delete;
  PageAllocator& operator=(const PageAllocator&) = delete;

  // Takes ownership of [base_pa, end_pa) (rounded inward to pages). Fails with
  // ENOMEM if the range cannot hold its own metadata plus one page, EINVAL if
  // already initialised or the range is empty/reversed or has more than
  // 2^32 - 1 pages. The memory's previous contents are irrelevant.
  ktl::Result<void> Init(std::byte* direct_map_base, PhysAddr base_pa, PhysAddr end_pa);

  // Installs (or with nullptr removes) the reclaimer allocations fall back on.
  void SetReclaimer(Reclaimer* reclaimer) { reclaimer_.store(reclaimer, std::memory_order_release); }

  // One page, refcount 1, contents undefined. ENOMEM when none is free
  // (even after reclaiming).
  ktl::Result<PhysAddr> AllocPage();
  // Same, zero-filled.
  ktl::Result<PhysAddr> AllocZeroedPage();
  // `count` physically contiguous pages, each with refcount 1. ENOMEM if no
  // run that long is free, even after reclaiming (or count is 0).
  ktl::Result<PhysAddr> AllocContiguous(size_t count);

  // Releases a page whose refcount is 1. Panics otherwise.
  void FreePage(PhysAddr pa);
  // Releases `count` pages starting at pa, each as FreePage.
  void FreeContiguous(PhysAddr pa, size_t count);

  // Refcounting, for pages shared copy-on-write. Both return the new count
  // and panic on a free page. Unref returning 0 freed the page.
  uint32_t Ref(PhysAddr pa);
  uint32_t Unref(PhysAddr pa);
  uint32_t RefCount(PhysAddr pa) const;

  // A 32-bit word the owner of an allocated page may use (the kernel heap
  // records what a page holds). 0 after allocation.
  void SetOwnerTag(PhysAddr pa, uint32_t tag);
  uint32_t OwnerTag(PhysAddr pa) const;

  // Where PA `pa` is visible to the Sentry.
  std::byte* DirectMap(PhysAddr pa) const { return direct_map_base_ + pa; }
  // Inverse of DirectMap. Precondition: p came from DirectMap.
  PhysAddr PhysOf(const void* p) const {
    return static_cast<PhysAddr>(static_cast<const std::byte*>(p) - direct_map_base_);
  }
  bool Contains(PhysAddr pa) const { return pa >= first_pa_ && pa < end_pa_; }

  // Pages available to allocate (excludes the metadata pages).
  size_t total_pages() const { return total_pages_; }
  size_t free_pages() const;

 private:
  struct PageInfo;
  static constexpr uint32_t kNil = 0xffffffff;

  PageInfo& InfoLocked(PhysAddr pa) const;  // panics if pa is not a managed page
  ktl::Result<PhysAddr> TryAllocPage();
  ktl::Result<PhysAddr> TryAllocContiguous(size_t count);
  // Asks the reclaimer for `wanted` pages; whether it released any.
  bool Reclaim(size_t wanted);
  void PushFreeLocked(uint32_t index);
  void UnlinkFreeLocked(uint32_t index);

  std::byte* direct_map_base_ = nullptr;
  PageInfo* info_ = nullptr;  // total_pages_ entries; index i is page first_pa_ + i * kPageSize
  PhysAddr first_pa_ = 0;     // first allocatable page (after the metadata)
  PhysAddr end_pa_ = 0;
  size_t total_pages_ = 0;
  std::atomic<Reclaimer*> reclaimer_{nullptr};

  mutable ktl::Spinlock lock_;
  uint32_t free_head_ = kNil;  // Guarded by lock_.
  size_t free_count_ = 0;      // Guarded by lock_.
  uint32_t contiguous_cursor_ = 0;  // Guarded by lock_. Where the next run search starts.
};

}  // namespace sentry::mm

#endif  // RINGFENCE_KERNEL_MM_PAGE_ALLOCATOR_H_
