// The lists a scheduler keeps threads on: the run queue (round-robin), wait
// queues (sleep until woken), and the timer list (sleep until a deadline).
// Portable bookkeeping only: they never switch stacks. The Sentry's
// scheduler (scheduler.h) blocks and resumes the threads these lists name.
#ifndef RINGFENCE_KERNEL_SCHED_QUEUES_H_
#define RINGFENCE_KERNEL_SCHED_QUEUES_H_

#include <cstddef>
#include <cstdint>

#include "kernel/ktl/function_ref.h"
#include "kernel/sched/thread.h"

namespace sentry::sched {

// Called for each thread a queue releases, already off its wait list.
using WakeFn = ktl::FunctionRef<void(Thread&)>;

// Runnable threads in FIFO order: round-robin when the running thread goes
// to the back on a yield or a preemption.
class RunQueue {
 public:
  bool empty() const { return list_.empty(); }
  size_t size() const { return list_.size(); }
  void Push(Thread& thread) {
    thread.state = ThreadState::kRunnable;
    list_.PushBack(&thread);
  }
  // The next thread to run, or null.
  Thread* Pop() { return list_.PopFront(); }
  void Remove(Thread& thread) { list_.Remove(&thread); }
  // The oldest thread for which `pred` holds, or null.
  template <typename Pred>
  Thread* Find(Pred pred) {
    for (Thread& thread : list_) {
      if (pred(thread)) return &thread;
    }
    return nullptr;
  }

 private:
  ktl::IntrusiveList<Thread, &Thread::run_node> list_;
};

// Threads sleeping until an event (a child exit, pipe data, ...). The
// waker calls Wake; each released thread's wake_reason is kWoken.
class WaitQueue {
 public:
  bool empty() const { return list_.empty(); }
  // Links `thread` (about to block) at the back.
  void Add(Thread& thread) {
    list_.PushBack(&thread);
    thread.waiting_on = &list_;
  }
  // Releases up to `count` threads, oldest first; returns how many.
  size_t Wake(size_t count, WakeFn wake) {
    size_t woken = 0;
    while (woken < count && !list_.empty()) {
      Thread* thread = list_.front();
      thread->LeaveWaitList(WakeReason::kWoken);
      wake(*thread);
      ++woken;
    }
    return woken;
  }
  size_t WakeAll(WakeFn wake) { return Wake(SIZE_MAX, wake); }

 private:
  WaitList list_;
};

// Threads with a deadline on the monotonic clock, earliest first.
class TimerList {
 public:
  bool empty() const { return list_.empty(); }
  // 0 when empty.
  int64_t EarliestDeadline() { return list_.empty() ? 0 : list_.front()->deadline_ns; }
  // Inserts `thread` at its deadline_ns (after equal deadlines: FIFO).
  void Add(Thread& thread);
  // Unlinks `thread` if it is on the list.
  void Remove(Thread& thread) {
    if (thread.timer_node.InList()) list_.Remove(&thread);
  }
  // Unlinks every thread whose deadline is <= now, takes it off its wait
  // list with reason kTimeout and passes it to `expire`; returns the count.
  size_t Expire(int64_t now_ns, WakeFn expire);

 private:
  ktl::IntrusiveList<Thread, &Thread::timer_node> list_;
};

}  // namespace sentry::sched

#endif  // RINGFENCE_KERNEL_SCHED_QUEUES_H_
