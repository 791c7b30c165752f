// Time from the TSC: the VMM samples the host clocks once at boot, after
// which every clock read is a rdtsc and a multiply, with no VM exit.
#ifndef RINGFENCE_KERNEL_TIME_CLOCK_H_
#define RINGFENCE_KERNEL_TIME_CLOCK_H_

#include <cstdint>

namespace sentry::time {

// Boot only: `tsc_khz` from the VMM; takes one host time sample.
void InitClock(uint64_t tsc_khz);

int64_t MonotonicNs();
int64_t RealtimeNs();
// Nanoseconds since the sandbox booted (CLOCK_BOOTTIME and CPU-time clocks
// start here).
int64_t SinceBootNs();
// The TSC value at which MonotonicNs() reaches `monotonic_ns` (for timer
// deadlines); the boot TSC for times before boot.
uint64_t TscAtMonotonicNs(int64_t monotonic_ns);

inline constexpr int64_t kNsPerSecond = 1000000000;

}  // namespace sentry::time

#endif  // RINGFENCE_KERNEL_TIME_CLOCK_H_
