#include "kernel/task/return_to_user.h"

#include "kernel/signal/dispatch.h"
#include "kernel/task/exit.h"
#include "kernel/task/task.h"

namespace sentry {

void PrepareReturnToUser(Task& task, platform::TrapFrame& frame) {
  EndThreadIfKilled(task);
  // Signals: handlers entered, default actions taken, and an interrupted
  // syscall restarted or failed with EINTR.
  signal::HandleSignals(task, frame);
}

}  // namespace sentry
