// Places the Sentry image in guest memory and builds its boot page tables.
#ifndef RINGFENCE_VMM_SENTRY_LOADER_H_
#define RINGFENCE_VMM_SENTRY_LOADER_H_

#include <cstdint>
#include <span>

#include "absl/status/statusor.h"
#include "vmm/guest_memory.h"

namespace ringfence::vmm {

struct LoadedSentry {
  uint64_t entry;       // virtual address of the entry point
  uint64_t cr3;         // guest physical address of the PML4
  uint64_t image_end;   // first guest physical byte after the image
  // Virtual range covering the executable segments: which stack words are
  // Sentry return addresses in crash reports and state dumps.
  uint64_t text_start;
  uint64_t text_end;
};

// The Sentry ELF linked into this binary (see sentry_image.S).
std::span<const uint8_t> EmbeddedSentryImage();

// Copies the PT_LOAD segments of `image` to guest physical memory
// (PA = VA - kSentryVirtBase) and builds page tables that map
//  - the image with its segments' permissions (text read-only and
//    executable, everything else no-execute),
//  - all of guest memory at kPhysmapBase, writable and no-execute.
// Nothing in the lower (user) half is mapped.
absl::StatusOr<LoadedSentry> LoadSentry(const GuestMemory& memory,
                                        std::span<const uint8_t> image);

}  // namespace ringfence::vmm

#endif  // RINGFENCE_VMM_SENTRY_LOADER_H_
