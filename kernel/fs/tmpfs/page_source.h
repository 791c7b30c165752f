// PageSource: where tmpfs gets the 4 KiB pages that hold file data.
//
// In the Sentry, pages come from the physical page allocator and are
// reached through the physmap (PageAllocatorPageSource), so a later
// MAP_SHARED mapping of a tmpfs file can map the very same frames into an
// address space: Page::physical is that frame. Hosted unit tests use the
// heap (HeapPageSource), or a PageAllocator over a host buffer.
#ifndef RINGFENCE_KERNEL_FS_TMPFS_PAGE_SOURCE_H_
#define RINGFENCE_KERNEL_FS_TMPFS_PAGE_SOURCE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "kernel/ktl/result.h"
#include "kernel/mm/page_allocator.h"

namespace sentry::tmpfs {

inline constexpr size_t kPageSize = 4096;

struct Page {
  std::byte* data = nullptr;  // kPageSize bytes the Sentry can access
  uint64_t physical = 0;      // the frame's guest-physical address; 0 if none
};

class PageSource {
 public:
  virtual ~PageSource() = default;
  // A zero-filled page; ENOMEM when memory is exhausted.
  virtual ktl::Result<Page> AllocateZeroed() = 0;
  // Returns a page AllocateZeroed gave.
  virtual void Free(const Page& page) = 0;
  // The allocator whose frames the pages are (they can be mapped into an
  // address space then), or null.
  virtual mm::PageAllocator* allocator() const { return nullptr; }
};

// Pages from operator new (page-aligned). Counts what it has handed out.
class HeapPageSource final : public PageSource {
 public:
  ktl::Result<Page> AllocateZeroed() override;
  void Free(const Page& page) override;
  size_t pages_in_use() const { return in_use_.load(std::memory_order_relaxed); }

 private:
  std::atomic<size_t> in_use_{0};
};

// Pages from a PageAllocator, addressed through its direct map.
class PageAllocatorPageSource final : public PageSource {
 public:
  explicit PageAllocatorPageSource(mm::PageAllocator* pages) : pages_(pages) {}
  ktl::Result<Page> AllocateZeroed() override;
  void Free(const Page& page) override;
  mm::PageAllocator* allocator() const override { return pages_; }

 private:
  mm::PageAllocator* pages_;
};

}  // namespace sentry::tmpfs

#endif  // RINGFENCE_KERNEL_FS_TMPFS_PAGE_SOURCE_H_
