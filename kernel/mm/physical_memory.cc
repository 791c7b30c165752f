#include "kernel/mm/physical_memory.h"

#include "kernel/ktl/panic.h"
#include "kernel/mm/heap.h"
#include "platform_kvm/abi/memory_layout.h"

namespace sentry::mm {
namespace {
PageAllocator g_pages;
uint64_t g_memory_bytes = 0;
}  // namespace

void InitPhysicalMemory(PhysAddr free_start, PhysAddr memory_end) {
  auto* physmap = reinterpret_cast<std::byte*>(ringfence::abi::kPhysmapBase);  // PA 0 in the physmap
  if (!g_pages.Init(physmap, free_start, memory_end).ok()) {
    ktl::Panic("cannot initialize the physical page allocator");
  }
  InitKernelHeap(&g_pages);
  g_memory_bytes = memory_end;
}

PageAllocator& PhysicalPages() { return g_pages; }

uint64_t MemoryBytes() { return g_memory_bytes; }

}  // namespace sentry::mm
