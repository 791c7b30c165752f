// Guest virtual -> guest physical translation by walking the guest's own
// x86-64 4-level page tables, for crash reports and debugging.
//
// The tables live in guest memory and are written by the guest, which is
// hostile: every table read goes through a caller-supplied reader that bounds-
// checks the guest physical range, every entry is treated as arbitrary bits,
// and any entry that points outside guest memory or sets reserved bits yields
// an error, never a host crash. The walk is a fixed four reads deep, so a
// table that points back at itself cannot loop.
//
// Assumes the guest runs with CR4.PAE and EFER.LMA set and CR4.LA57 clear,
// which is the only mode the Sentry uses.
#ifndef RINGFENCE_VMM_GUEST_PAGE_WALK_H_
#define RINGFENCE_VMM_GUEST_PAGE_WALK_H_

#include <cstddef>
#include <cstdint>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace ringfence::vmm {

// Copies `len` bytes at guest physical address `gpa` into `out`. Returns false
// (and copies nothing) when any part of [gpa, gpa+len) is outside guest
// memory. Must not crash on any gpa/len pair.
using GuestMemoryReader =
    absl::FunctionRef<bool(uint64_t gpa, void* out, size_t len)>;

// A GuestMemoryReader body over a host mapping of guest memory that starts at
// GPA 0 (the layout memory_layout.h describes). Overflow-safe. The copy is a
// plain memcpy: the guest may be writing concurrently, so callers read each
// value once into a local and validate that copy.
bool ReadGuestPhysical(absl::Span<const uint8_t> memory, uint64_t gpa,
                       void* out, size_t len);

struct GuestTranslation {
  uint64_t gpa = 0;         // the physical address `gva` maps to
  uint64_t page_size = 0;   // 4 KiB, 2 MiB or 1 GiB
  bool writable = false;    // R/W set at every level
  bool user = false;        // U/S set at every level
  bool executable = false;  // NX clear at every level (assumes EFER.NXE)
};

// Translates `gva` through the tables rooted at `cr3` (PCID bits and bit 63 of
// CR3 are ignored). Errors:
//   InvalidArgument  `gva` is not canonical;
//   NotFound         an entry on the path is not present (an unmapped page);
//   OutOfRange       a table or the page itself is outside guest memory
//                    (for the page: only when `gpa_limit` is non-zero);
//   DataLoss         an entry sets reserved bits (e.g. PS in a PML4E).
// `gpa_limit` is the size of guest physical memory; 0 skips the final check
// on the translated address (the tables themselves are always checked through
// `read`).
absl::StatusOr<GuestTranslation> TranslateGuestVirtual(uint64_t cr3,
                                                       uint64_t gva,
                                                       GuestMemoryReader read,
                                                       uint64_t gpa_limit = 0);

// Copies up to `len` bytes of guest virtual memory starting at `gva` into
// `out`, page by page, stopping at the first byte that does not translate or
// cannot be read. Returns the number of bytes copied (a prefix of the range).
size_t ReadGuestVirtual(uint64_t cr3, uint64_t gva, void* out, size_t len,
                        GuestMemoryReader read);

}  // namespace ringfence::vmm

#endif  // RINGFENCE_VMM_GUEST_PAGE_WALK_H_
