#include "vmm/guest_page_walk.h"

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace ringfence::vmm {
namespace {

// Architectural page-table entry bits (Intel SDM vol. 3, 4.5).
constexpr uint64_t kPresent = 1ull << 0;
constexpr uint64_t kWritable = 1ull << 1;
constexpr uint64_t kUser = 1ull << 2;
constexpr uint64_t kPageSizeBit = 1ull << 7;  // PS: this entry maps a page
constexpr uint64_t kNoExecute = 1ull << 63;
// Bits 12..51 hold a physical address; 52 is the architectural maximum
// MAXPHYADDR, so nothing legitimately sets bits above it (except NX and the
// software/protection-key bits 52..62, which we ignore).
constexpr uint64_t kAddressMask = 0x000ffffffffff000ull;

constexpr uint64_t k4KiB = 1ull << 12;
constexpr uint64_t k2MiB = 1ull << 21;
constexpr uint64_t k1GiB = 1ull << 30;

bool IsCanonical(uint64_t gva) {
  // 48-bit virtual addresses: bits 63..47 all equal.
  uint64_t top = gva >> 47;
  return top == 0 || top == 0x1ffff;
}

const char* LevelName(int level) {
  switch (level) {
    case 4:
      return "PML4E";
    case 3:
      return "PDPTE";
    case 2:
      return "PDE";
    default:
      return "PTE";
  }
}

}  // namespace

bool ReadGuestPhysical(absl::Span<const uint8_t> memory, uint64_t gpa,
                       void* out, size_t len) {
  // Written as two comparisons so that gpa + len can never wrap.
  if (gpa > memory.size() || len > memory.size() - gpa) return false;
  if (len != 0) std::memcpy(out, memory.data() + gpa, len);
  return true;
}

absl::StatusOr<GuestTranslation> TranslateGuestVirtual(uint64_t cr3,
                                                       uint64_t gva,
                                                       GuestMemoryReader read,
                                                       uint64_t gpa_limit) {
  if (!IsCanonical(gva)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("guest address 0x%x is not canonical", gva));
  }

  GuestTranslation result;
  result.writable = true;
  result.user = true;
  result.executable = true;

  uint64_t table = cr3 & kAddressMask;
  // Level 4 = PML4 (bits 47..39), 3 = PDPT (38..30), 2 = PD (29..21),
  // 1 = PT (20..12).
  for (int level = 4; level >= 1; --level) {
    int shift = 12 + 9 * (level - 1);
    uint64_t index = (gva >> shift) & 0x1ff;
    uint64_t entry_gpa = table + index * sizeof(uint64_t);
    uint64_t entry = 0;
    if (!read(entry_gpa, &entry, sizeof(entry))) {
      return absl::OutOfRangeError(
          absl::StrFormat("%s for 0x%x at gpa 0x%x is outside guest memory",
                          LevelName(level), gva, entry_gpa));
    }
    if ((entry & kPresent) == 0) {
      return absl::NotFoundError(
          absl::StrFormat("0x%x is not mapped (%s 0x%x not present)", gva,
                          LevelName(level), entry));
    }
    result.writable = result.writable && (entry & kWritable) != 0;
    result.user = result.user && (entry & kUser) != 0;
    result.executable = result.executable && (entry & kNoExecute) == 0;

    bool maps_page = level == 1 || (entry & kPageSizeBit) != 0;
    if (maps_page) {
      if (level == 4) {
        // PS is reserved in a PML4E; the CPU would raise #PF(RSVD).
        return absl::DataLossError(absl::StrFormat(
            "PML4E 0x%x for 0x%x sets the reserved PS bit", entry, gva));
      }
      uint64_t page_size = level == 3 ? k1GiB : level == 2 ? k2MiB : k4KiB;
      uint64_t frame = entry & kAddressMask;
      // For large pages the low address bits of the entry (other than PAT at
      // bit 12) must be zero; a hostile table may set them anyway.
      uint64_t reserved = level == 1 ? 0 : (page_size - 1) & ~(k4KiB * 2 - 1);
      if ((frame & reserved) != 0) {
        return absl::DataLossError(
            absl::StrFormat("%s 0x%x for 0x%x sets reserved address bits",
                            LevelName(level), entry, gva));
      }
      // Bit 12 of a large-page entry is PAT, not an address bit.
      if (level != 1) frame &= ~(page_size - 1);
      result.page_size = page_size;
      result.gpa = frame | (gva & (page_size - 1));
      if (gpa_limit != 0 && result.gpa >= gpa_limit) {
        return absl::OutOfRangeError(absl::StrFormat(
            "0x%x maps to gpa 0x%x outside guest memory (0x%x bytes)", gva,
            result.gpa, gpa_limit));
      }
      return result;
    }
    table = entry & kAddressMask;
  }
  // Unreachable: level 1 always maps a page.
  return absl::InternalError("page walk fell through");
}

size_t ReadGuestVirtual(uint64_t cr3, uint64_t gva, void* out, size_t len,
                        GuestMemoryReader read) {
  auto* dst = static_cast<uint8_t*>(out);
  size_t done = 0;
  while (done < len) {
    uint64_t address = gva + done;
    if (address < gva) break;  // wrapped past the top of the address space
    absl::StatusOr<GuestTranslation> t =
        TranslateGuestVirtual(cr3, address, read);
    if (!t.ok()) break;
    // Copy at most to the end of the 4 KiB page even inside a large page:
    // simpler, and correct since the next iteration re-translates.
    size_t chunk = k4KiB - (address & (k4KiB - 1));
    if (chunk > len - done) chunk = len - done;
    if (!read(t->gpa, dst + done, chunk)) break;
    done += chunk;
  }
  return done;
}

}  // namespace ringfence::vmm
