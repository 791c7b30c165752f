// Kernel timers: callbacks the timer interrupt runs at a deadline on the
// monotonic clock (interval timers, POSIX timers, alarm). Thread sleeps use
// sched::TimerList instead. Portable bookkeeping (unit-tested hosted); the
// scheduler owns the Sentry's queue and arms the LAPIC for it.
#ifndef RINGFENCE_KERNEL_TIME_TIMER_QUEUE_H_
#define RINGFENCE_KERNEL_TIME_TIMER_QUEUE_H_

#include <cstddef>
#include <cstdint>

#include "kernel/ktl/intrusive_list.h"

namespace sentry::time {

class KernelTimer {
 public:
  // Runs when the deadline passes, from the timer interrupt, with the timer
  // already unlinked: it may re-arm it (periodic timers).
  using Callback = void (*)(KernelTimer& timer, int64_t now_ns);

  KernelTimer(Callback callback, void* context) : callback_(callback), context_(context) {}
  KernelTimer(const KernelTimer&) = delete;

  bool armed() const { return node.InList(); }
  int64_t deadline_ns() const { return deadline_ns_; }
  void* context() const { return context_; }

  ktl::IntrusiveListNode node;

 private:
  friend class TimerQueue;
  Callback callback_;
  void* context_;
  int64_t deadline_ns_ = 0;
};

// Armed timers, earliest deadline first.
class TimerQueue {
 public:
  bool empty() const { return list_.empty(); }
  // 0 when empty.
  int64_t EarliestDeadline() { return list_.empty() ? 0 : list_.front()->deadline_ns_; }
  // (Re)arms `timer` for `deadline_ns` (> 0); after equal deadlines: FIFO.
  void Arm(KernelTimer& timer, int64_t deadline_ns);
  void Cancel(KernelTimer& timer) {
    if (timer.armed()) list_.Remove(&timer);
  }
  // Runs the callback of every timer whose deadline is <= now; returns how
  // many. A callback re-arming its timer at or before `now_ns` runs again.
  size_t Expire(int64_t now_ns);

 private:
  ktl::IntrusiveList<KernelTimer, &KernelTimer::node> list_;
};

}  // namespace sentry::time

#endif  // RINGFENCE_KERNEL_TIME_TIMER_QUEUE_H_
