// New processes: fork, vfork, and clone without CLONE_THREAD.
#ifndef RINGFENCE_KERNEL_TASK_FORK_H_
#define RINGFENCE_KERNEL_TASK_FORK_H_

#include <cstdint>

#include "kernel/ktl/result.h"
#include "kernel/task/thread_life.h"
#include "platform_kvm/guest/trap_frame.h"

namespace sentry {

class Process;

// A child process of the caller (or, with CLONE_PARENT, of the caller's
// parent) whose first thread resumes `parent`'s registers with rax = 0. Its
// memory is a copy-on-write copy (or, with CLONE_VM, the same address
// space); its fd table and fs context are copies (or, with CLONE_FILES /
// CLONE_FS, shared). With CLONE_VFORK the caller sleeps until the child
// execs or exits. Returns the child's pid. Flags are checked by Clone.
ktl::Result<int64_t> CloneProcess(const CloneRequest& request, const platform::TrapFrame& parent);

// `child` no longer uses its vfork parent's memory (it exec'd or exited):
// the parent's vfork returns. No effect if it was not vforked.
void EndVfork(Process& child);

}  // namespace sentry

#endif  // RINGFENCE_KERNEL_TASK_FORK_H_
