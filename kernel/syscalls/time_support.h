// Clock ids and helpers shared by the time, sleep and timer syscalls.
#ifndef RINGFENCE_KERNEL_SYSCALLS_TIME_SUPPORT_H_
#define RINGFENCE_KERNEL_SYSCALLS_TIME_SUPPORT_H_

#include <cstdint>

#include "kernel/abi/linux.h"
#include "kernel/ktl/result.h"
#include "kernel/signal/signal_state.h"

namespace sentry::syscalls {

enum Clock : int {
  kClockRealtime = 0,
  kClockMonotonic = 1,
  kClockProcessCputime = 2,
  kClockThreadCputime = 3,
  kClockMonotonicRaw = 4,
  kClockRealtimeCoarse = 5,
  kClockMonotonicCoarse = 6,
  kClockBoottime = 7,
  kClockRealtimeAlarm = 8,
  kClockBoottimeAlarm = 9,
  kClockTai = 11,
};

// Nanoseconds on `clock`, or EINVAL for an unknown clock id. The CPU-time
// clocks (kernel/syscalls/cpu_clock.h) count a process's or thread's CPU
// time.
ktl::Result<int64_t> ReadClock(int clock);

linux_abi::Timespec ToTimespec(int64_t ns);

// The monotonic deadline for `ns` on `clock`: absolute, or relative to now
// (saturated; an absolute time already past is 1, still "expired").
ktl::Result<int64_t> MonotonicDeadline(int clock, bool absolute, int64_t ns);

// Sleeps until `deadline_ns` (monotonic). Interrupted by a signal: an
// `absolute` sleep returns ERESTARTNOHAND; a relative one writes the time
// left to `remaining` (a user timespec, 0 for none) and returns
// ERESTART_RESTARTBLOCK with the task's restart block set to resume it.
ktl::Result<int64_t> SleepUntilDeadline(int64_t deadline_ns, bool absolute, uint64_t remaining);

// The end of an interrupted relative sleep: writes `left_ns` to
// `restart.remaining` (a user timespec, if any), installs `restart` for
// restart_syscall and returns ERESTART_RESTARTBLOCK.
ktl::Result<int64_t> RestartSleepLater(const signal::RestartBlock& restart, int64_t left_ns);

}  // namespace sentry::syscalls

#endif  // RINGFENCE_KERNEL_SYSCALLS_TIME_SUPPORT_H_
