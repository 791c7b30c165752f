// Timers that notify with a signal: the interval timers (setitimer, alarm)
// and POSIX timers (timer_create). They run on the scheduler's kernel timer
// queue, on the monotonic clock; a CLOCK_REALTIME absolute time is converted
// once, as the sandbox's clocks never jump relative to each other. CPU-time
// timers (ITIMER_VIRTUAL, ITIMER_PROF, the CPU-time clocks) keep their
// deadline in CPU time and check it with a kernel timer set for the
// earliest moment it can pass: CPU time advances no faster than wall time
// per thread, so each check either fires or re-arms for what is left.
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

// What a timer's deadlines count: wall time (the monotonic clock), or the
// CPU time of its process or of one of its threads.
enum class TimerCounts : uint8_t { kWallTime, kProcessCpu, kThreadCpu };

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
  bool posix = true;          // false: an itimer (plain signal, no overrun)

  // What the deadlines count (set before arming): `counted_id` is the
  // thread for kThreadCpu (one of the timer's process), and the process
  // for kProcessCpu (0: the timer's own; timer_create may name another).
  void set_counts(TimerCounts counts, int32_t counted_id = 0) {
    counts_ = counts;
    counted_id_ = counted_id;
  }
  bool counts_cpu_time() const { return counts_ != TimerCounts::kWallTime; }
  // Now on the timer's clock: monotonic or CPU time.
  int64_t Now() const;
  // Arms for `deadline_ns` on the timer's clock (0 disarms) repeating
  // every `interval_ns` (0: once).
  void Arm(int64_t deadline_ns, int64_t interval_ns);
  void Disarm();
  // Time left (0 when disarmed) and the interval.
  int64_t RemainingNs() const;
  int64_t interval_ns() const { return interval_ns_; }
  // Whether a CPU-time timer's thread or process is gone (reaped): Linux's
  // timer_gettime then reports neither a time left nor an interval.
  bool CountedGone() const;

  // Overrun bookkeeping (timer_getoverrun): the signal for this timer was
  // dequeued; `info` gets the overruns counted while it was queued.
  void SignalDequeued(linux_abi::SigInfo& info);
  int32_t overrun() const { return overrun_; }

 private:
  static void Expired(time::KernelTimer& timer, int64_t now_ns);
  // Sets the kernel timer for when deadline_ns_ can pass, `now` being the
  // time on the timer's clock.
  void ScheduleCheck(int64_t now);
  // Whether a CPU-time timer's clock stopped for good (its thread or its
  // process has ended): it can never expire.
  bool ClockStopped() const;
  void Fire();
  // The process whose CPU time a kProcessCpu timer counts, null once reaped.
  Process* CountedProcess() const;

  Process* process_;  // the timer's: it gets the signals
  int32_t id_;
  TimerCounts counts_ = TimerCounts::kWallTime;
  int32_t counted_id_ = 0;  // looked up each time: no pointer outlives its target
  time::KernelTimer kernel_timer_{&Expired, this};
  int64_t deadline_ns_ = 0;  // on the timer's clock; 0: disarmed
  int64_t interval_ns_ = 0;
  bool signal_queued_ = false;  // its signal waits in a pending set
  int32_t pending_overrun_ = 0; // expiries folded into the queued signal
  int32_t overrun_ = 0;         // as of the last delivery
};

// A process's interval timers and POSIX timers (ids are indexes).
class ProcessTimers {
 public:
  explicit ProcessTimers(Process* process);
  ProcessTimers(const ProcessTimers&) = delete;
  ~ProcessTimers();

  // ITIMER_REAL (SIGALRM), ITIMER_VIRTUAL (SIGVTALRM) and ITIMER_PROF
  // (SIGPROF); the Sentry counts all CPU time as user time, so the last two
  // count the same process CPU time.
  SignalTimer& real() { return real_; }
  SignalTimer& virtual_timer() { return virtual_; }
  SignalTimer& prof_timer() { return prof_; }
  // A new POSIX timer with the lowest free id (EAGAIN when at the limit).
  ktl::Result<SignalTimer*> Create();
  SignalTimer* Find(int32_t id);
  ktl::Result<void> Delete(int32_t id);
  // execve: every POSIX timer goes (Linux's exit_itimers); the interval
  // timers stay.
  void DeletePosixTimers();
  // Every timer, for sigqueue bookkeeping.
  SignalTimer* ForSignal(const linux_abi::SigInfo& info);

 private:
  static constexpr int32_t kMaxTimers = 1024;
  Process* process_;
  SignalTimer real_;
  SignalTimer virtual_;
  SignalTimer prof_;
  ktl::Vector<SignalTimer*> posix_;  // by id; null when free
};

}  // namespace sentry::signal

#endif  // RINGFENCE_KERNEL_SIGNAL_TIMERS_H_
