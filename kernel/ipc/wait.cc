#include "kernel/ipc/wait.h"

#include "kernel/sched/scheduler.h"
#include "kernel/task/task.h"

namespace sentry::ipc {

void WakeThread(sched::Thread& thread) {
  if (thread.state != sched::ThreadState::kBlocked) return;
  thread.LeaveWaitList(sched::WakeReason::kWoken);
  sched::MakeRunnable(thread);
}

void ThreadWaiter::Notify(uint32_t events) {
  if (thread_ != nullptr && (events & events_) != 0) WakeThread(*thread_);
}

sched::WakeReason WaitOn(vfs::WaiterQueue& queue, uint32_t events, int64_t deadline_ns) {
  ThreadWaiter waiter(CurrentTask().thread(), events);
  vfs::ScopedWait linked(&queue, waiter);
  return sched::Block(deadline_ns);
}

}  // namespace sentry::ipc
