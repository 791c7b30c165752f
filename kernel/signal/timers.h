// Timers that notify with a signal: ITIMER_REAL (setitimer, alarm) and POSIX
// timers (timer_create). They run on the scheduler's kernel timer queue, on
// the monotonic clock; a CLOCK_REALTIME absolute time is converted once, as
// the sandbox's clocks never jump relative to each other.
#ifndef RINGFENCE_KERNEL_SIGNAL_TIMERS_H_
#define RINGFENCE_KERNEL_SIGNAL_TIMERS_H_

#include <cstdint>

#include "kernel/abi/linux.h"
#include "kernel/ktl/result.h"
#include "kernel/ktl/vector.h"
#include "kernel/time/timer_queue.h"

namespace sentry {
class Process;
}

namespace sentry::signal {

// sigev_notify values.
inline constexpr int kSigevSignal = 0, kSigevNone = 1, kSigevThread = 2, kSigevThreadId = 4;

// An armed-or-not timer and how it notifies.
class SignalTimer {
 public:
  SignalTimer(Process* process, int32_t id) : process_(process), id_(id) {}
  SignalTimer(const SignalTimer&) = delete;
  ~SignalTimer() { Disarm(); }

  int32_t id() const { return id_; }
  int clock = 0;              // for timer_gettime's and absolute times' base
  int notify = kSigevSignal;  // kSigevSignal, kSigevNone or kSigevThreadId
  int signal = 0;
  uint64_t value = 0;         // sigev_value, into si_value
  int32_t target_tid = 0;     // kSigevThreadId
  bool posix = true;          // false: ITIMER_REAL (plain SIGALRM, no overrun)

  // Arms for `deadline_ns` (monotonic; 0 disarms) repeating every
  // `interval_ns` (0: once).
  void Arm(int64_t deadline_ns, int64_t interval_ns);
  void Disarm();
  // Time left (0 when disarmed) and the interval.
  int64_t RemainingNs(int64_t now_ns) const;
  int64_t interval_ns() const { return interval_ns_; }

  // Overrun bookkeeping (timer_getoverrun): the signal for this timer was
  // dequeued; `info` gets the overruns counted while it was queued.
  void SignalDequeued(linux_abi::SigInfo& info);
  int32_t overrun() const { return overrun_; }

 private:
  static void Expired(time::KernelTimer& timer, int64_t now_ns);
  void Fire();

  Process* process_;
  int32_t id_;
  time::KernelTimer kernel_timer_{&Expired, this};
  int64_t interval_ns_ = 0;
  bool signal_queued_ = false;  // its signal waits in a pending set
  int32_t pending_overrun_ = 0; // expiries folded into the queued signal
  int32_t overrun_ = 0;         // as of the last delivery
};

// ITIMER_VIRTUAL and ITIMER_PROF count the process's CPU time, which the
// Sentry does not account yet: their settings are kept and reported back,
// but they never expire.
struct CpuItimer {
  int64_t value_ns = 0;
  int64_t interval_ns = 0;
};

// A process's interval timers and POSIX timers (ids are indexes).
class ProcessTimers {
 public:
  explicit ProcessTimers(Process* process) : process_(process), real_(process, -1) {
    real_.posix = false;
    real_.signal = linux_abi::kSigAlrm;
  }
  ProcessTimers(const ProcessTimers&) = delete;
  ~ProcessTimers();

  SignalTimer& real() { return real_; }
  CpuItimer& virtual_timer() { return virtual_; }
  CpuItimer& prof_timer() { return prof_; }
  // A new POSIX timer with the lowest free id (EAGAIN when at the limit).
  ktl::Result<SignalTimer*> Create();
  SignalTimer* Find(int32_t id);
  ktl::Result<void> Delete(int32_t id);
  // Every timer, for sigqueue bookkeeping.
  SignalTimer* ForSignal(const linux_abi::SigInfo& info);

 private:
  static constexpr int32_t kMaxTimers = 1024;
  Process* process_;
  SignalTimer real_;
  CpuItimer virtual_;
  CpuItimer prof_;
  ktl::Vector<SignalTimer*> posix_;  // by id; null when free
};

}  // namespace sentry::signal

#endif  // RINGFENCE_KERNEL_SIGNAL_TIMERS_H_
