#include "kernel/task/return_to_user.h"

#include "kernel/ktl/errno.h"
#include "kernel/task/exit.h"
#include "kernel/task/task.h"

namespace sentry {
namespace {

// Reissues the syscall `frame` returned from: back over the 2-byte SYSCALL
// instruction, with the number it entered with.
void RestartSyscall(platform::TrapFrame& frame) {
  frame.rip -= 2;
  frame.rax = frame.error_code;
}

}  // namespace

void PrepareReturnToUser(Task& task, platform::TrapFrame& frame) {
  EndThreadIfKilled(task);
  if (!frame.IsSyscall()) return;
  // A syscall that saw sched::WakeReason::kInterrupted returns
  // kERESTARTSYS. With no handler run for the signal that interrupted it,
  // Linux restarts it transparently.
  // TODO(issue 4, signals): deliver pending signals here first; a handler
  // without SA_RESTART turns kERESTARTSYS into EINTR.
  if (static_cast<int64_t>(frame.rax) == -static_cast<int64_t>(ktl::Errno::kERESTARTSYS)) {
    RestartSyscall(frame);
  }
}

}  // namespace sentry
