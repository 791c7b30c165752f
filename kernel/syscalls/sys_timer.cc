// Timers that signal: setitimer, getitimer, alarm (ITIMER_REAL -> SIGALRM)
// and the POSIX timers (timer_create, timer_settime, timer_gettime,
// timer_getoverrun, timer_delete). kernel/signal/timers.h runs them.
#include "kernel/abi/linux.h"
#include "kernel/signal/signal_set.h"
#include "kernel/signal/timers.h"
#include "kernel/syscalls/cpu_clock.h"
#include "kernel/syscalls/handlers.h"
#include "kernel/syscalls/time_support.h"
#include "kernel/task/thread_life.h"
#include "kernel/time/clock.h"
#include "kernel/time/timespec.h"

namespace sentry::syscalls {
namespace {

using ktl::Errno;
using signal::SignalTimer;

constexpr int kItimerReal = 0, kItimerVirtual = 1, kItimerProf = 2;
constexpr int kTimerAbstime = 1;
constexpr int64_t kNsPerUs = 1000, kUsPerSecond = 1000000;

struct Itimerval {
  linux_abi::Timeval interval;
  linux_abi::Timeval value;
};
struct Itimerspec {
  linux_abi::Timespec interval;
  linux_abi::Timespec value;
};
// The kernel's struct sigevent (64 bytes): sigev_value, signo, notify, then
// a union whose first int is the thread id for SIGEV_THREAD_ID.
struct Sigevent {
  uint64_t value;
  int32_t signo;
  int32_t notify;
  int32_t thread_id;
  int32_t pad[11];
};
static_assert(sizeof(Sigevent) == 64);

ktl::Result<int64_t> TimevalToNs(const linux_abi::Timeval& tv) {
  if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= kUsPerSecond) return Errno::kEINVAL;
  return TRY(time::TimespecToNs({tv.tv_sec, tv.tv_usec * kNsPerUs}));
}

// Linux reports an itimer's time left rounded up to the microsecond, so a
// nonzero remainder never reads as "disarmed".
linux_abi::Timeval ToTimeval(int64_t ns) {
  int64_t us = (ns + kNsPerUs - 1) / kNsPerUs;
  return {us / kUsPerSecond, us % kUsPerSecond};
}

// The timer behind setitimer's `which` (EINVAL for an unknown one).
ktl::Result<SignalTimer*> Itimer(int which, Process& process) {
  switch (which) {
    case kItimerReal:
      return &process.signals().timers.real();
    case kItimerVirtual:
      return &process.signals().timers.virtual_timer();
    case kItimerProf:
      return &process.signals().timers.prof_timer();
    default:
      return Errno::kEINVAL;
  }
}

Itimerval ReadItimer(const SignalTimer& timer) {
  return {ToTimeval(timer.interval_ns()), ToTimeval(timer.RemainingNs())};
}

ktl::Result<SignalTimer*> FindTimer(int32_t id) {
  SignalTimer* timer = CurrentTask().process().signals().timers.Find(id);
  if (timer == nullptr) return Errno::kEINVAL;
  return timer;
}

// Clocks a POSIX timer may count on (the alarm clocks need
// CAP_WAKE_ALARM, which the sandbox never grants). A negative id is a CPU
// clock, whose process or thread timer_create looks up once the sigevent
// passed (Linux's order), or an fd clock, which has no timers.
ktl::Result<void> CheckTimerClock(int clock) {
  if (IsDynamicClock(clock)) {
    if (IsFdClock(clock)) return Errno::kEOPNOTSUPP;
    return ktl::Ok();
  }
  switch (clock) {
    case kClockRealtime:
    case kClockMonotonic:
    case kClockBoottime:
    case kClockTai:
    case kClockProcessCputime:
    case kClockThreadCputime:
      return ktl::Ok();
    case kClockRealtimeAlarm:
    case kClockBoottimeAlarm:
      return Errno::kEPERM;
    default:
      return Errno::kEINVAL;
  }
}

Itimerspec ReadTimer(const SignalTimer& timer) {
  if (timer.CountedGone()) return {};
  return {ToTimespec(timer.interval_ns()), ToTimespec(timer.RemainingNs())};
}

}  // namespace

ktl::Result<int64_t> sys_getitimer(int which, UserAddress value) {
  SignalTimer* timer = TRY(Itimer(which, CurrentTask().process()));
  TRY(UserPointer<Itimerval>(value.value).Write(ReadItimer(*timer)));
  return 0;
}

ktl::Result<int64_t> sys_setitimer(int which, UserAddress value, UserAddress old_value) {
  SignalTimer* timer = TRY(Itimer(which, CurrentTask().process()));
  // A null new value disarms, as Linux has always accepted.
  Itimerval requested = {};
  if (!value.null()) requested = TRY(UserPointer<Itimerval>(value.value).Read());
  int64_t value_ns = TRY(TimevalToNs(requested.value));
  int64_t interval_ns = TRY(TimevalToNs(requested.interval));
  Itimerval previous = ReadItimer(*timer);
  // Linux's set_cpu_itimer adds a scheduler tick (4 ms at HZ=250) to the
  // first expiry of ITIMER_VIRTUAL and ITIMER_PROF (getitimer shows it).
  constexpr int64_t kTickNs = 4'000'000;
  if (timer->counts_cpu_time() && value_ns != 0) value_ns += kTickNs;
  timer->Arm(value_ns == 0 ? 0 : time::DeadlineAfter(timer->Now(), value_ns), interval_ns);
  if (!old_value.null()) TRY(UserPointer<Itimerval>(old_value.value).Write(previous));
  return 0;
}

