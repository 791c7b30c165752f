// One line of /proc/<pid>/maps for a VMA, for the procfs file (which walks
// AddressSpace::vmas() and calls this per VMA):
//   "00400000-00452000 r-xp 00000000 00:1a 12   /bin/prog\n"
// Range, permissions (s for a shared mapping, p otherwise), file offset,
// device major:minor and inode of the mapped file (zeros for anonymous
// memory), then, padded to Linux's column, the file's path or the VMA's tag
// ("[heap]", "[stack]").
#ifndef RINGFENCE_KERNEL_MM_MAPS_LINE_H_
#define RINGFENCE_KERNEL_MM_MAPS_LINE_H_

#include <cstddef>

#include "kernel/mm/vma_set.h"

namespace sentry::mm {

// Writes the line (NUL-terminated, truncated if `size` is short) and returns
// the length it has in full, as snprintf.
size_t FormatMapsLine(const Vma& vma, char* out, size_t size);

}  // namespace sentry::mm

#endif  // RINGFENCE_KERNEL_MM_MAPS_LINE_H_
