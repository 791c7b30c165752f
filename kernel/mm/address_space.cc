#include "kernel/mm/address_space.h"

#include "kernel/ktl/ktl.h"
#include "kernel/ktl/panic.h"
#include "kernel/ktl/string.h"
#include "kernel/mm/memory_object.h"
#include "kernel/mm/physical_memory.h"
#include "platform_kvm/guest/address.h"
#include "platform_kvm/guest/smp.h"

namespace sentry::mm {
namespace {

using platform::kPteNoExecute;
using platform::kPteUser;
using platform::kPteWritable;

// Linux's default overcommit heuristic: a single request for more memory
// than the machine has fails up front with ENOMEM, even though pages are
// only allocated when touched.
bool ExceedsCommitLimit(uint64_t bytes) {
  return bytes / kPageSize > PhysicalPages().total_pages();
}

bool Permits(const Vma& vma, Access access) {
  switch (access) {
    case Access::kRead: return (vma.prot & kProtRead) != 0;
    case Access::kWrite: return (vma.prot & kProtWrite) != 0;
    case Access::kLoaderFill: return true;
  }
  return false;
}

}  // namespace

uint64_t PteFlagsForProt(uint8_t prot) {
  if (prot == kProtNone) return kPteNoExecute;  // present, supervisor-only
  uint64_t flags = kPteUser;
  if (prot & kProtWrite) flags |= kPteWritable;
  if (!(prot & kProtExec)) flags |= kPteNoExecute;
  return flags;
}

AddressSpace::~AddressSpace() {
  // No vCPU may keep walking (or caching) tables that are about to be freed:
  // every vCPU that has this one loaded switches to the kernel's first, which
  // also spares the page-by-page shootdowns of dropping the pages below.
  if (page_table_.root() != 0) platform::RetirePageTable(page_table_.root());
  for (const Vma& vma : vmas_.vmas()) ReleaseRange(vma);
  page_table_.Destroy();
}

ktl::Result<void> AddressSpace::Init(PhysAddr kernel_root) {
  kernel_root_ = kernel_root;
  return page_table_.Init(PhysicalPages(), kernel_root);
}

ktl::Result<AddressSpace*> AddressSpace::Fork() {
  auto* child = new (std::nothrow) AddressSpace(vmas_.mmap_base());
  if (child == nullptr) return ktl::Errno::kENOMEM;
  bool failed = !child->Init(kernel_root_).ok() || !child->vmas_.CopyFrom(vmas_).ok();
  child->start_brk_ = start_brk_;
  child->brk_ = brk_;
  child->stack_limit_ = stack_limit_;
  child->data_limit_ = data_limit_;
  child->address_limit_ = address_limit_;
  child->argument_ranges_ = argument_ranges_;
  uint64_t protected_start = ~0ull, protected_end = 0;
  for (const Vma& vma : vmas_.vmas()) {
    if (failed) break;
    const bool private_pages = vma.kind != VmaKind::kFileShared;
    page_table_.ForEachPresent(vma.start, vma.end, [&](uint64_t va, uint64_t& entry) {
      if (failed) return;
      if (private_pages) {
        // Both sides now map the frame read-only; kPteWriteFaults sends the
        // first write to BreakCopyOnWrite (mprotect keeps the bit).
        entry = (entry & ~kPteWritable) | platform::kPteWriteFaults;
        if (va < protected_start) protected_start = va;
        protected_end = va + kPageSize;
      }
      PhysAddr frame = entry & platform::kPteAddressMask;
      uint64_t flags = entry & ~(platform::kPteAddressMask | platform::kPtePresent);
      if (!child->page_table_.Map(va, frame, flags).ok()) {
        failed = true;
        return;
      }
      PhysicalPages().Ref(frame);
    });
  }
  // Stale writable TLB entries would let the parent write a shared frame.
  if (protected_start < protected_end) page_table_.FlushRange(protected_start, protected_end);
  if (failed) {
    // The parent's pages stay marked copy-on-write: harmless, its next
    // write finds the frame unshared again and takes it over.
    delete child;
    return ktl::Errno::kENOMEM;
  }
  return child;
}

uint64_t AddressSpace::mapped_bytes() const {
  uint64_t total = 0;
  for (const Vma& vma : vmas_.vmas()) total += vma.length();
  return total;
}

bool AddressSpace::MayGrowBy(uint64_t bytes) const {
  if (address_limit_ == ~0ull) return true;
  uint64_t total = mapped_bytes();
  return total <= address_limit_ && bytes <= address_limit_ - total;
}

void AddressSpace::Activate() const {
  // A process between exit and reaping has no page table: the kernel's own.
  PhysAddr root = page_table_.root();
  platform::LoadPageTable(root != 0 ? root : platform::KernelPageTable());
}

void AddressSpace::InvalidateRange(uint64_t start, uint64_t end) const {
  page_table_.FlushRange(start, end);
}

void AddressSpace::DropPages(uint64_t start, uint64_t end) {
  // A frame is released only once no vCPU's TLB can reach it: clear a batch
  // of entries, flush them everywhere with one shootdown (not one per page),
  // then drop the batch's frames.
  constexpr int kBatchPages = 64;
  PhysAddr frames[kBatchPages];
  int count = 0;
  uint64_t batch_start = start;
  auto release_batch = [&](uint64_t batch_end) {
    if (count == 0) return;
    page_table_.FlushRange(batch_start, batch_end);
    for (int i = 0; i < count; ++i) PhysicalPages().Unref(frames[i]);
    count = 0;
  };
  page_table_.ForEachPresent(start, end, [&](uint64_t va, uint64_t& entry) {
    if (count == kBatchPages) {
      release_batch(va);
      batch_start = va;
    }
    frames[count++] = entry & platform::kPteAddressMask;
    entry = 0;
  });
  release_batch(end);
}

void AddressSpace::ReleaseRange(const Vma& removed) {
  DropPages(removed.start, removed.end);
  if (removed.kind == VmaKind::kFileShared) {
    // munmap writes back what the app wrote (errors are lost, as on Linux).
    (void)removed.file->object().Writeback(removed.FilePage(removed.start),
                                           removed.FilePage(removed.end));
  }
}

void AddressSpace::ApplyProtection(uint64_t start, uint64_t end, uint8_t prot) {
  uint64_t flags = PteFlagsForProt(prot);
  for (uint64_t page = start; page < end; page += kPageSize) {
    uint64_t* pte = page_table_.Lookup(page);
    if (pte == nullptr || !(*pte & platform::kPtePresent)) continue;
    uint64_t keep = *pte & (platform::kPteAddressMask | platform::kPteWriteFaults);
    uint64_t entry = keep | flags | platform::kPtePresent;
    if (entry & platform::kPteWriteFaults) entry &= ~kPteWritable;
    *pte = entry;
  }
  page_table_.FlushRange(start, end);  // one shootdown for the whole range
}

void AddressSpace::WriteProtect(uint64_t start, uint64_t end) {
  for (uint64_t page = start; page < end; page += kPageSize) {
    uint64_t* pte = page_table_.Lookup(page);
    if (pte == nullptr || !(*pte & platform::kPtePresent)) continue;
    *pte = (*pte & ~kPteWritable) | platform::kPteWriteFaults;
  }
  page_table_.FlushRange(start, end);
}

bool AddressSpace::ForEachPiece(uint64_t start, uint64_t end,
                                ktl::FunctionRef<void(const Vma&)> fn) {
  bool complete = true;
  uint64_t position = start;
  for (const Vma& vma : vmas_.vmas()) {
    if (vma.end <= start) continue;
    if (vma.start >= end) break;
    if (vma.start > position) complete = false;
    Vma piece = vma;
    piece.start = vma.start > start ? vma.start : start;
    piece.end = vma.end < end ? vma.end : end;
    piece.offset += piece.start - vma.start;
    fn(piece);
    position = piece.end;
  }
  return complete && position >= end;
}

ktl::Result<void> AddressSpace::Sync(uint64_t start, uint64_t length) {
  bool failed = false;
  bool complete = ForEachPiece(start, start + length, [&](const Vma& piece) {
    if (piece.kind != VmaKind::kFileShared || !piece.file->object().tracks_dirty()) return;
    // Protect first: a write racing with the writeback faults and dirties
    // the page again.
    WriteProtect(piece.start, piece.end);
    auto written =
        piece.file->object().Writeback(piece.FilePage(piece.start), piece.FilePage(piece.end));
    if (!written.ok()) failed = true;
  });
  if (failed) return ktl::Errno::kEIO;
  if (!complete) return ktl::Errno::kENOMEM;
  return ktl::Ok();
}

ktl::Result<void> AddressSpace::Discard(uint64_t start, uint64_t length, bool anonymous_only) {
  bool refused = false;
  bool complete = ForEachPiece(start, start + length, [&](const Vma& piece) {
    if (anonymous_only && piece.is_file()) {
      refused = true;
      return;
    }
    DropPages(piece.start, piece.end);
  });
  if (refused) return ktl::Errno::kEINVAL;
  if (!complete) return ktl::Errno::kENOMEM;
  return ktl::Ok();
}

ktl::Result<void> AddressSpace::Residency(uint64_t start, size_t pages, uint8_t* out) {
  uint64_t end = start + pages * kPageSize;
  bool complete = ForEachPiece(start, end, [&](const Vma& piece) {
    for (uint64_t page = piece.start; page < piece.end; page += kPageSize) {
      uint64_t* pte = page_table_.Lookup(page);
      bool resident = pte != nullptr && (*pte & platform::kPtePresent);
      if (!resident && piece.is_file()) {
        resident = piece.file->object().IsResident(piece.FilePage(page));
      }
      out[(page - start) / kPageSize] = resident ? 1 : 0;
    }
  });
  if (!complete) return ktl::Errno::kENOMEM;
  return ktl::Ok();
}

ktl::Result<uint64_t> AddressSpace::Map(const MapRequest& request) {
  // Shared file pages are the file's, not charged to the process.
  if (request.kind != VmaKind::kFileShared && (request.prot & kProtWrite) &&
      ExceedsCommitLimit(request.length)) {
    return ktl::Errno::kENOMEM;
  }
  if (address_limit_ != ~0ull) {
    // MAP_FIXED replaces what it overlaps: only the difference is new.
    uint64_t replaced = 0;
    if (request.fixed) {
      for (const Vma& vma : vmas_.vmas()) {
        uint64_t low = vma.start > request.address ? vma.start : request.address;
        uint64_t high = vma.end < request.address + request.length ? vma.end
                                                                    : request.address + request.length;
        if (low < high) replaced += high - low;
      }
    }
    if (!MayGrowBy(request.length - replaced)) return ktl::Errno::kENOMEM;
  }
  uint64_t start = request.address;
  if (!request.fixed) {
    start = TRY(vmas_.FindFreeRange(request.length, ktl::RoundDown(request.address, kPageSize)));
  }
  Vma vma;
  vma.start = start;
  vma.end = start + request.length;
  vma.prot = request.prot;
  vma.grows_down = request.grows_down;
  vma.name = request.name;
  vma.kind = request.kind;
  vma.file = request.file;
  vma.offset = request.offset;
  vma.max_prot = request.max_prot;
  TRY(vmas_.Insert(vma, !request.no_replace,
                   [this](const Vma& removed) { ReleaseRange(removed); }));
  if (request.populate) {
    // Read faults, as far as they succeed (pages past the end of a file
    // stay unmapped and still raise SIGBUS when touched).
    for (uint64_t page = vma.start; page < vma.end; page += kPageSize) {
      if (!ResolveFault(page, vma, /*write=*/false).ok()) break;
    }
  }
  return start;
}

ktl::Result<void> AddressSpace::Unmap(uint64_t start, uint64_t length) {
  return vmas_.Unmap(start, start + length,
                     [this](const Vma& removed) { ReleaseRange(removed); });
}

ktl::Result<void> AddressSpace::Protect(uint64_t start, uint64_t length, uint8_t prot) {
  TRY(vmas_.Protect(start, start + length, prot));
  ApplyProtection(start, start + length, prot);
  return ktl::Ok();
}

ktl::Result<uint64_t> AddressSpace::Remap(uint64_t old_start, uint64_t old_length,
                                          uint64_t new_length, RemapOptions options) {
  if (new_length > old_length && (ExceedsCommitLimit(new_length - old_length) ||
                                   !MayGrowBy(new_length - old_length))) {
    return ktl::Errno::kENOMEM;
  }
  RemapResult result = TRY(vmas_.Remap(old_start, old_length, new_length, options,
                                       [this](const Vma& removed) { ReleaseRange(removed); }));
  if (result.moved) {
    // Move the frames (not their contents) to the new range, each keeping
    // its entry's flags (a copy-on-write page stays read-only).
    bool moved_any = false;
    for (uint64_t offset = 0; offset < result.moved_length; offset += kPageSize) {
      uint64_t* pte = page_table_.Lookup(old_start + offset);
      if (pte == nullptr || !(*pte & platform::kPtePresent)) continue;
      uint64_t flags = *pte & ~(platform::kPteAddressMask | platform::kPtePresent);
      PhysAddr frame = *pte & platform::kPteAddressMask;
      *pte = 0;
      moved_any = true;
      if (!page_table_.Map(result.new_start + offset, frame, flags).ok()) {
        // No memory for a page table: the page reads back as zeros later,
        // which is what the app would have after an ENOMEM-less move. The
        // frame goes only once no TLB reaches it.
        page_table_.Flush(old_start + offset);
        PhysicalPages().Unref(frame);
      }
    }
    // One shootdown for the old range (until it, another vCPU may still
    // reach the frames at their old addresses, as if mremap had not run yet).
    if (moved_any) page_table_.FlushRange(old_start, old_start + result.moved_length);
  }
  return result.new_start;
}

uint64_t AddressSpace::Brk(uint64_t requested) {
  if (requested < start_brk_ || requested - start_brk_ > data_limit_) return brk_;
  if (requested > brk_) {
    uint64_t growth = ktl::RoundUp(requested, kPageSize) - ktl::RoundUp(brk_, kPageSize);
    if (ExceedsCommitLimit(requested - brk_) || !MayGrowBy(growth)) return brk_;
  }
  auto result = vmas_.Brk(start_brk_, brk_, requested,
                          [this](const Vma& removed) { ReleaseRange(removed); });
  if (!result.ok()) return brk_;
  brk_ = requested;
  return brk_;
}

bool AddressSpace::ExpandStack(uint64_t address) {
  const Vma* above = vmas_.FindAtOrAbove(address);
  if (above == nullptr || !above->grows_down || above->start <= address) return false;
  uint64_t new_start = ktl::RoundDown(address, kPageSize);
  const Vma* stack = above;
  if (stack->end - new_start > stack_limit_) return false;
  if (!MayGrowBy(stack->start - new_start)) return false;
  Vma extension = *stack;
  extension.start = new_start;
  extension.end = stack->start;
  // Not replacing: if anything is mapped there, the stack cannot grow.
  return vmas_.Insert(extension, /*replace=*/false).ok();
}

ktl::Result<PhysAddr> AddressSpace::Install(uint64_t page, PhysAddr frame, uint64_t flags) {
  uint64_t* pte = page_table_.Lookup(page);
  PhysAddr old = pte != nullptr && (*pte & platform::kPtePresent)
                     ? *pte & platform::kPteAddressMask
                     : 0;
  if (auto mapped = page_table_.Map(page, frame, flags); !mapped.ok()) {
    PhysicalPages().Unref(frame);
    return mapped.error();
  }
  if (old != 0) {
    page_table_.Flush(page);
    PhysicalPages().Unref(old);
  }
  return frame;
}

ktl::Result<PhysAddr> AddressSpace::BreakCopyOnWrite(uint64_t page, PhysAddr present,
                                                     uint64_t flags) {
  if (PhysicalPages().RefCount(present) == 1) {
    // No other address space (or file) maps it any more: no copy needed.
    *page_table_.Lookup(page) = present | flags | platform::kPtePresent;
    page_table_.Flush(page);
    return present;
  }
  PhysAddr copy = TRY(PhysicalPages().AllocPage());
  ktl::MemCopy(platform::PhysToVirt(copy), platform::PhysToVirt(present), kPageSize);
  return Install(page, copy, flags);
}

ktl::Result<PhysAddr> AddressSpace::ResolveFault(uint64_t page, const Vma& vma, bool write) {
  const uint64_t flags = PteFlagsForProt(vma.prot);
  // Read-only until the first write, which faults.
  const uint64_t write_faults = (flags & ~kPteWritable) | platform::kPteWriteFaults;
  uint64_t* pte = page_table_.Lookup(page);
  const PhysAddr present =
      pte != nullptr && (*pte & platform::kPtePresent) ? *pte & platform::kPteAddressMask : 0;
  if (vma.kind != VmaKind::kFileShared && write && present != 0) {
    // A private page shared copy-on-write (after fork, or a file's page).
    return BreakCopyOnWrite(page, present, flags);
  }
  if (!vma.is_file()) {
    if (present != 0) return present;
    return Install(page, TRY(PhysicalPages().AllocZeroedPage()), flags);
  }

  MemoryObject& object = vma.file->object();
  const uint64_t index = vma.FilePage(page);

  if (vma.kind == VmaKind::kFilePrivate) {
    if (!write) return Install(page, TRY(object.GetPage(index)), write_faults);
    // A first write: a private copy of the file's page.
    PhysAddr source = TRY(object.GetPage(index));
    auto copy = PhysicalPages().AllocPage();
    if (copy.ok()) {
      ktl::MemCopy(platform::PhysToVirt(copy.value()), platform::PhysToVirt(source), kPageSize);
    }
    PhysicalPages().Unref(source);
    if (!copy.ok()) return copy.error();
    return Install(page, copy.value(), flags);
  }

  // Shared: the file's page itself.
  const bool tracks = object.tracks_dirty();
  if (present != 0) {
    // A write to a tracked page mapped read-only: it becomes dirty.
    object.MarkDirty(index);
    if (vma.prot & kProtWrite) {
      *pte = (*pte & ~platform::kPteWriteFaults) | kPteWritable;
      page_table_.Flush(page);
    }
    return present;
  }
  PhysAddr frame = TRY(object.GetPage(index));
  if (tracks && write) object.MarkDirty(index);
  return Install(page, frame, tracks && !write ? write_faults : flags);
}

FaultResult AddressSpace::HandleFault(uint64_t address, bool write, bool execute) {
  const Vma* vma = vmas_.Find(address);
  if (vma == nullptr) {
    if (!ExpandStack(address)) return FaultResult::kMapError;
    vma = vmas_.Find(address);
    if (vma == nullptr) return FaultResult::kMapError;
  }
  uint8_t needed = execute ? kProtExec : write ? kProtWrite : kProtRead;
  if ((vma->prot & needed) == 0) return FaultResult::kAccessError;
  uint64_t page = ktl::RoundDown(address, kPageSize);
  uint64_t* pte = page_table_.Lookup(page);
  if (pte != nullptr && (*pte & platform::kPtePresent) &&
      !(write && (*pte & platform::kPteWriteFaults))) {
    // Present and permitted by the VMA: a stale TLB entry. Retry.
    page_table_.Flush(page);
    return FaultResult::kHandled;
  }
  auto resolved = ResolveFault(page, *vma, write);
  if (resolved.ok()) return FaultResult::kHandled;
  // Out of memory while faulting: Linux would invoke the OOM killer; the
  // app gets SIGSEGV here rather than the Sentry failing. Anything else is
  // a file page that cannot be had: SIGBUS.
  return resolved.error() == ktl::Errno::kENOMEM ? FaultResult::kAccessError
                                                 : FaultResult::kBusError;
}

ktl::Result<PhysAddr> AddressSpace::FrameFor(uint64_t address, Access access) {
  const Vma* vma = vmas_.Find(address);
  if (vma == nullptr && access != Access::kLoaderFill && ExpandStack(address)) {
    vma = vmas_.Find(address);
  }
  if (vma == nullptr || !Permits(*vma, access)) return ktl::Errno::kEFAULT;
  uint64_t page = ktl::RoundDown(address, kPageSize);
  bool write = access != Access::kRead;
  uint64_t* pte = page_table_.Lookup(page);
  if (pte != nullptr && (*pte & platform::kPtePresent) &&
      !(write && (*pte & platform::kPteWriteFaults))) {
    return *pte & platform::kPteAddressMask;
  }
  auto frame = ResolveFault(page, *vma, write);
  if (!frame.ok()) return ktl::Errno::kEFAULT;
  return frame.value();
}

ktl::Result<PhysAddr> AddressSpace::SharedWordAddress(uint64_t address) {
  const Vma* vma = vmas_.Find(address);
  if (vma == nullptr) return ktl::Errno::kEFAULT;
  if (vma->kind != VmaKind::kFileShared) return 0;
  PhysAddr frame = TRY(FrameFor(address, Access::kRead));
  return frame + (address & (kPageSize - 1));
}

uint64_t AddressSpace::FaultInFilePages(uint64_t address, uint64_t length, Access access) {
  if (length == 0 || address + length < address) return length;
  const uint64_t end = address + length;
  for (uint64_t page = ktl::RoundDown(address, kPageSize); page < end; page += kPageSize) {
    const Vma* vma = vmas_.Find(page);
    if (vma == nullptr || !vma->is_file() || !Permits(*vma, access)) continue;
    if (!FrameFor(page, access).ok()) return page > address ? page - address : 0;
  }
  return length;
}

ktl::Result<void> AddressSpace::CopyIn(uint64_t address, void* out, size_t length) {
  auto* dest = static_cast<uint8_t*>(out);
  if (address + length < address) return ktl::Errno::kEFAULT;
  while (length > 0) {
    PhysAddr frame = TRY(FrameFor(address, Access::kRead));
    size_t offset = address & (kPageSize - 1);
    size_t chunk = kPageSize - offset < length ? kPageSize - offset : length;
    ktl::MemCopy(dest, static_cast<uint8_t*>(platform::PhysToVirt(frame)) + offset, chunk);
    dest += chunk;
    address += chunk;
    length -= chunk;
  }
  return ktl::Ok();
}

ktl::Result<void> AddressSpace::CopyOut(uint64_t address, const void* data, size_t length) {
  auto* source = static_cast<const uint8_t*>(data);
  if (address + length < address) return ktl::Errno::kEFAULT;
  while (length > 0) {
    PhysAddr frame = TRY(FrameFor(address, Access::kWrite));
    size_t offset = address & (kPageSize - 1);
    size_t chunk = kPageSize - offset < length ? kPageSize - offset : length;
    ktl::MemCopy(static_cast<uint8_t*>(platform::PhysToVirt(frame)) + offset, source, chunk);
    source += chunk;
    address += chunk;
    length -= chunk;
  }
  return ktl::Ok();
}

ktl::Result<size_t> AddressSpace::CopyInString(uint64_t address, char* out, size_t capacity) {
  size_t length = 0;
  while (length < capacity) {
    PhysAddr frame = TRY(FrameFor(address, Access::kRead));
    size_t offset = address & (kPageSize - 1);
    const char* page = static_cast<const char*>(platform::PhysToVirt(frame));
    for (; offset < kPageSize && length < capacity; ++offset, ++address) {
      char c = page[offset];
      out[length] = c;
      if (c == '\0') return length;
      ++length;
    }
  }
  return ktl::Errno::kENAMETOOLONG;
}

ktl::Result<size_t> AddressSpace::Translate(uint64_t address, size_t length, Access access,
                                            ringfence::abi::GuestIovec* segments,
                                            size_t max_segments, size_t* segment_count) {
  size_t covered = 0;
  size_t count = 0;
  while (covered < length) {
    auto frame = FrameFor(address, access);
    if (!frame.ok()) {
      if (covered == 0) return frame.error();
      break;  // a short transfer up to the bad page, as Linux does
    }
    size_t offset = address & (kPageSize - 1);
    size_t chunk = kPageSize - offset < length - covered ? kPageSize - offset : length - covered;
    PhysAddr gpa = frame.value() + offset;
    if (count > 0 && segments[count - 1].gpa + segments[count - 1].length == gpa) {
      segments[count - 1].length += chunk;  // physically contiguous: extend
    } else {
      if (count == max_segments) break;
      segments[count++] = {gpa, chunk};
    }
    covered += chunk;
    address += chunk;
  }
  *segment_count = count;
  return covered;
}

}  // namespace sentry::mm
