#include "kernel/mm/page_allocator.h"

#include <new>

#include "kernel/ktl/panic.h"
#include "kernel/ktl/string.h"

namespace sentry::mm {

// While free: next/prev link the free list and refcount is 0.
// While allocated: refcount >= 1, `next` holds the owner tag, prev is unused.
struct PageAllocator::PageInfo {
  uint32_t next;
  uint32_t prev;
  uint32_t refcount;
};

ktl::Result<void> PageAllocator::Init(std::byte* direct_map_base, PhysAddr base_pa,
                                      PhysAddr end_pa) {
  if (info_ != nullptr) return ktl::Errno::kEINVAL;
  const PhysAddr first = (base_pa + kPageSize - 1) & ~(kPageSize - 1);
  const PhysAddr end = end_pa & ~(kPageSize - 1);
  if (first < base_pa || end <= first) return ktl::Errno::kEINVAL;
  const uint64_t pages = (end - first) / kPageSize;
  if (pages >= kNil) return ktl::Errno::kEINVAL;

  // Metadata for page i lives in the first pages of the range. Solve for the
  // count: metadata pages m must hold (pages - m) entries.
  uint64_t meta_pages = 0;
  while (meta_pages < pages &&
         meta_pages * kPageSize < (pages - meta_pages) * sizeof(PageInfo)) {
    ++meta_pages;
  }
  if (meta_pages + 1 > pages) return ktl::Errno::kENOMEM;

  direct_map_base_ = direct_map_base;
  // The metadata array occupies PA [first, first + meta_pages * kPageSize);
  // PageInfo is trivial, so constructing it over those bytes is placement.
  info_ = new (direct_map_base + first) PageInfo[pages - meta_pages];
  first_pa_ = first + meta_pages * kPageSize;
  end_pa_ = end;
  total_pages_ = static_cast<size_t>(pages - meta_pages);

  ktl::SpinlockGuard guard(lock_);
  // Push in reverse so the list hands out low addresses first.
  for (size_t i = total_pages_; i > 0; --i) {
    info_[i - 1].refcount = 0;
    PushFreeLocked(static_cast<uint32_t>(i - 1));
  }
  return ktl::Ok();
}

PageAllocator::PageInfo& PageAllocator::InfoLocked(PhysAddr pa) const {
  if (pa % kPageSize != 0 || !Contains(pa)) ktl::Panic("PageAllocator: bad physical address");
  return info_[(pa - first_pa_) / kPageSize];
}

void PageAllocator::PushFreeLocked(uint32_t index) {
  PageInfo& info = info_[index];
  info.prev = kNil;
  info.next = free_head_;
  if (free_head_ != kNil) info_[free_head_].prev = index;
  free_head_ = index;
  ++free_count_;
}

void PageAllocator::UnlinkFreeLocked(uint32_t index) {
  PageInfo& info = info_[index];
  if (info.prev != kNil) {
    info_[info.prev].next = info.next;
  } else {
    free_head_ = info.next;
  }
  if (info.next != kNil) info_[info.next].prev = info.prev;
  --free_count_;
}

bool PageAllocator::Reclaim(size_t wanted) {
  Reclaimer* reclaimer = reclaimer_.load(std::memory_order_acquire);
  return reclaimer != nullptr && reclaimer->ReclaimPages(wanted) != 0;
}

ktl::Result<PhysAddr> PageAllocator::AllocPage() {
  auto page = TryAllocPage();
  if (page.ok() || !Reclaim(1)) return page;
  return TryAllocPage();
}

ktl::Result<PhysAddr> PageAllocator::TryAllocPage() {
  ktl::SpinlockGuard guard(lock_);
  if (free_head_ == kNil) return ktl::Errno::kENOMEM;
  const uint32_t index = free_head_;
  UnlinkFreeLocked(index);
  info_[index].refcount = 1;
  info_[index].next = 0;  // owner tag
  return first_pa_ + uint64_t{index} * kPageSize;
}

ktl::Result<PhysAddr> PageAllocator::AllocZeroedPage() {
  PhysAddr pa = TRY(AllocPage());
  ktl::MemSet(DirectMap(pa), 0, kPageSize);
  return pa;
}

ktl::Result<PhysAddr> PageAllocator::AllocContiguous(size_t count) {
  if (count == 0) return ktl::Errno::kENOMEM;
  if (count == 1) return AllocPage();
  auto run = TryAllocContiguous(count);
  if (run.ok() || !Reclaim(count)) return run;
  return TryAllocContiguous(count);
}

ktl::Result<PhysAddr> PageAllocator::TryAllocContiguous(size_t count) {
  ktl::SpinlockGuard guard(lock_);
  if (count > free_count_) return ktl::Errno::kENOMEM;
  // First fit, starting where the last search ended so repeated stack
  // allocations do not rescan the same busy prefix; one wrap-around.
  size_t start = contiguous_cursor_ < total_pages_ ? contiguous_cursor_ : 0;
  for (int pass = 0; pass < 2; ++pass) {
    size_t run = 0;
    const size_t limit = pass == 0 ? total_pages_ : start + count - 1;
    for (size_t i = pass == 0 ? start : 0; i < limit && i < total_pages_; ++i) {
      run = info_[i].refcount == 0 ? run + 1 : 0;
      if (run == count) {
        const size_t first = i + 1 - count;
        for (size_t j = first; j <= i; ++j) {
          UnlinkFreeLocked(static_cast<uint32_t>(j));
          info_[j].refcount = 1;
          info_[j].next = 0;
        }
        contiguous_cursor_ = static_cast<uint32_t>(i + 1);
        return first_pa_ + uint64_t{first} * kPageSize;
      }
    }
  }
  return ktl::Errno::kENOMEM;
}

void PageAllocator::FreePage(PhysAddr pa) {
  ktl::SpinlockGuard guard(lock_);
  PageInfo& info = InfoLocked(pa);
  if (info.refcount == 0) ktl::Panic("PageAllocator: double free");
  if (info.refcount != 1) ktl::Panic("PageAllocator: FreePage of a shared page");
  info.refcount = 0;
  PushFreeLocked(static_cast<uint32_t>((pa - first_pa_) / kPageSize));
}

void PageAllocator::FreeContiguous(PhysAddr pa, size_t count) {
  for (size_t i = 0; i < count; ++i) FreePage(pa + i * kPageSize);
}

uint32_t PageAllocator::Ref(PhysAddr pa) {
  ktl::SpinlockGuard guard(lock_);
  PageInfo& info = InfoLocked(pa);
  if (info.refcount == 0) ktl::Panic("PageAllocator: Ref of a free page");
  if (info.refcount == 0xffffffff) ktl::Panic("PageAllocator: refcount overflow");
  return ++info.refcount;
}

uint32_t PageAllocator::Unref(PhysAddr pa) {
  ktl::SpinlockGuard guard(lock_);
  PageInfo& info = InfoLocked(pa);
  if (info.refcount == 0) ktl::Panic("PageAllocator: Unref of a free page");
  if (--info.refcount == 0) PushFreeLocked(static_cast<uint32_t>((pa - first_pa_) / kPageSize));
  return info.refcount;
}

uint32_t PageAllocator::RefCount(PhysAddr pa) const {
  ktl::SpinlockGuard guard(lock_);
  return InfoLocked(pa).refcount;
}

void PageAllocator::SetOwnerTag(PhysAddr pa, uint32_t tag) {
  ktl::SpinlockGuard guard(lock_);
  PageInfo& info = InfoLocked(pa);
  if (info.refcount == 0) ktl::Panic("PageAllocator: tagging a free page");
  info.next = tag;
}

uint32_t PageAllocator::OwnerTag(PhysAddr pa) const {
  ktl::SpinlockGuard guard(lock_);
  PageInfo& info = InfoLocked(pa);
  if (info.refcount == 0) ktl::Panic("PageAllocator: tag of a free page");
  return info.next;
}

size_t PageAllocator::free_pages() const {
  ktl::SpinlockGuard guard(lock_);
  return free_count_;
}

}  // namespace sentry::mm
