// sched::Thread: the scheduling state every Task embeds. Portable (no
// platform code), so the run-queue, wait-queue and futex logic that moves
// Threads around is unit-tested hosted.
#ifndef RINGFENCE_KERNEL_SCHED_THREAD_H_
#define RINGFENCE_KERNEL_SCHED_THREAD_H_

#include <cstdint>

#include "kernel/ktl/intrusive_list.h"

namespace sentry::sched {

enum class ThreadState : uint8_t {
  kRunnable,  // on a run queue
  kRunning,   // current on a CPU
  kBlocked,   // on a wait list and/or the timer list
  kDead,      // exited; freed once another thread runs on its CPU
};

// Why a blocked thread runs again.
enum class WakeReason : uint8_t {
  kNone,
  kWoken,     // a WaitQueue or futex wake
  kTimeout,   // its deadline passed
  kInterrupted,  // sched::Interrupt: a signal (or group exit) needs the thread
};

// Identifies a futex word: the address space and user address, or for a
// shared futex in shared memory a tag and the word's physical address.
struct FutexKey {
  const void* space = nullptr;
  uint64_t address = 0;
  bool operator==(const FutexKey&) const = default;
};

class WaitList;

class Thread {
 public:
  // `owner` is what the kernel hangs off the thread (its Task), or null
  // for a CPU's idle thread.
  explicit Thread(void* owner = nullptr) : owner_(owner) {}
  Thread(const Thread&) = delete;

  void* owner() const { return owner_; }
  ThreadState state = ThreadState::kRunnable;
  WakeReason wake_reason = WakeReason::kNone;

  // Kernel stack pointer saved by the context switch while not running.
  uint64_t saved_rsp = 0;
  // The vCPU it runs on, whose run queue holds it, or (blocked) whose timer
  // list holds it and where it last ran.
  uint32_t cpu = 0;

  // While blocked: the wait list holding wait_node (null if none), and
  // the absolute deadline on the monotonic clock (0: none).
  WaitList* waiting_on = nullptr;
  int64_t deadline_ns = 0;
  // While in a futex wait: the word and FUTEX_WAIT_BITSET mask.
  FutexKey futex_key;
  uint32_t futex_bitset = 0;

  ktl::IntrusiveListNode run_node;    // run queue
  ktl::IntrusiveListNode wait_node;  // WaitQueue or futex bucket (via WaitList)
  ktl::IntrusiveListNode timer_node;  // TimerList

  // Takes the thread off its wait list (if any) and records why it wakes.
  inline void LeaveWaitList(WakeReason reason);

 private:
  void* owner_;
};

// A list of blocked threads (a WaitQueue, a futex bucket) linked through
// Thread::wait_node.
class WaitList : public ktl::IntrusiveList<Thread, &Thread::wait_node> {};

void Thread::LeaveWaitList(WakeReason reason) {
  if (waiting_on != nullptr) {
    waiting_on->Remove(this);
    waiting_on = nullptr;
  }
  wake_reason = reason;
}

}  // namespace sentry::sched

#endif  // RINGFENCE_KERNEL_SCHED_THREAD_H_
