#include "kernel/mm/vma_set.h"

#include "kernel/ktl/panic.h"
#include "kernel/ktl/string.h"

namespace sentry::mm {
namespace {

constexpr uint64_t kPage = 4096;

bool Aligned(uint64_t v) { return v % kPage == 0; }

bool SameName(const char* a, const char* b) {
  if (a == b) return true;
  if (a == nullptr || b == nullptr) return false;
  return ktl::StrCmp(a, b) == 0;
}

// Pieces of one file with contiguous offsets may merge (offsets are checked
// by the caller); separate mmaps of it too if they name it the same way.
bool SameFile(const RefPtr<FileMapping>& a, const RefPtr<FileMapping>& b) {
  if (a == b) return true;
  if (!a || !b) return false;
  return &a->object() == &b->object() && ktl::StrCmp(a->path(), b->path()) == 0;
}

uint64_t Min(uint64_t a, uint64_t b) { return a < b ? a : b; }
uint64_t Max(uint64_t a, uint64_t b) { return a > b ? a : b; }

}  // namespace

bool Vma::CanMergeWith(const Vma& next) const {
  return prot == next.prot && max_prot == next.max_prot && kind == next.kind &&
         grows_down == next.grows_down && SameName(name, next.name) && SameFile(file, next.file) &&
         // Anonymous memory has no backing offset to keep contiguous.
         (kind == VmaKind::kAnonymousPrivate || offset + length() == next.offset);
}

VmaSet::VmaSet(uint64_t mmap_base, uint64_t min_address, uint64_t max_address)
    : mmap_base_(mmap_base), min_address_(min_address), max_address_(max_address) {
  KTL_ASSERT(Aligned(mmap_base) && Aligned(min_address) && Aligned(max_address));
  KTL_ASSERT(min_address < max_address);
}

ktl::Result<void> VmaSet::CopyFrom(const VmaSet& other) {
  vmas_ = TRY(other.vmas_.Clone());
  mmap_base_ = other.mmap_base_;
  min_address_ = other.min_address_;
  max_address_ = other.max_address_;
  return ktl::Ok();
}

// --- Queries ---------------------------------------------------------------

size_t VmaSet::LowerIndex(uint64_t addr) const {
  size_t lo = 0;
  size_t hi = vmas_.size();
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (vmas_[mid].end > addr) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

const Vma* VmaSet::Find(uint64_t addr) const {
  size_t i = LowerIndex(addr);
  return i < vmas_.size() && vmas_[i].start <= addr ? &vmas_[i] : nullptr;
}

const Vma* VmaSet::FindAtOrAbove(uint64_t addr) const {
  size_t i = LowerIndex(addr);
  return i < vmas_.size() ? &vmas_[i] : nullptr;
}

bool VmaSet::IsFullyMapped(uint64_t start, uint64_t end) const {
  uint64_t pos = start;
  for (size_t i = LowerIndex(start); pos < end; ++i) {
    if (i >= vmas_.size() || vmas_[i].start > pos) return false;
    pos = vmas_[i].end;
  }
  return true;
}

bool VmaSet::IsFree(uint64_t start, uint64_t end) const {
  size_t i = LowerIndex(start);
  return i >= vmas_.size() || vmas_[i].start >= end;
}

size_t VmaSet::OverlapCount(uint64_t start, uint64_t end) const {
  size_t count = 0;
  for (size_t i = LowerIndex(start); i < vmas_.size() && vmas_[i].start < end; ++i) ++count;
  return count;
}

size_t VmaSet::SplitsNeeded(uint64_t start, uint64_t end) const {
  size_t splits = 0;
  const Vma* at_start = Find(start);
  if (at_start != nullptr && at_start->start < start) ++splits;
  const Vma* at_end = Find(end);
  if (at_end != nullptr && at_end->start < end) ++splits;
  return splits;
}

uint64_t VmaSet::GapEnd(const Vma* next) const {
  if (next == nullptr) return max_address_;
  if (!next->grows_down) return next->start;
  return next->start > kStackGuardGap ? next->start - kStackGuardGap : 0;
}

bool VmaSet::Fits(uint64_t start, uint64_t length) const {
  if (start < min_address_ || start > max_address_ || length > max_address_ - start) return false;
  return start + length <= GapEnd(FindAtOrAbove(start));
}

void VmaSet::ReportOverlap(uint64_t start, uint64_t end, RemovedFn removed) const {
  for (size_t i = LowerIndex(start); i < vmas_.size() && vmas_[i].start < end; ++i) {
    Vma piece = vmas_[i];
    piece.start = Max(start, piece.start);
    piece.end = Min(end, piece.end);
    piece.offset += piece.start - vmas_[i].start;
    removed(piece);
  }
}

size_t VmaSet::MergesFor(const Vma& vma) const {
  size_t merges = 0;
  // What will sit just below and just above vma once it is placed: a whole
  // neighbour, or the remnant of a VMA it cuts through (same attributes).
  if (const Vma* below = vma.start > 0 ? Find(vma.start - 1) : nullptr) {
    Vma left = *below;
    left.end = vma.start;
    if (left.CanMergeWith(vma)) ++merges;
  }
  if (const Vma* above = Find(vma.end)) {
    Vma right = *above;
    right.offset += vma.end - right.start;
    right.start = vma.end;
    if (vma.CanMergeWith(right)) ++merges;
  }
  return merges;
}

// --- Structural helpers (capacity reserved by the caller) ------------------

void VmaSet::SplitAt(size_t index, uint64_t addr) {
  Vma upper = vmas_[index];
  KTL_ASSERT(upper.start < addr && addr < upper.end);
  upper.offset += addr - upper.start;
  upper.start = addr;
  vmas_[index].end = addr;
  KTL_ASSERT(vmas_.size() < vmas_.capacity());
  // Cannot fail: capacity was reserved.
  (void)vmas_.Insert(index + 1, upper);
}

void VmaSet::Carve(uint64_t start, uint64_t end, size_t* first, size_t* last) {
  size_t i = LowerIndex(start);
  if (i < vmas_.size() && vmas_[i].start < start) {
    SplitAt(i, start);
    ++i;
  }
  size_t j = i;
  while (j < vmas_.size() && vmas_[j].end <= end) ++j;
  if (j < vmas_.size() && vmas_[j].start < end) {
    SplitAt(j, end);
    ++j;
  }
  *first = i;
  *last = j;
}

size_t VmaSet::RemoveRange(uint64_t start, uint64_t end) {
  size_t first;
  size_t last;
  Carve(start, end, &first, &last);
  vmas_.Erase(first, last);
  return first;
}

void VmaSet::Place(const Vma& vma) {
  size_t index = RemoveRange(vma.start, vma.end);
  KTL_ASSERT(vmas_.size() < vmas_.capacity());
  (void)vmas_.Insert(index, vma);  // cannot fail: capacity was reserved
  MergeAround(index, index + 1);
}

void VmaSet::MergeAround(size_t first, size_t last) {
  if (vmas_.empty()) return;
  size_t lo = first > 0 ? first - 1 : 0;
  size_t hi = Min(last, vmas_.size() - 1);
  // Walk downwards so erasing index i leaves lower indices valid.
  for (size_t i = hi; i > lo; --i) {
    Vma& prev = vmas_[i - 1];
    if (prev.end == vmas_[i].start && prev.CanMergeWith(vmas_[i])) {
      prev.end = vmas_[i].end;
      vmas_.Erase(i);
    }
  }
}

// --- Operations ------------------------------------------------------------

ktl::Result<uint64_t> VmaSet::FindFreeRange(uint64_t length, uint64_t hint) const {
  if (length == 0 || !Aligned(length)) return ktl::Errno::kEINVAL;
  if (length > max_address_ - min_address_) return ktl::Errno::kENOMEM;
  if (hint != 0 && hint <= max_address_) {
    uint64_t start = (hint + kPage - 1) & ~(kPage - 1);
    if (Fits(start, length)) return start;
  }
  const size_t n = vmas_.size();
  const size_t pivot = LowerIndex(mmap_base_);
  // Top-down below mmap_base: gap i lies between VMA i-1 and VMA i.
  for (size_t i = pivot + 1; i > 0; --i) {
    const size_t gap = i - 1;
    if (gap > n) continue;
    uint64_t gap_start = gap > 0 ? vmas_[gap - 1].end : min_address_;
    gap_start = Max(gap_start, min_address_);
    uint64_t top = Min(gap < n ? GapEnd(&vmas_[gap]) : max_address_, mmap_base_);
    if (top > gap_start && top - gap_start >= length) return top - length;
  }
  // Nothing below: bottom-up above mmap_base, as Linux falls back to.
  for (size_t gap = pivot; gap <= n; ++gap) {
    uint64_t gap_start = Max(gap > 0 ? vmas_[gap - 1].end : min_address_, mmap_base_);
    gap_start = Max(gap_start, min_address_);
    uint64_t gap_end = gap < n ? GapEnd(&vmas_[gap]) : max_address_;
    if (gap_end > gap_start && gap_end - gap_start >= length) return gap_start;
  }
  return ktl::Errno::kENOMEM;
}

ktl::Result<void> VmaSet::Insert(const Vma& vma, bool replace, RemovedFn removed) {
  if (!Aligned(vma.start) || !Aligned(vma.end) || vma.start >= vma.end) {
    return ktl::Errno::kEINVAL;
  }
  if (vma.start < min_address_) return ktl::Errno::kEPERM;
  if (vma.end > max_address_) return ktl::Errno::kENOMEM;
  if (!replace && !IsFree(vma.start, vma.end)) return ktl::Errno::kEEXIST;
  const size_t splits = SplitsNeeded(vma.start, vma.end);
  const size_t n = vmas_.size();
  // The count after the operation: merging into a neighbour adds nothing.
  if (n + splits + 1 - OverlapCount(vma.start, vma.end) - MergesFor(vma) > kMaxVmas) {
    return ktl::Errno::kENOMEM;
  }
  TRY(vmas_.ReserveAtLeast(n + splits + 1));
  ReportOverlap(vma.start, vma.end, removed);
  Place(vma);
  return ktl::Ok();
}

ktl::Result<void> VmaSet::Unmap(uint64_t start, uint64_t end, RemovedFn removed) {
  if (!Aligned(start) || !Aligned(end) || start >= end || end > max_address_) {
    return ktl::Errno::kEINVAL;
  }
  const size_t splits = SplitsNeeded(start, end);
  const size_t n = vmas_.size();
  // Only unmapping the middle of one VMA grows the count; Linux refuses that
  // at the cap.
  if (n + splits - OverlapCount(start, end) > kMaxVmas) return ktl::Errno::kENOMEM;
  TRY(vmas_.ReserveAtLeast(n + splits));
  ReportOverlap(start, end, removed);
  (void)RemoveRange(start, end);
  return ktl::Ok();
}

ktl::Result<void> VmaSet::Protect(uint64_t start, uint64_t end, uint8_t prot) {
  if (!Aligned(start) || !Aligned(end) || start >= end) return ktl::Errno::kEINVAL;
  if (!IsFullyMapped(start, end)) return ktl::Errno::kENOMEM;
  for (size_t i = LowerIndex(start); i < vmas_.size() && vmas_[i].start < end; ++i) {
    if (prot & ~vmas_[i].max_prot) return ktl::Errno::kEACCES;
  }
  const size_t splits = SplitsNeeded(start, end);
  const size_t n = vmas_.size();
  // Linux checks the cap at each split, before any merging.
  if (n + splits > kMaxVmas) return ktl::Errno::kENOMEM;
  TRY(vmas_.ReserveAtLeast(n + splits));
  size_t first;
  size_t last;
  Carve(start, end, &first, &last);
  for (size_t i = first; i < last; ++i) vmas_[i].prot = prot;
  MergeAround(first, last);
  return ktl::Ok();
}

ktl::Result<RemapResult> VmaSet::Remap(uint64_t old_start, uint64_t old_length,
                                       uint64_t new_length, RemapOptions options,
                                       RemovedFn removed) {
  if (!Aligned(old_start) || !Aligned(old_length) || !Aligned(new_length) || old_length == 0 ||
      new_length == 0) {
    return ktl::Errno::kEINVAL;
  }
  if (options.fixed && !options.may_move) return ktl::Errno::kEINVAL;
  if (old_length > max_address_ || old_start > max_address_ - old_length) {
    return ktl::Errno::kEFAULT;
  }
  const uint64_t old_end = old_start + old_length;
  if (options.fixed) {
    const uint64_t dst = options.fixed_address;
    if (!Aligned(dst) || dst < min_address_ || dst > max_address_ ||
        new_length > max_address_ - dst) {
      return ktl::Errno::kEINVAL;
    }
    if (dst < old_end && old_start < dst + new_length) return ktl::Errno::kEINVAL;  // overlap
  }
  const Vma* vma = Find(old_start);
  if (vma == nullptr || old_end > vma->end) return ktl::Errno::kEFAULT;

  if (!options.fixed) {
    if (new_length <= old_length) {
      if (new_length < old_length) TRY(Unmap(old_start + new_length, old_end, removed));
      return RemapResult{old_start, false, 0};
    }
    // Grow in place: the range must end the VMA and be followed by free space.
    if (old_end == vma->end && Fits(old_end, new_length - old_length)) {
      const size_t index = static_cast<size_t>(vma - vmas_.data());
      vmas_[index].end = old_start + new_length;
      MergeAround(index, index + 1);
      return RemapResult{old_start, false, 0};
    }
    if (!options.may_move) return ktl::Errno::kENOMEM;
  }

  // Move. Linux refuses when the count is within 3 of the cap.
  if (vmas_.size() + 3 >= kMaxVmas) return ktl::Errno::kENOMEM;
  uint64_t dst;
  if (options.fixed) {
    dst = options.fixed_address;
  } else {
    dst = TRY(FindFreeRange(new_length));
  }
  TRY(vmas_.ReserveAtLeast(vmas_.size() + 5));
  vma = Find(old_start);  // Reserve may have moved the array
  Vma moved = *vma;
  moved.offset += old_start - vma->start;
  moved.start = dst;
  moved.end = dst + new_length;
  const uint64_t moved_length = Min(old_length, new_length);
  if (options.fixed) {
    // What was at the destination is unmapped, and a shrinking move drops the
    // old range's tail.
    ReportOverlap(dst, dst + new_length, removed);
    if (new_length < old_length) ReportOverlap(old_start + new_length, old_end, removed);
  }
  (void)RemoveRange(old_start, old_end);
  Place(moved);
  return RemapResult{dst, true, moved_length};
}

ktl::Result<void> VmaSet::Brk(uint64_t start_brk, uint64_t current_brk, uint64_t requested_brk,
                              RemovedFn removed) {
  if (requested_brk < start_brk || requested_brk > max_address_) return ktl::Errno::kEINVAL;
  const uint64_t old_end = (current_brk + kPage - 1) & ~(kPage - 1);
  const uint64_t new_end = (requested_brk + kPage - 1) & ~(kPage - 1);
  if (new_end == old_end) return ktl::Ok();
  if (new_end < old_end) return Unmap(new_end, old_end, removed);
  if (old_end < min_address_ || !IsFree(old_end, new_end)) return ktl::Errno::kENOMEM;
  // Linux keeps one page, plus the stack guard gap, free above the break.
  const Vma* next = FindAtOrAbove(old_end);
  if (next != nullptr && new_end + kPage > GapEnd(next)) return ktl::Errno::kENOMEM;
  Vma heap;
  heap.start = old_end;
  heap.end = new_end;
  heap.prot = kProtRead | kProtWrite;
  heap.kind = VmaKind::kAnonymousPrivate;
  heap.name = kHeapVmaName;
  return Insert(heap, /*replace=*/false);
}

}  // namespace sentry::mm
