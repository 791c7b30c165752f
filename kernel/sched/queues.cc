#include "kernel/sched/queues.h"

namespace sentry::sched {

void TimerList::Add(Thread& thread) {
  // Sleepers are few: a sorted list keeps "the earliest deadline" O(1),
  // which is what the timer interrupt asks for most.
  for (Thread& other : list_) {
    if (other.deadline_ns > thread.deadline_ns) {
      list_.InsertBefore(&other, &thread);
      return;
    }
  }
  list_.PushBack(&thread);
}

size_t TimerList::Expire(int64_t now_ns, WakeFn expire) {
  size_t count = 0;
  while (!list_.empty() && list_.front()->deadline_ns <= now_ns) {
    Thread* thread = list_.PopFront();
    thread->LeaveWaitList(WakeReason::kTimeout);
    expire(*thread);
    ++count;
  }
  return count;
}

}  // namespace sentry::sched
