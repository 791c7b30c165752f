// CPU-time clocks named by clock id: CLOCK_PROCESS_CPUTIME_ID and
// CLOCK_THREAD_CPUTIME_ID, and the negative ids clock_getcpuclockid(3) and
// pthread_getcpuclockid(3) make from a pid or tid (Linux's encoding: the
// complemented id above three bits, bit 2 marking a thread's clock and the
// low two the kind: 0 PROF, 1 VIRT, 2 SCHED; low bits 3 name an fd clock).
// The Sentry counts all CPU time as user time: the three kinds read alike.
#ifndef RINGFENCE_KERNEL_SYSCALLS_CPU_CLOCK_H_
#define RINGFENCE_KERNEL_SYSCALLS_CPU_CLOCK_H_

#include <cstdint>

#include "kernel/ktl/result.h"
#include "kernel/syscalls/time_support.h"
#include "kernel/task/task.h"

namespace sentry::syscalls {

// Whether `clock` is negative: a CPU clock or an fd clock (posix_clock).
inline bool IsDynamicClock(int clock) { return clock < 0; }
// A negative id naming a clock by file descriptor (none exist here).
inline bool IsFdClock(int clock) { return clock < 0 && (clock & 7) == 3; }
// Whether `clock` counts CPU time: the process's or thread's own
// (CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID) or a negative non-fd id.
inline bool IsCpuClock(int clock) {
  return clock == kClockProcessCputime || clock == kClockThreadCputime ||
         (IsDynamicClock(clock) && !IsFdClock(clock));
}

// The process or thread whose CPU time a clock counts.
struct CpuClock {
  Process* process = nullptr;
  Task* thread = nullptr;  // set for a thread's clock
  bool sched = true;       // CPUCLOCK_SCHED: 1 ns resolution (else a tick)

  int64_t Now() const { return thread != nullptr ? TaskCpuNs(*thread) : ProcessCpuNs(*process); }
  // How many threads add to it (CpuClockCheckAfterNs).
  uint32_t Threads() const { return thread != nullptr ? 1 : process->thread_count; }
};

// What the clock is looked up for: clock_gettime also takes the caller's own
// tid as its process's pid, the others want a real process id.
enum class CpuClockUse { kRead, kOther };

// The CPU clock `clock` names (2, 3 or a negative non-fd id). EINVAL for a
// malformed id, a process or thread that does not exist, or another
// process's thread (Linux's pid_for_clock).
ktl::Result<CpuClock> FindCpuClock(int clock, CpuClockUse use);

// clock_nanosleep on the CPU clock `clock`, after its request was read.
// EINVAL for the caller's own thread clock (it cannot advance while it
// sleeps). Returns once the clock reads `ns` (absolute) or has advanced by
// `ns`. A signal ends it as SleepUntilDeadline's does; a relative sleep
// reports the CPU time left and resumes through restart_syscall.
ktl::Result<int64_t> CpuClockNanosleep(int clock, bool absolute, int64_t ns, uint64_t remaining);
// The resumption: sleeps until `clock` reads `deadline_ns`.
ktl::Result<int64_t> ResumeCpuClockSleep(int clock, int64_t deadline_ns, uint64_t remaining);

}  // namespace sentry::syscalls

#endif  // RINGFENCE_KERNEL_SYSCALLS_CPU_CLOCK_H_
