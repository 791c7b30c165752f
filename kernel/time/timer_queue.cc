#include "kernel/time/timer_queue.h"

namespace sentry::time {

void TimerQueue::Arm(KernelTimer& timer, int64_t deadline_ns) {
  Cancel(timer);
  timer.deadline_ns_ = deadline_ns;
  // Few timers are armed at once: a sorted list keeps the earliest O(1).
  for (KernelTimer& other : list_) {
    if (other.deadline_ns_ > deadline_ns) {
      list_.InsertBefore(&other, &timer);
      return;
    }
  }
  list_.PushBack(&timer);
}

size_t TimerQueue::Expire(int64_t now_ns) {
  size_t count = 0;
  while (!list_.empty() && list_.front()->deadline_ns_ <= now_ns) {
    KernelTimer* timer = list_.PopFront();
    timer->callback_(*timer, now_ns);
    ++count;
  }
  return count;
}

}  // namespace sentry::time
