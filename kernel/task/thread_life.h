// Threads: creating one (clone/clone3 with the flags pthread_create uses)
// and ending one (exit vs exit_group).
#ifndef RINGFENCE_KERNEL_TASK_THREAD_LIFE_H_
#define RINGFENCE_KERNEL_TASK_THREAD_LIFE_H_

#include <cstdint>

#include "kernel/ktl/result.h"
#include "platform_kvm/guest/trap_frame.h"

namespace sentry {

class Task;

// What clone(2) and clone3(2) ask for, once decoded.
struct CloneRequest {
  uint64_t flags = 0;
  uint64_t stack = 0;       // the child's rsp; 0 keeps the parent's
  uint64_t parent_tid = 0;  // CLONE_PARENT_SETTID
  uint64_t child_tid = 0;   // CLONE_CHILD_SETTID / CLONE_CHILD_CLEARTID
  uint64_t tls = 0;         // CLONE_SETTLS: the child's FS base
};

// Starts a thread in the caller's process whose user registers are
// `parent`'s with rax = 0. Returns its tid. Only threads are supported:
// EINVAL for flag combinations Linux rejects, ENOSYS for a new process
// (fork, vfork) or any flag beyond those of pthread_create.
ktl::Result<int64_t> CloneThread(const CloneRequest& request, const platform::TrapFrame& parent);

// exit(2): ends the calling thread (robust futexes released, the
// CLONE_CHILD_CLEARTID word zeroed and woken); the last thread ends the
// process with its own status (as Linux reports it to wait).
[[noreturn]] void ExitThread(int status);

// The live thread `tid` of the sandbox, or null.
Task* FindThread(int32_t tid);

}  // namespace sentry

#endif  // RINGFENCE_KERNEL_TASK_THREAD_LIFE_H_
