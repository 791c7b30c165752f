// Sleeping on waiter queues (kernel/vfs/poll.h) from a syscall: the thread
// side of readiness. Sentry only (it blocks through the scheduler).
//
// Every blocking IPC call has the same shape: try the operation; if it
// would block, link a ThreadWaiter on the object's queue(s) and
// sched::Block, then try again. The Sentry lock (one CPU in the Sentry)
// makes "try, then link" atomic with respect to the wakers.
#ifndef RINGFENCE_KERNEL_IPC_WAIT_H_
#define RINGFENCE_KERNEL_IPC_WAIT_H_

#include <cstdint>

#include "kernel/ktl/result.h"
#include "kernel/sched/thread.h"
#include "kernel/vfs/poll.h"

namespace sentry::ipc {

// Wakes `thread` (kWoken) if it is blocked; otherwise does nothing.
void WakeThread(sched::Thread& thread);

// A waiter that wakes one thread when notified of any of `events`.
class ThreadWaiter : public vfs::Waiter {
 public:
  ThreadWaiter(sched::Thread& thread, uint32_t events) : thread_(&thread), events_(events) {}
  ThreadWaiter() = default;  // set() before use (arrays of them)
  void set(sched::Thread& thread, uint32_t events) {
    thread_ = &thread;
    events_ = events;
  }
  void Notify(uint32_t events) override;

 private:
  sched::Thread* thread_ = nullptr;
  uint32_t events_ = 0;
};

// Blocks the current thread on `queue` until it is notified of one of
// `events`, `deadline_ns` (monotonic; 0 = none) passes, or a signal
// interrupts. Returns why it woke.
sched::WakeReason WaitOn(vfs::WaiterQueue& queue, uint32_t events, int64_t deadline_ns);

// The errno a restartable blocking call returns when woken by a signal:
// kERESTARTSYS (restarted when no handler runs or SA_RESTART is set).
inline ktl::Errno InterruptedErrno() { return ktl::Errno::kERESTARTSYS; }

}  // namespace sentry::ipc

#endif  // RINGFENCE_KERNEL_IPC_WAIT_H_
