// SharedAnonymousMemory: what a MAP_SHARED|MAP_ANONYMOUS mapping maps (Linux
// backs it with an unlinked shmem file, "/dev/zero (deleted)" in
// /proc/<pid>/maps). The mapping becomes a kFileShared VMA of this object, so
// after fork parent and child map the same frames. Pages are zero-filled on
// first use and live until the last mapping goes.
#ifndef RINGFENCE_KERNEL_MM_SHARED_ANONYMOUS_H_
#define RINGFENCE_KERNEL_MM_SHARED_ANONYMOUS_H_

#include <cstdint>

#include "kernel/ktl/spinlock.h"
#include "kernel/ktl/vector.h"
#include "kernel/mm/memory_object.h"

namespace sentry::mm {

class SharedAnonymousMemory final : public MemoryObject {
 public:
  // An object of `pages_count` pages; ENOMEM.
  static ktl::Result<RefPtr<SharedAnonymousMemory>> Create(PageAllocator& pages,
                                                           uint64_t pages_count);
  ~SharedAnonymousMemory() override;

  // ENXIO past the size given at creation (a grown mremap: SIGBUS, as Linux).
  ktl::Result<PhysAddr> GetPage(uint64_t index) override;
  bool IsResident(uint64_t index) override;

 private:
  explicit SharedAnonymousMemory(PageAllocator& pages) : MemoryObject(pages) {}

  ktl::Spinlock lock_;
  ktl::Vector<PhysAddr> frames_;  // Guarded by lock_. 0: not allocated yet.
};

// The FileMapping an anonymous shared mmap of `length` bytes records.
ktl::Result<RefPtr<FileMapping>> CreateSharedAnonymousMapping(PageAllocator& pages,
                                                              uint64_t length);

}  // namespace sentry::mm

#endif  // RINGFENCE_KERNEL_MM_SHARED_ANONYMOUS_H_
