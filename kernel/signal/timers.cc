#include "kernel/signal/timers.h"

#include "kernel/sched/scheduler.h"
#include "kernel/signal/send.h"
#include "kernel/task/process_registry.h"
#include "kernel/task/task.h"
#include "kernel/task/thread_life.h"
#include "kernel/time/clock.h"
#include "kernel/time/timespec.h"

namespace sentry::signal {

Process* SignalTimer::CountedProcess() const {
  return counted_id_ == 0 ? process_ : FindProcess(counted_id_);
}

int64_t SignalTimer::Now() const {
  switch (counts_) {
    case TimerCounts::kWallTime:
      break;
    case TimerCounts::kProcessCpu: {
      Process* counted = CountedProcess();
      return counted != nullptr ? ProcessCpuNs(*counted) : 0;
    }
    case TimerCounts::kThreadCpu: {
      Task* thread = FindThread(counted_id_);
      return thread != nullptr && &thread->process() == process_ ? TaskCpuNs(*thread) : 0;
    }
  }
  return time::MonotonicNs();
}

bool SignalTimer::CountedGone() const {
  switch (counts_) {
    case TimerCounts::kWallTime:
      return false;
    case TimerCounts::kProcessCpu:
      return CountedProcess() == nullptr;
    case TimerCounts::kThreadCpu: {
      Task* thread = FindThread(counted_id_);
      return thread == nullptr || &thread->process() != process_;
    }
  }
  return false;
}

bool SignalTimer::ClockStopped() const {
  if (!counts_cpu_time()) return false;
  if (process_->thread_count == 0 || CountedGone()) return true;
  // A process that has ended (a zombie) uses no more CPU time.
  Process* counted = counts_ == TimerCounts::kProcessCpu ? CountedProcess() : nullptr;
  return counted != nullptr && counted->thread_count == 0;
}

void SignalTimer::Arm(int64_t deadline_ns, int64_t interval_ns) {
  Disarm();
  if (deadline_ns == 0) return;
  deadline_ns_ = deadline_ns;
  interval_ns_ = interval_ns;
  ScheduleCheck(Now());
}

void SignalTimer::Disarm() {
  sched::CancelKernelTimer(kernel_timer_);
  deadline_ns_ = 0;
  interval_ns_ = 0;
}

void SignalTimer::ScheduleCheck(int64_t now) {
  if (!counts_cpu_time()) {
    sched::ArmKernelTimer(kernel_timer_, deadline_ns_);
    return;
  }
  // Checked no more often than Linux's scheduler tick, where it checks CPU
  // timers: a process that sleeps does not make its timer poll.
  Process* counted = counts_ == TimerCounts::kProcessCpu ? CountedProcess() : nullptr;
  uint32_t threads = counted != nullptr ? counted->thread_count : 1;
  int64_t wait = CpuClockCheckAfterNs(deadline_ns_ - now, threads);
  sched::ArmKernelTimer(kernel_timer_, time::DeadlineAfter(time::MonotonicNs(), wait));
}

int64_t SignalTimer::RemainingNs() const {
  if (deadline_ns_ == 0 || CountedGone()) return 0;
  int64_t left = deadline_ns_ - Now();
  // An expired timer not yet run reports the smallest nonzero time, so
  // that "armed" stays distinguishable from "disarmed".
  return left > 0 ? left : 1;
}

void SignalTimer::Expired(time::KernelTimer& kernel_timer, int64_t now_ns) {
  auto& self = *static_cast<SignalTimer*>(kernel_timer.context());
  // A stopped clock never reaches the deadline: the timer stays armed and
  // silent, as on Linux (timer_gettime shows the time it had left).
  if (self.ClockStopped()) return;
  int64_t now = self.counts_cpu_time() ? self.Now() : now_ns;
  int64_t deadline = self.deadline_ns_;
  if (now < deadline) {
    self.ScheduleCheck(now);  // the CPU time went to others meanwhile
    return;
  }
  if (self.interval_ns_ != 0) {
    // Periods that passed while the interrupt was late count as overruns.
    int64_t missed = (now - deadline) / self.interval_ns_;
    if (self.signal_queued_ || missed > 0) {
      int64_t total = self.pending_overrun_ + missed + (self.signal_queued_ ? 1 : 0);
      self.pending_overrun_ = total > INT32_MAX ? INT32_MAX : static_cast<int32_t>(total);
    }
    self.deadline_ns_ = deadline + (missed + 1) * self.interval_ns_;
    self.ScheduleCheck(now);
  } else {
    self.deadline_ns_ = 0;
    if (self.signal_queued_ && self.pending_overrun_ < INT32_MAX) ++self.pending_overrun_;
  }
  if (!self.signal_queued_ || !self.posix) self.Fire();
}

void SignalTimer::Fire() {
  if (notify == kSigevNone) return;
  linux_abi::SigInfo info = {};
  info.signo = signal;
  if (!posix) {
    info.code = linux_abi::kSiKernel;  // an itimer's signal is the kernel's
    SendToProcess(*process_, info);
    return;
  }
  info.code = linux_abi::kSiTimer;
  info.timer.timer_id = id_;
  info.timer.value = value;
  signal_queued_ = true;
  Task* target = notify == kSigevThreadId ? FindThread(target_tid) : nullptr;
  ktl::Result<bool> sent = (target != nullptr && &target->process() == process_)
                               ? QueueToTask(*target, info)
                               : QueueToProcess(*process_, info);
  // Ignored or refused: nothing is queued, the next expiry sends again.
  if (!sent.ok() || !sent.value()) signal_queued_ = false;
}

void SignalTimer::SignalDequeued(linux_abi::SigInfo& info) {
  overrun_ = pending_overrun_;
  info.timer.overrun = overrun_;
  pending_overrun_ = 0;
  signal_queued_ = false;
}

ProcessTimers::ProcessTimers(Process* process)
    : process_(process), real_(process, -1), virtual_(process, -1), prof_(process, -1) {
  real_.posix = virtual_.posix = prof_.posix = false;
  real_.signal = linux_abi::kSigAlrm;
  virtual_.signal = linux_abi::kSigVtalrm;
  prof_.signal = linux_abi::kSigProf;
  virtual_.set_counts(TimerCounts::kProcessCpu);
  prof_.set_counts(TimerCounts::kProcessCpu);
}

ProcessTimers::~ProcessTimers() {
  for (SignalTimer* timer : posix_) delete timer;
}

ktl::Result<SignalTimer*> ProcessTimers::Create() {
  size_t id = 0;
  while (id < posix_.size() && posix_[id] != nullptr) ++id;
  if (id >= static_cast<size_t>(kMaxTimers)) return ktl::Errno::kEAGAIN;
  if (id == posix_.size()) TRY(posix_.PushBack(nullptr));
  auto* timer = new (std::nothrow) SignalTimer(process_, static_cast<int32_t>(id));
  if (timer == nullptr) return ktl::Errno::kEAGAIN;  // as Linux when out of memory
  posix_[id] = timer;
  return timer;
}

SignalTimer* ProcessTimers::Find(int32_t id) {
  if (id < 0 || static_cast<size_t>(id) >= posix_.size()) return nullptr;
  return posix_[static_cast<size_t>(id)];
}

ktl::Result<void> ProcessTimers::Delete(int32_t id) {
  SignalTimer* timer = Find(id);
  if (timer == nullptr) return ktl::Errno::kEINVAL;
  posix_[static_cast<size_t>(id)] = nullptr;
  delete timer;
  return ktl::Ok();
}

void ProcessTimers::DeletePosixTimers() {
  for (SignalTimer*& timer : posix_) {
    delete timer;
    timer = nullptr;
  }
}

SignalTimer* ProcessTimers::ForSignal(const linux_abi::SigInfo& info) {
  SignalTimer* timer = Find(info.timer.timer_id);
  return timer != nullptr && timer->signal == info.signo ? timer : nullptr;
}

}  // namespace sentry::signal
