#include "kernel/signal/timers.h"

#include "kernel/sched/scheduler.h"
#include "kernel/signal/send.h"
#include "kernel/task/task.h"
#include "kernel/task/thread_life.h"

namespace sentry::signal {

void SignalTimer::Arm(int64_t deadline_ns, int64_t interval_ns) {
  Disarm();
  interval_ns_ = deadline_ns == 0 ? 0 : interval_ns;
  if (deadline_ns != 0) sched::ArmKernelTimer(kernel_timer_, deadline_ns);
}

void SignalTimer::Disarm() {
  sched::CancelKernelTimer(kernel_timer_);
  interval_ns_ = 0;
}

int64_t SignalTimer::RemainingNs(int64_t now_ns) const {
  if (!kernel_timer_.armed()) return 0;
  int64_t left = kernel_timer_.deadline_ns() - now_ns;
  // An expired timer not yet run reports the smallest nonzero time, so
  // that "armed" stays distinguishable from "disarmed".
  return left > 0 ? left : 1;
}

void SignalTimer::Expired(time::KernelTimer& kernel_timer, int64_t now_ns) {
  auto& self = *static_cast<SignalTimer*>(kernel_timer.context());
  int64_t deadline = kernel_timer.deadline_ns();
  if (self.interval_ns_ != 0) {
    // Periods that passed while the interrupt was late count as overruns.
    int64_t missed = (now_ns - deadline) / self.interval_ns_;
    if (self.signal_queued_ || missed > 0) {
      int64_t total = self.pending_overrun_ + missed + (self.signal_queued_ ? 1 : 0);
      self.pending_overrun_ = total > INT32_MAX ? INT32_MAX : static_cast<int32_t>(total);
    }
    sched::ArmKernelTimer(kernel_timer, deadline + (missed + 1) * self.interval_ns_);
  } else if (self.signal_queued_ && self.pending_overrun_ < INT32_MAX) {
    ++self.pending_overrun_;
  }
  if (!self.signal_queued_ || !self.posix) self.Fire();
}

void SignalTimer::Fire() {
  if (notify == kSigevNone) return;
  linux_abi::SigInfo info = {};
  info.signo = signal;
  if (!posix) {
    info.code = linux_abi::kSiKernel;  // ITIMER_REAL's SIGALRM is the kernel's
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

SignalTimer* ProcessTimers::ForSignal(const linux_abi::SigInfo& info) {
  SignalTimer* timer = Find(info.timer.timer_id);
  return timer != nullptr && timer->signal == info.signo ? timer : nullptr;
}

}  // namespace sentry::signal
