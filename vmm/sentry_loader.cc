#include "vmm/sentry_loader.h"

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "platform_kvm/abi/memory_layout.h"

extern "C" const uint8_t ringfence_sentry_image_start[];
extern "C" const uint8_t ringfence_sentry_image_end[];

namespace ringfence::vmm {
namespace {

using abi::kPageSize;

constexpr uint64_t kPtePresent = 1ull << 0;
constexpr uint64_t kPteWritable = 1ull << 1;
constexpr uint64_t kPteLarge = 1ull << 7;
constexpr uint64_t kPteGlobal = 1ull << 8;
constexpr uint64_t kPteNoExecute = 1ull << 63;

uint64_t TableIndex(uint64_t va, int level) {  // level 3 = PML4 ... 0 = PT
  return (va >> (12 + 9 * level)) & 511;
}

// Hands out zeroed page-table pages from the reserved boot region.
class TableArena {
 public:
  explicit TableArena(const GuestMemory& memory) : memory_(memory) {}

  absl::StatusOr<uint64_t> Allocate() {
    if (next_ + kPageSize > abi::kBootPageTablesEnd) {
      return absl::ResourceExhaustedError("boot page-table region is full");
    }
    uint64_t gpa = next_;
    next_ += kPageSize;
    std::memset(memory_.Slice(gpa, kPageSize).data(), 0, kPageSize);
    return gpa;
  }

  uint64_t* Entries(uint64_t table_gpa) const {
    // Table pages come from Allocate(), inside guest memory and page aligned.
    return reinterpret_cast<uint64_t*>(memory_.Slice(table_gpa, kPageSize).data());
  }

  // Returns the table that entry `index` of `table_gpa` points to, creating
  // it if absent. Intermediate entries are permissive; leaves restrict.
  absl::StatusOr<uint64_t> Child(uint64_t table_gpa, uint64_t index) {
    uint64_t& entry = Entries(table_gpa)[index];
    if (entry & kPtePresent) return entry & 0x000ffffffffff000ull;
    auto child = Allocate();
    if (!child.ok()) return child.status();
    entry = *child | kPtePresent | kPteWritable;
    return *child;
  }

