#include "platform_kvm/guest/page_table.h"

#include "kernel/ktl/panic.h"
#include "kernel/ktl/string.h"
#include "platform_kvm/guest/address.h"
#include "platform_kvm/guest/cpu.h"
#include "platform_kvm/guest/smp.h"

namespace platform {
namespace {

constexpr int kEntriesPerTable = 512;
constexpr int kFirstKernelEntry = 256;

int Index(uint64_t va, int level) {  // level 3 = PML4 ... 0 = PT
  return static_cast<int>((va >> (12 + 9 * level)) & 511);
}

}  // namespace

PageTable::~PageTable() { Destroy(); }

uint64_t* PageTable::Entries(PhysAddr table) const {
  return static_cast<uint64_t*>(PhysToVirt(table));
}

ktl::Result<void> PageTable::Init(sentry::mm::PageAllocator& pages, PhysAddr kernel_root) {
  pages_ = &pages;
  root_ = TRY(pages.AllocZeroedPage());
  uint64_t* mine = Entries(root_);
  const uint64_t* kernel = Entries(kernel_root);
  for (int i = kFirstKernelEntry; i < kEntriesPerTable; ++i) mine[i] = kernel[i];
  return ktl::Ok();
}

ktl::Result<void> PageTable::Map(uint64_t va, PhysAddr pa, uint64_t flags) {
  KTL_ASSERT(va < ringfence::abi::kUserAddressEnd);
  PhysAddr table = root_;
  for (int level = 3; level > 0; --level) {
    uint64_t& entry = Entries(table)[Index(va, level)];
    if (!(entry & kPtePresent)) {
      PhysAddr child = TRY(pages_->AllocZeroedPage());
      // Intermediate levels allow everything; the leaf decides.
      entry = child | kPtePresent | kPteWritable | kPteUser;
    }
    table = entry & kPteAddressMask;
  }
  Entries(table)[Index(va, 0)] = pa | flags | kPtePresent;
  return ktl::Ok();
}

uint64_t* PageTable::Lookup(uint64_t va) const {
  if (va >= ringfence::abi::kUserAddressEnd) return nullptr;
  PhysAddr table = root_;
  for (int level = 3; level > 0; --level) {
    uint64_t entry = Entries(table)[Index(va, level)];
    if (!(entry & kPtePresent)) return nullptr;
    table = entry & kPteAddressMask;
  }
  return &Entries(table)[Index(va, 0)];
}

PhysAddr PageTable::Unmap(uint64_t va) {
  uint64_t* entry = Lookup(va);
  if (entry == nullptr || !(*entry & kPtePresent)) return 0;
  PhysAddr frame = *entry & kPteAddressMask;
  *entry = 0;
  Flush(va);
  return frame;
}

void PageTable::Flush(uint64_t va) const { InvalidateTlbRange(root_, va, va + sentry::mm::kPageSize); }

void PageTable::FlushRange(uint64_t start, uint64_t end) const {
  if (start < end) InvalidateTlbRange(root_, start, end);
}

void PageTable::ForEachPresent(uint64_t start, uint64_t end,
                               ktl::FunctionRef<void(uint64_t va, uint64_t& entry)> visit) const {
  if (end > ringfence::abi::kUserAddressEnd) end = ringfence::abi::kUserAddressEnd;
  // Depth-first over the levels; `table` covers the range starting at `base`.
  auto walk = [&](auto& self, PhysAddr table, int level, uint64_t base) -> void {
    const uint64_t span = 1ull << (12 + 9 * level);  // bytes one entry covers
    for (int i = 0; i < kEntriesPerTable; ++i) {
      uint64_t first = base + static_cast<uint64_t>(i) * span;
      if (first >= end) return;
      if (first + span <= start) continue;
      uint64_t& entry = Entries(table)[i];
      if (!(entry & kPtePresent)) continue;
      if (level == 0) {
        visit(first, entry);
      } else {
        self(self, entry & kPteAddressMask, level - 1, first);
      }
    }
  };
  if (start < end) walk(walk, root_, 3, 0);
}

void PageTable::Destroy() {
  if (root_ == 0) return;
  // No vCPU may keep a freed table in CR3 (an idle one would still walk it).
  RetirePageTable(root_);
  // Free the lower-half tables bottom-up; leaf frames belong to the caller.
  uint64_t* pml4 = Entries(root_);
  for (int i = 0; i < kFirstKernelEntry; ++i) {
    if (!(pml4[i] & kPtePresent)) continue;
    PhysAddr pdpt = pml4[i] & kPteAddressMask;
    for (int j = 0; j < kEntriesPerTable; ++j) {
      uint64_t pdpte = Entries(pdpt)[j];
      if (!(pdpte & kPtePresent)) continue;
      PhysAddr pd = pdpte & kPteAddressMask;
      for (int k = 0; k < kEntriesPerTable; ++k) {
        uint64_t pde = Entries(pd)[k];
        if (pde & kPtePresent) pages_->FreePage(pde & kPteAddressMask);
      }
      pages_->FreePage(pd);
    }
    pages_->FreePage(pdpt);
  }
  pages_->FreePage(root_);
  root_ = 0;
}

}  // namespace platform
