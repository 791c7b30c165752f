// The virtual memory areas (VMAs) of one application address space.
//
// A VmaSet is a sorted array of non-overlapping, page-aligned [start, end)
// ranges with their attributes. Its operations implement Linux's
// mmap(MAP_FIXED), munmap, mprotect, mremap and brk rules at the VMA level:
// splitting, merging identical neighbours, the address-range limits and the
// map count cap. Page tables are not its concern: operations report the
// ranges the caller must unmap or move, and the caller updates page tables
// and frees pages.
//
// Every mutating operation is all-or-nothing: on error the set is unchanged.
// Addresses and lengths given to it are page-aligned (the syscall layer
// rounds lengths up and rejects unaligned addresses itself; misalignment
// here is EINVAL).
//
// Not thread-safe: the owning address space serialises access (its mm lock).
#ifndef RINGFENCE_KERNEL_MM_VMA_SET_H_
#define RINGFENCE_KERNEL_MM_VMA_SET_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "kernel/ktl/function_ref.h"
#include "kernel/ktl/result.h"
#include "kernel/ktl/vector.h"
#include "kernel/mm/memory_object.h"

namespace sentry::mm {

// Linux PROT_* bits.
inline constexpr uint8_t kProtNone = 0;
inline constexpr uint8_t kProtRead = 1;
inline constexpr uint8_t kProtWrite = 2;
inline constexpr uint8_t kProtExec = 4;

enum class VmaKind : uint8_t {
  kAnonymousPrivate,
  kFilePrivate,  // file pages until written, then private copies (copy-on-write)
  kFileShared,   // the file's pages themselves (MAP_SHARED|MAP_ANONYMOUS
                 // too: an anonymous memory object, see shared_anonymous.h)
};

// Name tags the loader and brk use, shared so they compare equal.
inline constexpr char kHeapVmaName[] = "[heap]";
inline constexpr char kStackVmaName[] = "[stack]";

struct Vma {
  uint64_t start = 0;
  uint64_t end = 0;
  uint8_t prot = kProtNone;
  // The protections mprotect may grant: a MAP_SHARED mapping of a file not
  // open for writing never becomes writable (EACCES).
  uint8_t max_prot = kProtRead | kProtWrite | kProtExec;
  VmaKind kind = VmaKind::kAnonymousPrivate;
  bool grows_down = false;  // a stack: the guard gap below it stays free
  // Offset of `start` within the backing object (file-backed kinds); splits
  // keep it consistent, merges require it contiguous.
  uint64_t offset = 0;
  // Tag for /proc/<pid>/maps ("[heap]", "[stack]") or nullptr. Must point to
  // static storage: VMAs copy the pointer, never the string.
  const char* name = nullptr;
  // The mapped file (file-backed kinds), shared by the pieces of one mmap.
  RefPtr<FileMapping> file;

  uint64_t length() const { return end - start; }
  bool Contains(uint64_t addr) const { return addr >= start && addr < end; }
  // Same attributes, so two adjacent VMAs could be one.
  bool CanMergeWith(const Vma& next) const;
  bool is_file() const { return kind != VmaKind::kAnonymousPrivate; }
  // Page number within the file of the page at `address`.
  uint64_t FilePage(uint64_t address) const { return (offset + (address - start)) / 4096; }
};

// Called with each piece of existing mapping that an operation removes
// (clipped to the operation's range), in address order, before the set
// changes and only once the operation is known to succeed.
using RemovedFn = ktl::FunctionRef<void(const Vma&)>;

struct RemapResult {
  uint64_t new_start = 0;
  // True if the mapping moved: the caller moves the page-table entries of
  // [old_start, old_start + moved_length) to new_start.
  bool moved = false;
  uint64_t moved_length = 0;
};

struct RemapOptions {
  bool may_move = false;  // MREMAP_MAYMOVE
  bool fixed = false;     // MREMAP_FIXED (requires may_move): move to fixed_address
  uint64_t fixed_address = 0;
};

class VmaSet {
 public:
  static constexpr size_t kMaxVmas = 65530;          // vm.max_map_count default
  static constexpr uint64_t kMinAddress = 65536;     // vm.mmap_min_addr default
  static constexpr uint64_t kStackGuardGap = 256 * 4096;  // Linux stack_guard_gap

  // Mappings are allowed in [min_address, max_address); FindFreeRange looks
  // top-down below mmap_base first. All three page-aligned.
  explicit VmaSet(uint64_t mmap_base, uint64_t min_address = kMinAddress,
                  uint64_t max_address = kDefaultMaxAddress);
  VmaSet(const VmaSet&) = delete;
  VmaSet& operator=(const VmaSet&) = delete;

  // Replaces this set's VMAs and limits with a copy of `other`'s (fork).
  // ENOMEM, leaving this set unchanged.
  ktl::Result<void> CopyFrom(const VmaSet& other);

  // --- Queries -------------------------------------------------------------
  // The VMA containing addr, or nullptr. Pointers are invalidated by any
  // mutation.
  const Vma* Find(uint64_t addr) const;
  // The lowest VMA ending above addr (Linux find_vma), or nullptr.
  const Vma* FindAtOrAbove(uint64_t addr) const;
  // True if every byte of [start, end) is mapped.
  bool IsFullyMapped(uint64_t start, uint64_t end) const;
  // True if no byte of [start, end) is mapped.
  bool IsFree(uint64_t start, uint64_t end) const;
  std::span<const Vma> vmas() const { return {vmas_.data(), vmas_.size()}; }
  size_t size() const { return vmas_.size(); }
  uint64_t mmap_base() const { return mmap_base_; }
  void set_mmap_base(uint64_t base) { mmap_base_ = base; }

