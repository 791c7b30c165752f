// Threads and processes: creating one (clone/clone3) and ending a thread
// (exit vs exit_group: kernel/task/exit.h).
#ifndef RINGFENCE_KERNEL_TASK_THREAD_LIFE_H_
#define RINGFENCE_KERNEL_TASK_THREAD_LIFE_H_

#include <cstdint>

#include "kernel/ktl/result.h"
#include "platform_kvm/guest/trap_frame.h"

namespace sentry {

class Task;

// clone flags (linux/sched.h).
inline constexpr uint64_t kCloneVm = 0x100, kCloneFs = 0x200, kCloneFiles = 0x400,
                          kCloneSighand = 0x800, kClonePidfd = 0x1000, kClonePtrace = 0x2000,
                          kCloneVfork = 0x4000, kCloneParent = 0x8000, kCloneThread = 0x10000,
                          kCloneNewns = 0x20000, kCloneSysvsem = 0x40000, kCloneSettls = 0x80000,
                          kCloneParentSettid = 0x100000, kCloneChildCleartid = 0x200000,
                          kCloneDetached = 0x400000, kCloneUntraced = 0x800000,
                          kCloneChildSettid = 0x1000000, kCloneNewuser = 0x10000000,
                          kCloneIo = 0x80000000;

// What clone(2) and clone3(2) ask for, once decoded.
struct CloneRequest {
  uint64_t flags = 0;       // without the exit signal
  uint64_t stack = 0;       // the child's rsp; 0 keeps the parent's
  uint64_t parent_tid = 0;  // CLONE_PARENT_SETTID
  uint64_t child_tid = 0;   // CLONE_CHILD_SETTID / CLONE_CHILD_CLEARTID
  uint64_t tls = 0;         // CLONE_SETTLS: the child's FS base
  int exit_signal = 0;      // what a new process's parent gets when it exits
};

// Starts a thread (CLONE_THREAD) or a process whose user registers are
// `parent`'s with rax = 0. Returns its tid. EINVAL for what Linux rejects,
// EAGAIN over RLIMIT_NPROC, ENOSYS for what the Sentry cannot do (sharing
// signal handlers between processes, namespaces, pidfds).
ktl::Result<int64_t> Clone(const CloneRequest& request, const platform::TrapFrame& parent);

// A new task's starting state copied from the caller (`self`): registers
// (`frame` with rax = 0 and the requested stack), TLS, signal mask,
// affinity; CLONE_CHILD_CLEARTID recorded.
void InitChildTask(Task& child, Task& self, const CloneRequest& request,
                   const platform::TrapFrame& frame);

// exit(2): ends the calling thread (robust futexes released, the
// CLONE_CHILD_CLEARTID word zeroed and woken); the last thread ends the
// process with its own status (as Linux reports it to wait).
[[noreturn]] void ExitThread(int status);

// What a thread leaves behind for user space as it ends: its robust futexes
// released and its CLONE_CHILD_CLEARTID word cleared and woken.
void ReleaseThreadState(Task& task);

// The live thread `tid` of the sandbox, or null.
Task* FindThread(int32_t tid);

}  // namespace sentry

#endif  // RINGFENCE_KERNEL_TASK_THREAD_LIFE_H_
