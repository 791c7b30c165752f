// clock_gettime, clock_getres, gettimeofday, time: all from the TSC, no exit.
// nanosleep and clock_nanosleep block on the scheduler's timer list.
#include "kernel/abi/linux.h"
#include "kernel/syscalls/handlers.h"
#include "kernel/sched/scheduler.h"
#include "kernel/syscalls/cpu_clock.h"
#include "kernel/syscalls/time_support.h"
#include "kernel/task/task.h"
#include "kernel/time/clock.h"
#include "kernel/time/timespec.h"

namespace sentry::syscalls {
namespace {

using ktl::Errno;
using time::kNsPerSecond;

constexpr int kTimerAbstime = 1;

// Which clocks clock_nanosleep takes. Linux sleeps on the real-time,
// monotonic, boot-time and TAI clocks, and on CPU clocks but the caller's
// own thread's (cpu_clock.h); clocks without a sleep (the thread CPU-time
// clock, raw and coarse clocks, fd clocks) are EOPNOTSUPP. Not supported
// here: the alarm clocks (they need CAP_WAKE_ALARM).
ktl::Result<void> CheckSleepClock(int clock) {
  switch (clock) {
    case kClockRealtime:
    case kClockTai:
    case kClockMonotonic:
    case kClockBoottime:
    case kClockProcessCputime:
      break;
    case kClockThreadCputime:
    case kClockMonotonicRaw:
    case kClockRealtimeCoarse:
    case kClockMonotonicCoarse:
    case kClockRealtimeAlarm:
    case kClockBoottimeAlarm:
      return Errno::kEOPNOTSUPP;
    default:
      if (IsFdClock(clock)) return Errno::kEOPNOTSUPP;
      if (!IsDynamicClock(clock)) return Errno::kEINVAL;
  }
  return ktl::Ok();
}

ktl::Result<int64_t> SleepDeadline(int clock, bool absolute, const linux_abi::Timespec& request) {
  return MonotonicDeadline(clock, absolute, TRY(time::TimespecToNs(request)));
}

}  // namespace

ktl::Result<int64_t> sys_clock_gettime(int clock, UserAddress time) {
  int64_t now = TRY(ReadClock(clock));
  TRY(UserPointer<linux_abi::Timespec>(time.value).Write(ToTimespec(now)));
  return 0;
}

ktl::Result<int64_t> sys_clock_getres(int clock, UserAddress resolution) {
  // Coarse clocks and the PROF and VIRT CPU clocks tick with the scheduler
  // (4 ms at HZ=250); others are 1 ns.
  bool ticks = clock == kClockRealtimeCoarse || clock == kClockMonotonicCoarse;
  if (IsDynamicClock(clock)) {
    ticks = !TRY(FindCpuClock(clock, CpuClockUse::kOther)).sched;
  } else {
    TRY(ReadClock(clock));
  }
  linux_abi::Timespec value = {0, ticks ? 4000000 : 1};
  if (!resolution.null()) TRY(UserPointer<linux_abi::Timespec>(resolution.value).Write(value));
  return 0;
}

ktl::Result<int64_t> sys_gettimeofday(UserAddress time_value, UserAddress time_zone) {
  if (!time_value.null()) {
    int64_t now = time::RealtimeNs();
    linux_abi::Timeval value = {now / kNsPerSecond, (now % kNsPerSecond) / 1000};
    TRY(UserPointer<linux_abi::Timeval>(time_value.value).Write(value));
  }
  if (!time_zone.null()) {
    struct {
      int32_t minutes_west;
      int32_t dst_time;
    } zone = {0, 0};  // the sandbox runs in UTC
    TRY(UserPointer<decltype(zone)>(time_zone.value).Write(zone));
  }
  return 0;
}

ktl::Result<int64_t> sys_time(UserAddress result) {
  int64_t seconds = time::RealtimeNs() / kNsPerSecond;
  if (!result.null()) TRY(UserPointer<int64_t>(result.value).Write(seconds));
  return seconds;
}

}  // namespace sentry::syscalls

namespace sentry::syscalls {

ktl::Result<int64_t> ReadClock(int clock) {
  switch (clock) {
    case kClockRealtime:
    case kClockRealtimeCoarse:
    case kClockRealtimeAlarm:
    case kClockTai:
      return time::RealtimeNs();
    case kClockMonotonic:
    case kClockMonotonicRaw:
    case kClockMonotonicCoarse:
    case kClockBoottime:
    case kClockBoottimeAlarm:
      return time::MonotonicNs();
    case kClockProcessCputime:
    case kClockThreadCputime:
      break;
    default:
      if (!IsDynamicClock(clock)) return Errno::kEINVAL;
  }
  return TRY(FindCpuClock(clock, CpuClockUse::kRead)).Now();
}

linux_abi::Timespec ToTimespec(int64_t ns) { return {ns / kNsPerSecond, ns % kNsPerSecond}; }

ktl::Result<int64_t> MonotonicDeadline(int clock, bool absolute, int64_t ns) {
  int64_t now = time::MonotonicNs();
  if (!absolute) return time::DeadlineAfter(now, ns);
  // The sandbox's clocks all advance with the TSC: an absolute time on one
  // is a fixed offset from the monotonic clock.
  int64_t clock_now = TRY(ReadClock(clock));
  int64_t deadline = time::DeadlineAfter(now, ns - clock_now);
  return deadline > 0 ? deadline : 1;
}

ktl::Result<int64_t> SleepUntilDeadline(int64_t deadline_ns, bool absolute, uint64_t remaining) {
  if (sched::SleepUntil(deadline_ns) == sched::WakeReason::kTimeout) return 0;
  // Interrupted. Linux: an absolute sleep is simply reissued (or fails
  // with EINTR if a handler runs); a relative one reports the time left and
  // resumes through restart_syscall towards the same deadline.
  if (absolute) return Errno::kERESTARTNOHAND;
  signal::RestartBlock restart;
  restart.kind = signal::RestartBlock::Kind::kSleep;
  restart.deadline_ns = deadline_ns;
  restart.remaining = remaining;
  return RestartSleepLater(restart, deadline_ns - time::MonotonicNs());
}

ktl::Result<int64_t> RestartSleepLater(const signal::RestartBlock& restart, int64_t left_ns) {
  if (restart.remaining != 0) {
    TRY(UserPointer<linux_abi::Timespec>(restart.remaining)
            .Write(ToTimespec(left_ns > 0 ? left_ns : 0)));
  }
  CurrentTask().signals().restart = restart;
  return Errno::kERESTART_RESTARTBLOCK;
}

ktl::Result<int64_t> sys_nanosleep(UserAddress request, UserAddress remaining) {
  auto ts = TRY(UserPointer<linux_abi::Timespec>(request.value).Read());
  int64_t deadline = TRY(SleepDeadline(kClockMonotonic, false, ts));
  return SleepUntilDeadline(deadline, false, remaining.value);
}

ktl::Result<int64_t> sys_clock_nanosleep(int clock, int flags, UserAddress request,
                                         UserAddress remaining) {
  TRY(CheckSleepClock(clock));
  auto ts = TRY(UserPointer<linux_abi::Timespec>(request.value).Read());
  bool absolute = (flags & kTimerAbstime) != 0;
  if (IsCpuClock(clock)) {  // not the thread's own: CheckSleepClock refused it
    return CpuClockNanosleep(clock, absolute, TRY(time::TimespecToNs(ts)), remaining.value);
  }
  int64_t deadline = TRY(SleepDeadline(clock, absolute, ts));
  return SleepUntilDeadline(deadline, absolute, remaining.value);
}

}  // namespace sentry::syscalls
