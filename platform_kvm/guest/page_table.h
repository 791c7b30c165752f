// x86-64 4-level page tables for application address spaces.
//
// Each address space has its own PML4. Its upper half (entries 256..511)
// points at the same tables as the boot PML4 the VMM built, so the Sentry is
// mapped identically everywhere; only the lower half belongs to the app.
#ifndef RINGFENCE_PLATFORM_KVM_GUEST_PAGE_TABLE_H_
#define RINGFENCE_PLATFORM_KVM_GUEST_PAGE_TABLE_H_

#include <cstdint>

#include "kernel/ktl/function_ref.h"
#include "kernel/ktl/result.h"
#include "kernel/mm/page_allocator.h"

namespace platform {

using sentry::mm::PhysAddr;

enum PteBits : uint64_t {
  kPtePresent = 1ull << 0,
  kPteWritable = 1ull << 1,
  kPteUser = 1ull << 2,
  kPteAccessed = 1ull << 5,
  kPteDirty = 1ull << 6,
  kPteLarge = 1ull << 7,
  // Software bit (ignored by the MMU): the page is mapped read-only although
  // its VMA may allow writing, because a write must fault first (a file page
  // shared copy-on-write, or a cached page whose dirtiness is tracked).
  kPteWriteFaults = 1ull << 9,
  kPteNoExecute = 1ull << 63,
};
inline constexpr uint64_t kPteAddressMask = 0x000ffffffffff000ull;

class PageTable {
 public:
  PageTable() = default;
  PageTable(const PageTable&) = delete;
  PageTable& operator=(const PageTable&) = delete;
  ~PageTable();

  // Allocates the PML4 and shares the kernel half of `kernel_root`.
  ktl::Result<void> Init(sentry::mm::PageAllocator& pages, PhysAddr kernel_root);

  PhysAddr root() const { return root_; }

  // Maps the user page at `va` to `pa` with `flags` (kPtePresent is added),
  // replacing any previous mapping (whose frame the caller must handle).
  ktl::Result<void> Map(uint64_t va, PhysAddr pa, uint64_t flags);

  // The leaf entry for `va`, or nullptr if no page table covers it.
  uint64_t* Lookup(uint64_t va) const;

  // Clears the mapping of `va`; returns the frame it mapped, or 0.
  PhysAddr Unmap(uint64_t va);

  // Calls `visit` with the address and leaf entry of every present page in
  // [start, end) (page-aligned), skipping whole tables that do not exist, so
  // a huge sparse range costs only what is mapped in it.
  void ForEachPresent(uint64_t start, uint64_t end,
                      ktl::FunctionRef<void(uint64_t va, uint64_t& entry)> visit) const;

  // Flushes `va` from the TLB of every vCPU that has this table loaded
  // (a shootdown when other vCPUs have it: platform/smp.h).
  void Flush(uint64_t va) const;
  // The same for the pages of [start, end), with one shootdown (page by
  // page for a few pages, the whole TLB otherwise).
  void FlushRange(uint64_t start, uint64_t end) const;

  // Frees every user-half table page (not the frames they map).
  void Destroy();

 private:
  uint64_t* Entries(PhysAddr table) const;

  sentry::mm::PageAllocator* pages_ = nullptr;
  PhysAddr root_ = 0;
};

}  // namespace platform

#endif  // RINGFENCE_PLATFORM_KVM_GUEST_PAGE_TABLE_H_
