#include "kernel/fs/tmpfs/page_source.h"

#include <new>

#include "kernel/ktl/string.h"

namespace sentry::tmpfs {

ktl::Result<Page> HeapPageSource::AllocateZeroed() {
  void* memory = ::operator new(kPageSize, std::align_val_t(kPageSize), std::nothrow);
  if (memory == nullptr) return ktl::Errno::kENOMEM;
  ktl::MemSet(memory, 0, kPageSize);
  in_use_.fetch_add(1, std::memory_order_relaxed);
  return Page{static_cast<std::byte*>(memory), 0};
}

void HeapPageSource::Free(const Page& page) {
  in_use_.fetch_sub(1, std::memory_order_relaxed);
  ::operator delete(page.data, std::align_val_t(kPageSize));
}

ktl::Result<Page> PageAllocatorPageSource::AllocateZeroed() {
  mm::PhysAddr pa = TRY(pages_->AllocZeroedPage());
  return Page{pages_->DirectMap(pa), pa};
}

void PageAllocatorPageSource::Free(const Page& page) { pages_->Unref(page.physical); }

}  // namespace sentry::tmpfs
