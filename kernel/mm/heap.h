// The kernel heap: small objects from size-class slabs, large ones as whole
// pages, all from a PageAllocator and addressed through its direct map.
//
// Size classes are the powers of two 16..2048. A small object of class c is
// aligned to c (slab pages are page-aligned and objects are packed), so an
// alignment request up to 2048 just selects a larger class. Anything larger
// than 2048 bytes, or aligned to more, takes whole contiguous pages (page
// alignment at most: larger alignments fail).
//
// Free(p) needs no size: the heap records in each page's owner tag (see
// PageAllocator::SetOwnerTag) which class the page's slab holds, or the page
// count of a large allocation. There is no per-object header.
//
// Slab pages are never returned to the page allocator (the kernel's object
// population is small and steady); large allocations are, at Free.
//
// Thread-safe: guarded by lock_ (the page allocator has its own lock, always
// taken after ours).
#ifndef RINGFENCE_KERNEL_MM_HEAP_H_
#define RINGFENCE_KERNEL_MM_HEAP_H_

#include <cstddef>
#include <cstdint>

#include "kernel/ktl/spinlock.h"
#include "kernel/mm/page_allocator.h"

namespace sentry::mm {

class Heap {
 public:
  static constexpr size_t kMinClassSize = 16;
  static constexpr size_t kMaxClassSize = 2048;
  static constexpr size_t kClassCount = 8;  // 16, 32, ..., 2048

  // `pages` must outlive the heap.
  explicit Heap(PageAllocator* pages) : pages_(pages) {}
  Heap(const Heap&) = delete;
  Heap& operator=(const Heap&) = delete;

  // Returns `size` bytes aligned to `align` (a power of two, at most
  // kPageSize), or nullptr when out of memory or the request is invalid.
  // size 0 is treated as 1 (a unique pointer, as operator new requires).
  void* Allocate(size_t size, size_t align = kMinClassSize);
  // Releases a pointer Allocate returned; nullptr is a no-op. Freeing
  // anything else panics where it can be detected.
  void Free(void* p);

  // Usable size of an allocation (its class size, or its pages).
  size_t AllocationSize(const void* p) const;

  // Bytes handed out and not freed, counted by class or page size.
  size_t bytes_in_use() const;

 private:
  struct FreeObject {
    FreeObject* next;
  };

  // Owner tags: slab pages are kSlabTag | class index; the first page of a
  // large allocation is kLargeTag | page count (count < 2^24).
  static constexpr uint32_t kSlabTag = 0x51ab0000;
  static constexpr uint32_t kLargeTag = 0x80000000;
  static constexpr uint32_t kTagMask = 0xffff0000;

  static size_t ClassIndex(size_t size);  // smallest class holding `size`
  static size_t ClassSize(size_t index) { return kMinClassSize << index; }
  bool RefillLocked(size_t index);

  PageAllocator* const pages_;
  mutable ktl::Spinlock lock_;
  FreeObject* free_lists_[kClassCount] = {};  // Guarded by lock_.
  size_t bytes_in_use_ = 0;                   // Guarded by lock_.
};

// The Sentry's heap, behind operator new/delete (freestanding build). The
// platform calls InitKernelHeap once at boot, after its page allocator is
// ready and before anything allocates. KernelHeap() panics before that.
void InitKernelHeap(PageAllocator* pages);
Heap& KernelHeap();
bool KernelHeapReady();

}  // namespace sentry::mm

#endif  // RINGFENCE_KERNEL_MM_HEAP_H_
