// Validating and converting the struct timespec values syscalls receive.
#ifndef RINGFENCE_KERNEL_TIME_TIMESPEC_H_
#define RINGFENCE_KERNEL_TIME_TIMESPEC_H_

#include <cstdint>

#include "kernel/abi/linux.h"
#include "kernel/ktl/result.h"

namespace sentry::time {

// Far enough to mean "never" and still leave room to add a clock offset.
inline constexpr int64_t kMaxTimeNs = INT64_MAX / 4;

// Nanoseconds in `ts`, saturated at kMaxTimeNs. EINVAL unless
// tv_sec >= 0 and 0 <= tv_nsec < 1e9 (Linux's timespec64_valid).
inline ktl::Result<int64_t> TimespecToNs(const linux_abi::Timespec& ts) {
  constexpr int64_t kNsPerSec = 1000000000;
  if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= kNsPerSec) return ktl::Errno::kEINVAL;
  if (ts.tv_sec >= kMaxTimeNs / kNsPerSec) return kMaxTimeNs;
  return ts.tv_sec * kNsPerSec + ts.tv_nsec;
}

// now + delta without overflowing past kMaxTimeNs.
inline int64_t DeadlineAfter(int64_t now_ns, int64_t delta_ns) {
  return delta_ns >= kMaxTimeNs - now_ns ? kMaxTimeNs : now_ns + delta_ns;
}

}  // namespace sentry::time

#endif  // RINGFENCE_KERNEL_TIME_TIMESPEC_H_