ktl::Result<int64_t> sys_alarm(uint32_t seconds) {
  SignalTimer& real = CurrentTask().process().signals().timers.real();
  int64_t now = time::MonotonicNs();
  linux_abi::Timeval left = ToTimeval(real.RemainingNs());
  int64_t deadline = seconds == 0 ? 0 : time::DeadlineAfter(now, seconds * time::kNsPerSecond);
  real.Arm(deadline, 0);
  // Linux rounds the old time left to the nearest second, never to 0.
  int64_t old_seconds = left.tv_sec;
  if ((old_seconds == 0 && left.tv_usec != 0) || left.tv_usec >= 500000) ++old_seconds;
  return old_seconds;
}

ktl::Result<int64_t> sys_timer_create(int clock, UserAddress event, UserAddress timer_id) {
  TRY(CheckTimerClock(clock));
  Task& task = CurrentTask();
  Sigevent request = {};
  request.notify = signal::kSigevSignal;
  request.signo = linux_abi::kSigAlrm;
  if (!event.null()) {
    request = TRY(UserPointer<Sigevent>(event.value).Read());
    // Linux's good_sigevent.
    int notify = request.notify;
    if (notify != signal::kSigevNone && notify != signal::kSigevSignal &&
        notify != signal::kSigevThread &&
        notify != (signal::kSigevSignal | signal::kSigevThreadId)) {
      return Errno::kEINVAL;
    }
    if (notify != signal::kSigevNone && !signal::ValidSignal(request.signo)) return Errno::kEINVAL;
    if (notify & signal::kSigevThreadId) {
      Task* target = FindThread(request.thread_id);
      if (target == nullptr || &target->process() != &task.process()) return Errno::kEINVAL;
    }
  }
  // A CPU-time timer counts a process's time (its own or another's) or one
  // of its own threads'.
  CpuClock counted = {};
  bool counts_cpu = IsCpuClock(clock);
  if (counts_cpu) counted = TRY(FindCpuClock(clock, CpuClockUse::kOther));
  SignalTimer* timer = TRY(task.process().signals().timers.Create());
  timer->clock = clock;
  if (counted.thread != nullptr) {
    timer->set_counts(signal::TimerCounts::kThreadCpu, counted.thread->tid());
  } else if (counts_cpu) {
    timer->set_counts(signal::TimerCounts::kProcessCpu,
                      counted.process == &task.process() ? 0 : counted.process->pid());
  }
  timer->signal = request.signo;
  timer->value = event.null() ? static_cast<uint64_t>(timer->id()) : request.value;
  timer->notify = request.notify == signal::kSigevNone ? signal::kSigevNone
                  : (request.notify & signal::kSigevThreadId) ? signal::kSigevThreadId
                                                              : signal::kSigevSignal;
  timer->target_tid = request.thread_id;
  auto written = UserPointer<int32_t>(timer_id.value).Write(timer->id());
  if (!written.ok()) {
    (void)task.process().signals().timers.Delete(timer->id());
    return written.error();
  }
  return 0;
}

ktl::Result<int64_t> sys_timer_settime(int timer_id, int flags, UserAddress value,
                                       UserAddress old_value) {
  SignalTimer* timer = TRY(FindTimer(timer_id));
  if (value.null()) return Errno::kEINVAL;
  Itimerspec requested = TRY(UserPointer<Itimerspec>(value.value).Read());
  int64_t value_ns = TRY(time::TimespecToNs(requested.value));
  int64_t interval_ns = TRY(time::TimespecToNs(requested.interval));
  Itimerspec previous = ReadTimer(*timer);
  int64_t deadline = 0;
  bool absolute = (flags & kTimerAbstime) != 0;
  if (value_ns != 0 && timer->counts_cpu_time()) {
    // On its own CPU-time clock; an absolute time already past expires.
    deadline = absolute ? value_ns : time::DeadlineAfter(timer->Now(), value_ns);
  } else if (value_ns != 0) {
    deadline = TRY(MonotonicDeadline(timer->clock, absolute, value_ns));
  }
  timer->Arm(deadline, interval_ns);
  if (!old_value.null()) TRY(UserPointer<Itimerspec>(old_value.value).Write(previous));
  return 0;
}

ktl::Result<int64_t> sys_timer_gettime(int timer_id, UserAddress value) {
  SignalTimer* timer = TRY(FindTimer(timer_id));
  TRY(UserPointer<Itimerspec>(value.value).Write(ReadTimer(*timer)));
  return 0;
}

ktl::Result<int64_t> sys_timer_getoverrun(int timer_id) {
  SignalTimer* timer = TRY(FindTimer(timer_id));
  return timer->overrun();
}

ktl::Result<int64_t> sys_timer_delete(int timer_id) {
  TRY(CurrentTask().process().signals().timers.Delete(timer_id));
  return 0;
}

}  // namespace sentry::syscalls
