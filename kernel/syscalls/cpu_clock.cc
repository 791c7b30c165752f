#include "kernel/syscalls/cpu_clock.h"

#include "kernel/sched/scheduler.h"
#include "kernel/syscalls/time_support.h"
#include "kernel/task/process_registry.h"
#include "kernel/task/thread_life.h"
#include "kernel/time/clock.h"
#include "kernel/time/timespec.h"

namespace sentry::syscalls {
namespace {

using ktl::Errno;

constexpr int kKindMask = 3, kThreadBit = 4;
constexpr int kKindSched = 2, kKindCount = 3;

// The pid or tid in a negative clock id (the shift is arithmetic).
int32_t EncodedId(int clock) { return ~(clock >> 3); }
bool IsEncodedThreadClock(int clock) { return clock < 0 && (clock & kThreadBit) != 0; }

// Sleeps until `clock` reads `deadline`, looking the clock up again after
// each wait as its process or thread may end meanwhile.
ktl::Result<int64_t> SleepOnCpuClock(int clock, int64_t deadline, bool absolute,
                                     uint64_t remaining) {
  int64_t now = 0;
  for (;;) {
    auto found = FindCpuClock(clock, CpuClockUse::kOther);
    // The clock of an ended process or thread stands still: as on Linux,
    // only a signal ends the sleep then.
    int64_t wake_at = 0;
    if (found.ok()) {
      now = found.value().Now();
      if (now >= deadline) return 0;
      wake_at = time::DeadlineAfter(time::MonotonicNs(),
                                    CpuClockCheckAfterNs(deadline - now, found.value().Threads()));
    }
    if (sched::SleepUntil(wake_at) == sched::WakeReason::kInterrupted) break;
  }
  if (absolute) return Errno::kERESTARTNOHAND;
  signal::RestartBlock restart;
  restart.kind = signal::RestartBlock::Kind::kCpuSleep;
  restart.clock = clock;
  restart.deadline_ns = deadline;
  restart.remaining = remaining;
  return RestartSleepLater(restart, deadline - now);
}

}  // namespace

ktl::Result<CpuClock> FindCpuClock(int clock, CpuClockUse use) {
  Task& self = CurrentTask();
  if (clock == kClockProcessCputime) return CpuClock{&self.process(), nullptr, true};
  if (clock == kClockThreadCputime) return CpuClock{&self.process(), &self, true};
  if (clock >= 0 || IsFdClock(clock) || (clock & kKindMask) >= kKindCount) return Errno::kEINVAL;
  bool sched = (clock & kKindMask) == kKindSched;
  int32_t id = EncodedId(clock);
  if (IsEncodedThreadClock(clock)) {
    Task* thread = id == 0 ? &self : FindThread(id);
    if (thread == nullptr || &thread->process() != &self.process()) return Errno::kEINVAL;
    return CpuClock{&self.process(), thread, sched};
  }
  if (id == 0 || (use == CpuClockUse::kRead && id == self.tid())) {
    return CpuClock{&self.process(), nullptr, sched};
  }
  Process* process = FindProcess(id);
  if (process == nullptr) return Errno::kEINVAL;
  return CpuClock{process, nullptr, sched};
}

ktl::Result<int64_t> CpuClockNanosleep(int clock, bool absolute, int64_t ns, uint64_t remaining) {
  if (IsEncodedThreadClock(clock)) {
    int32_t id = EncodedId(clock);
    if (id == 0 || id == CurrentTask().tid()) return Errno::kEINVAL;
  }
  CpuClock target = TRY(FindCpuClock(clock, CpuClockUse::kOther));
  int64_t deadline = absolute ? ns : time::DeadlineAfter(target.Now(), ns);
  return SleepOnCpuClock(clock, deadline, absolute, remaining);
}

ktl::Result<int64_t> ResumeCpuClockSleep(int clock, int64_t deadline_ns, uint64_t remaining) {
  return SleepOnCpuClock(clock, deadline_ns, false, remaining);
}

}  // namespace sentry::syscalls
