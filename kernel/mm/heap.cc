#include "kernel/mm/heap.h"

#include <new>

#include "kernel/ktl/panic.h"

namespace sentry::mm {

size_t Heap::ClassIndex(size_t size) {
  size_t index = 0;
  while (ClassSize(index) < size) ++index;
  return index;
}

bool Heap::RefillLocked(size_t index) {
  auto page = pages_->AllocPage();
  if (!page.ok()) return false;
  const PhysAddr pa = page.value();
  pages_->SetOwnerTag(pa, kSlabTag | static_cast<uint32_t>(index));
  std::byte* base = pages_->DirectMap(pa);
  const size_t size = ClassSize(index);
  // Thread the page's objects onto the list in address order.
  for (size_t offset = kPageSize; offset >= size; offset -= size) {
    auto* object = reinterpret_cast<FreeObject*>(base + offset - size);  // free slot: holds only a link
    object->next = free_lists_[index];
    free_lists_[index] = object;
  }
  return true;
}

void* Heap::Allocate(size_t size, size_t align) {
  if (align == 0 || (align & (align - 1)) != 0 || align > kPageSize) return nullptr;
  if (size == 0) size = 1;
  const size_t need = size > align ? size : align;
  if (need <= kMaxClassSize) {
    const size_t index = ClassIndex(need);
    ktl::SpinlockGuard guard(lock_);
    if (free_lists_[index] == nullptr && !RefillLocked(index)) return nullptr;
    FreeObject* object = free_lists_[index];
    free_lists_[index] = object->next;
    bytes_in_use_ += ClassSize(index);
    return object;
  }
  if (size > (size_t{1} << 24) * kPageSize) return nullptr;  // beyond the tag's count field
  const size_t count = (size + kPageSize - 1) / kPageSize;
  auto run = pages_->AllocContiguous(count);
  if (!run.ok()) return nullptr;
  pages_->SetOwnerTag(run.value(), kLargeTag | static_cast<uint32_t>(count));
  {
    ktl::SpinlockGuard guard(lock_);
    bytes_in_use_ += count * kPageSize;
  }
  return pages_->DirectMap(run.value());
}

size_t Heap::AllocationSize(const void* p) const {
  const PhysAddr pa = pages_->PhysOf(p);
  const uint32_t tag = pages_->OwnerTag(pa & ~(kPageSize - 1));
  if ((tag & kLargeTag) != 0) return (tag & ~kLargeTag) * kPageSize;
  if ((tag & kTagMask) == kSlabTag) return ClassSize(tag & ~kTagMask);
  ktl::Panic("Heap: pointer is not a heap allocation");
}

void Heap::Free(void* p) {
  if (p == nullptr) return;
  const PhysAddr pa = pages_->PhysOf(p);
  const PhysAddr page = pa & ~(kPageSize - 1);
  if (!pages_->Contains(page)) ktl::Panic("Heap: Free of a pointer outside the heap");
  const uint32_t tag = pages_->OwnerTag(page);
  if ((tag & kLargeTag) != 0) {
    if (pa != page) ktl::Panic("Heap: Free of an interior pointer");
    const size_t count = tag & ~kLargeTag;
    {
      ktl::SpinlockGuard guard(lock_);
      bytes_in_use_ -= count * kPageSize;
    }
    pages_->FreeContiguous(page, count);
    return;
  }
  if ((tag & kTagMask) != kSlabTag || (tag & ~kTagMask) >= kClassCount) {
    ktl::Panic("Heap: Free of a pointer that is not a heap allocation");
  }
  const size_t index = tag & ~kTagMask;
  if ((pa - page) % ClassSize(index) != 0) ktl::Panic("Heap: Free of an interior pointer");
  ktl::SpinlockGuard guard(lock_);
  auto* object = static_cast<FreeObject*>(p);
  object->next = free_lists_[index];
  free_lists_[index] = object;
  bytes_in_use_ -= ClassSize(index);
}

size_t Heap::bytes_in_use() const {
  ktl::SpinlockGuard guard(lock_);
  return bytes_in_use_;
}

namespace {

// Constructed in place by InitKernelHeap: the Sentry runs no global
// constructors before boot code, so no static object with a constructor.
alignas(Heap) std::byte g_kernel_heap_storage[sizeof(Heap)];
Heap* g_kernel_heap = nullptr;

}  // namespace

void InitKernelHeap(PageAllocator* pages) {
  if (g_kernel_heap != nullptr) ktl::Panic("InitKernelHeap called twice");
  g_kernel_heap = new (g_kernel_heap_storage) Heap(pages);
}

Heap& KernelHeap() {
  if (g_kernel_heap == nullptr) ktl::Panic("kernel heap used before InitKernelHeap");
  return *g_kernel_heap;
}

bool KernelHeapReady() { return g_kernel_heap != nullptr; }

}  // namespace sentry::mm
