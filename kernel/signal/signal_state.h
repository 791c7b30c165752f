// The signal state a process (thread group) and each of its tasks carry
// beyond the actions, mask and alternate stack that task.h keeps: pending
// sets, group stop, the syscall restart block and the process's timers.
#ifndef RINGFENCE_KERNEL_SIGNAL_SIGNAL_STATE_H_
#define RINGFENCE_KERNEL_SIGNAL_SIGNAL_STATE_H_

#include <cstdint>

#include "kernel/ktl/vector.h"
#include "kernel/sched/queues.h"
#include "kernel/signal/pending.h"
#include "kernel/signal/timers.h"

namespace sentry::signal {

// What restart_syscall(2) resumes after a signal interrupted a syscall that
// returned ERESTART_RESTARTBLOCK and no handler ran (Linux's restart_block).
struct RestartBlock {
  enum class Kind : uint8_t { kNone, kSleep, kCpuSleep, kFutexWait };
  Kind kind = Kind::kNone;
  int64_t deadline_ns = 0;   // monotonic; kCpuSleep: on `clock`
  int clock = 0;             // kCpuSleep: the CPU clock id slept on
  uint64_t remaining = 0;    // the sleeps: the user timespec for the time left, or 0
  uint64_t address = 0;      // kFutexWait: the word, its expected value and bitset
  uint32_t expected = 0;
  uint32_t bitset = 0;
  bool shared = false;       // kFutexWait: not FUTEX_PRIVATE_FLAG
};

class TaskSignals {
 public:
  PendingSignals pending;  // sent to this thread (tkill, tgkill, faults)
  // rt_sigsuspend and rt_sigtimedwait run with a temporary mask; the one to
  // go back to is kept here until a handler frame records it (Linux's
  // TIF_RESTORE_SIGMASK).
  bool restore_mask = false;
  uint64_t saved_mask = 0;
  RestartBlock restart;
  // This thread is parked in a group stop.
  bool stopped = false;
};

class ProcessSignals {
 public:
  explicit ProcessSignals(Process* process) : timers(process) {}

  PendingSignals shared_pending;  // kill, rt_sigqueueinfo, timers
  // Group stop: set when a stop signal's default action runs, cleared by
  // SIGCONT (or SIGKILL). Stopped threads wait on continue_waiters.
  bool stopped = false;
  int stop_signal = 0;
  sched::WaitQueue continue_waiters;
  // Threads in a signalfd read, woken whenever a signal is queued.
  sched::WaitQueue signalfd_waiters;
  ProcessTimers timers;
};

}  // namespace sentry::signal

#endif  // RINGFENCE_KERNEL_SIGNAL_SIGNAL_STATE_H_
