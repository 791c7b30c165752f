// The work the Sentry does each time it is about to resume a task in ring 3:
// after a syscall, an exception, or an interrupt that arrived in user mode.
// This is Linux's exit-to-user-mode loop: the one place where pending
// signals are delivered, a syscall interrupted by one is restarted or fails
// with EINTR, and a thread whose group is exiting (exit_group, execve, a
// fatal signal) ends instead of returning.
#ifndef RINGFENCE_KERNEL_TASK_RETURN_TO_USER_H_
#define RINGFENCE_KERNEL_TASK_RETURN_TO_USER_H_

#include "platform_kvm/guest/trap_frame.h"

namespace sentry {

class Task;

// `frame` is the task's user state; on return it holds what ring 3 resumes
// with (possibly a signal handler's entry). May not return (the task ends).
void PrepareReturnToUser(Task& task, platform::TrapFrame& frame);

}  // namespace sentry

#endif  // RINGFENCE_KERNEL_TASK_RETURN_TO_USER_H_