  // --- mmap ----------------------------------------------------------------
  // An address for a new mapping of `length` bytes. If `hint` is non-zero and
  // [hint, hint + length) is free and allowed, that; otherwise the highest
  // free range below mmap_base (above min_address), else the lowest one above
  // mmap_base. Ranges keep kStackGuardGap below grows_down VMAs. ENOMEM if
  // nothing fits, EINVAL for a zero or unaligned length.
  ktl::Result<uint64_t> FindFreeRange(uint64_t length, uint64_t hint = 0) const;

  // Maps `vma` at exactly [vma.start, vma.end). With `replace` (MAP_FIXED)
  // whatever was there is unmapped first (reported through `removed`);
  // without it (MAP_FIXED_NOREPLACE) an overlap is EEXIST. Merges with
  // identical neighbours. Errors: EINVAL (unaligned or empty), EPERM (below
  // min_address), ENOMEM (beyond max_address, or over kMaxVmas).
  ktl::Result<void> Insert(const Vma& vma, bool replace = true,
                           RemovedFn removed = [](const Vma&) {});

  // --- munmap --------------------------------------------------------------
  // Removes [start, end), splitting VMAs at the edges. Holes are fine.
  // EINVAL if unaligned or empty, ENOMEM if a split would exceed kMaxVmas.
  ktl::Result<void> Unmap(uint64_t start, uint64_t end, RemovedFn removed = [](const Vma&) {});

  // --- mprotect ------------------------------------------------------------
  // Sets the protection of [start, end). ENOMEM if any part is unmapped (and
  // nothing changes), EACCES if `prot` exceeds a VMA's max_prot, EINVAL if
  // unaligned, ENOMEM over kMaxVmas. Splits at
  // the edges and re-merges identical neighbours.
  ktl::Result<void> Protect(uint64_t start, uint64_t end, uint8_t prot);

  // --- mremap --------------------------------------------------------------
  // Resizes [old_start, old_start + old_length), which must lie within one
  // VMA (EFAULT otherwise). Shrinking unmaps the tail (reported through
  // `removed`). Growing extends in place if the space after it is free;
  // otherwise, with may_move, moves it to a free range (or fixed_address) and
  // the caller moves the pages. ENOMEM if it can grow in neither way, EINVAL
  // for zero/unaligned lengths, bad flag combinations or overlapping fixed
  // ranges.
  ktl::Result<RemapResult> Remap(uint64_t old_start, uint64_t old_length, uint64_t new_length,
                                 RemapOptions options = {},
                                 RemovedFn removed = [](const Vma&) {});

  // --- brk -----------------------------------------------------------------
  // Moves the program break from current_brk to requested_brk for a heap
  // that starts at start_brk: the "[heap]" VMA covers
  // [start_brk, RoundUp(brk)). Shrinking unmaps the freed pages (reported
  // through `removed`); growing needs the pages (plus the stack guard gap)
  // free: otherwise ENOMEM, and the caller keeps current_brk as brk(2) does.
  // EINVAL if requested_brk < start_brk.
  ktl::Result<void> Brk(uint64_t start_brk, uint64_t current_brk, uint64_t requested_brk,
                        RemovedFn removed = [](const Vma&) {});

  static constexpr uint64_t kDefaultMaxAddress = 0x00007ffffffff000ull;

 private:
  // Index of the first VMA with end > addr (== size() if none).
  size_t LowerIndex(uint64_t addr) const;
  // Number of VMAs that splitting at `start` and `end` would add.
  size_t SplitsNeeded(uint64_t start, uint64_t end) const;
  // How many neighbours `vma` would merge with once placed (0-2).
  size_t MergesFor(const Vma& vma) const;
  // Number of VMAs overlapping [start, end).
  size_t OverlapCount(uint64_t start, uint64_t end) const;
  // Splits VMAs at start and end so [start, end) covers whole VMAs; returns
  // the index range [*first, *last) of those. Capacity must be reserved.
  void Carve(uint64_t start, uint64_t end, size_t* first, size_t* last);
  // Carve + erase; returns the index where the range was. Capacity reserved.
  size_t RemoveRange(uint64_t start, uint64_t end);
  // Removes [vma.start, vma.end) and puts `vma` there, merged with its
  // neighbours. Capacity must be reserved.
  void Place(const Vma& vma);
  void SplitAt(size_t index, uint64_t addr);
  // Merges identical neighbours among the VMAs at indices [first - 1, last].
  void MergeAround(size_t first, size_t last);
  void ReportOverlap(uint64_t start, uint64_t end, RemovedFn removed) const;
  // The highest address a mapping may end at if the next VMA is `next`
  // (nullptr: max_address_): keeps the stack guard gap.
  uint64_t GapEnd(const Vma* next) const;
  bool Fits(uint64_t start, uint64_t length) const;

  ktl::Vector<Vma> vmas_;  // sorted by start, non-overlapping
  uint64_t mmap_base_;
  uint64_t min_address_;
  uint64_t max_address_;
};

}  // namespace sentry::mm

#endif  // RINGFENCE_KERNEL_MM_VMA_SET_H_
