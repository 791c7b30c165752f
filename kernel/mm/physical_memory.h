// The Sentry's one physical page allocator, over the guest memory the VMM
// left free (BootInfo::free_phys_start .. memory_bytes).
#ifndef RINGFENCE_KERNEL_MM_PHYSICAL_MEMORY_H_
#define RINGFENCE_KERNEL_MM_PHYSICAL_MEMORY_H_

#include "kernel/mm/page_allocator.h"

namespace sentry::mm {

// Initializes the allocator and the kernel heap on top of it. Boot only.
void InitPhysicalMemory(PhysAddr free_start, PhysAddr memory_end);

PageAllocator& PhysicalPages();

// The guest's memory size (the end of physical memory), as the VMM gave it.
uint64_t MemoryBytes();

}  // namespace sentry::mm

#endif  // RINGFENCE_KERNEL_MM_PHYSICAL_MEMORY_H_
