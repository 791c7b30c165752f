// ktl: the Sentry's support library and its curated slice of the C++ standard
// library.
//
// Sentry code (kernel/) is compiled freestanding: there is no libc, no
// libstdc++.so, no exceptions and no RTTI. Only the header-only, freestanding-
// safe parts of the standard library may be used, and only these headers:
//
//   <cstdint> <cstddef> <limits>            fixed-width integers, size_t
//   <type_traits> <utility> <new>           traits, move/forward, placement new,
//                                           std::nothrow
//   <span> <array> <optional>               non-owning views, fixed arrays
//   <atomic>                                lock-free atomics (spinlocks, refs)
//   <bit>                                   bit_cast, countl_zero, has_single_bit
//   <algorithm>                             header-only algorithms on ranges we
//                                           own (sort, lower_bound, min/max);
//                                           never the parallel overloads
//
// Not allowed: anything that allocates (std::vector, std::string,
// std::function), anything that throws or needs the runtime (<string_view>
// is avoided too: use ktl::StringView), iostreams, <cstring>/<cstdlib>
// (use ktl/string.h). std::popcount compiles to a libgcc call without -mpopcnt;
// prefer a loop or __builtin_popcountll only where libgcc is linked.
//
// Kernel code includes this header (or a specific ktl header) and uses the
// std names above directly; the ktl containers (Vector, IntrusiveList) replace
// the allocating std containers with fallible versions.
#ifndef RINGFENCE_KERNEL_KTL_KTL_H_
#define RINGFENCE_KERNEL_KTL_KTL_H_

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>

#include "kernel/ktl/errno.h"
#include "kernel/ktl/panic.h"
#include "kernel/ktl/result.h"

#if defined(RINGFENCE_HOSTED) == defined(RINGFENCE_SENTRY)
#error "exactly one of RINGFENCE_HOSTED and RINGFENCE_SENTRY must be defined"
#endif

namespace ktl {

inline constexpr size_t kPageSize = 4096;
inline constexpr size_t kPageShift = 12;

// Power-of-two rounding helpers. `align` must be a power of two; RoundUp
// wraps on overflow, so callers validating untrusted values use
// CheckedRoundUp.
constexpr uint64_t RoundDown(uint64_t value, uint64_t align) { return value & ~(align - 1); }
constexpr uint64_t RoundUp(uint64_t value, uint64_t align) {
  return (value + align - 1) & ~(align - 1);
}
constexpr bool IsAligned(uint64_t value, uint64_t align) { return (value & (align - 1)) == 0; }

// Rounds up, returning false instead of wrapping past 2^64.
constexpr bool CheckedRoundUp(uint64_t value, uint64_t align, uint64_t* out) {
  if (value > std::numeric_limits<uint64_t>::max() - (align - 1)) return false;
  *out = RoundUp(value, align);
  return true;
}

}  // namespace ktl

#endif  // RINGFENCE_KERNEL_KTL_KTL_H_