 private:
  const GuestMemory& memory_;
  uint64_t next_ = abi::kBootPageTablesGpa;
};

absl::Status MapImagePage(TableArena& arena, uint64_t pml4, uint64_t va,
                          uint64_t pa, uint64_t flags) {
  uint64_t table = pml4;
  for (int level = 3; level > 0; --level) {
    auto child = arena.Child(table, TableIndex(va, level));
    if (!child.ok()) return child.status();
    table = *child;
  }
  arena.Entries(table)[TableIndex(va, 0)] = pa | flags;
  return absl::OkStatus();
}

absl::Status MapPhysmap(TableArena& arena, uint64_t pml4, uint64_t size) {
  for (uint64_t pa = 0; pa < size; pa += abi::kLargePageSize) {
    uint64_t va = abi::kPhysmapBase + pa;
    auto pdpt = arena.Child(pml4, TableIndex(va, 3));
    if (!pdpt.ok()) return pdpt.status();
    auto pd = arena.Child(*pdpt, TableIndex(va, 2));
    if (!pd.ok()) return pd.status();
    arena.Entries(*pd)[TableIndex(va, 1)] = pa | kPtePresent | kPteWritable |
                                            kPteLarge | kPteGlobal |
                                            kPteNoExecute;
  }
  return absl::OkStatus();
}

absl::Status Invalid(const char* what) {
  return absl::InternalError(absl::StrFormat("bad Sentry image: %s", what));
}

}  // namespace

std::span<const uint8_t> EmbeddedSentryImage() {
  return {ringfence_sentry_image_start,
          static_cast<size_t>(ringfence_sentry_image_end -
                              ringfence_sentry_image_start)};
}

absl::StatusOr<LoadedSentry> LoadSentry(const GuestMemory& memory,
                                        std::span<const uint8_t> image) {
  // The image is built with this binary, but a corrupt one must still fail
  // cleanly rather than write outside guest memory.
  Elf64_Ehdr ehdr;
  if (image.size() < sizeof(ehdr)) return Invalid("truncated header");
  std::memcpy(&ehdr, image.data(), sizeof(ehdr));
  if (std::memcmp(ehdr.e_ident, ELFMAG, SELFMAG) != 0 ||
      ehdr.e_ident[EI_CLASS] != ELFCLASS64 || ehdr.e_ident[EI_DATA] != ELFDATA2LSB ||
      ehdr.e_machine != EM_X86_64 || ehdr.e_phentsize != sizeof(Elf64_Phdr)) {
    return Invalid("not an x86-64 ELF64 file");
  }
  if (ehdr.e_phoff > image.size() ||
      ehdr.e_phnum > (image.size() - ehdr.e_phoff) / sizeof(Elf64_Phdr)) {
    return Invalid("program headers outside the file");
  }

  // Validate every segment before writing anything to guest memory.
  struct Segment {
    uint64_t va, pa, offset, filesz, memsz, pte_flags;
  };
  std::vector<Segment> segments;
  bool entry_executable = false;
  for (int i = 0; i < ehdr.e_phnum; ++i) {
    Elf64_Phdr phdr;
    std::memcpy(&phdr, image.data() + ehdr.e_phoff + i * sizeof(phdr), sizeof(phdr));
    if (phdr.p_type != PT_LOAD) continue;
    if (phdr.p_vaddr < abi::kSentryVirtBase + abi::kSentryImageGpa ||
        phdr.p_vaddr % kPageSize != 0 || phdr.p_filesz > phdr.p_memsz ||
        phdr.p_offset > image.size() ||
        phdr.p_filesz > image.size() - phdr.p_offset) {
      return Invalid("segment outside the expected layout");
    }
    // p_vaddr is in the top 2 GiB, so 0 - p_vaddr is the room left below
    // 2^64; a segment running past it would wrap into the user half.
    if (phdr.p_memsz > 0 - phdr.p_vaddr) {
      return Invalid("segment wraps around the top of the address space");
    }
    if ((phdr.p_flags & PF_W) && (phdr.p_flags & PF_X)) {
      return Invalid("writable and executable segment");
    }
    uint64_t pa = phdr.p_vaddr - abi::kSentryVirtBase;
    // Contains(), not Slice().empty(): an empty segment must lie inside
    // memory too, or image_end (the Sentry's free_phys_start) would not.
    if (!memory.Contains(pa, phdr.p_memsz)) return Invalid("segment beyond guest memory");
    if (phdr.p_memsz == 0) continue;

    uint64_t flags = kPtePresent | kPteGlobal;
    if (phdr.p_flags & PF_W) flags |= kPteWritable;
    if (!(phdr.p_flags & PF_X)) flags |= kPteNoExecute;
    if ((phdr.p_flags & PF_X) && ehdr.e_entry >= phdr.p_vaddr &&
        ehdr.e_entry - phdr.p_vaddr < phdr.p_memsz) {
      entry_executable = true;
    }
    segments.push_back({phdr.p_vaddr, pa, phdr.p_offset, phdr.p_filesz, phdr.p_memsz, flags});
  }
  if (segments.empty()) return Invalid("no loadable segment");
  if (!entry_executable) return Invalid("entry point outside the executable segments");

  // Page tables next: a segment too large for the boot table region fails
  // here, before gigabytes of guest memory are touched.
  TableArena arena(memory);
  auto pml4 = arena.Allocate();
  if (!pml4.ok()) return pml4.status();
  uint64_t image_end = abi::kSentryImageGpa;
  uint64_t text_start = ~uint64_t{0}, text_end = 0;
  for (const Segment& segment : segments) {
    if (!(segment.pte_flags & kPteNoExecute)) {
      text_start = std::min(text_start, segment.va);
      text_end = std::max(text_end, segment.va + segment.memsz);
    }
    for (uint64_t offset = 0; offset < segment.memsz; offset += kPageSize) {
      auto status = MapImagePage(arena, *pml4, segment.va + offset, segment.pa + offset,
                                 segment.pte_flags);
      if (!status.ok()) return status;
    }
    uint64_t end = (segment.pa + segment.memsz + kPageSize - 1) & ~(kPageSize - 1);
    if (end > image_end) image_end = end;
  }
  if (auto status = MapPhysmap(arena, *pml4, memory.size()); !status.ok()) {
    return status;
  }

  for (const Segment& segment : segments) {
    auto target = memory.Slice(segment.pa, segment.memsz);  // checked above
    std::memcpy(target.data(), image.data() + segment.offset, segment.filesz);
    std::memset(target.data() + segment.filesz, 0, segment.memsz - segment.filesz);
  }
  return LoadedSentry{ehdr.e_entry, *pml4, image_end, text_start, text_end};
}

}  // namespace ringfence::vmm
