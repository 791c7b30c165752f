// Process groups and sessions (setpgid, setsid, and the lookups kill(0) and
// kill(-pgrp) need). A process's ids live in Process::pgid / sid; a group or
// session exists while a process (zombies included) carries its id.
#ifndef RINGFENCE_KERNEL_TASK_PROCESS_GROUP_H_
#define RINGFENCE_KERNEL_TASK_PROCESS_GROUP_H_

#include <cstdint>

#include "kernel/ktl/function_ref.h"
#include "kernel/ktl/result.h"

namespace sentry {

class Process;

// setpgid(2) from the calling process, Linux's rules: pid 0 is the caller,
// pgid 0 is `pid`. EINVAL (pgid < 0), ESRCH (not the caller or its child),
// EPERM (a session leader, another session, or no such group in the
// caller's session), EACCES (a child that has exec'd).
ktl::Result<void> SetProcessGroup(int32_t pid, int32_t pgid);

// setsid(2): the caller leads a new session and group; returns its id.
// EPERM if a process group with the caller's pid exists.
ktl::Result<int32_t> CreateSession();

// getpgid(2) / getsid(2): pid 0 is the caller; ESRCH.
ktl::Result<int32_t> ProcessGroupOf(int32_t pid);
ktl::Result<int32_t> SessionOf(int32_t pid);

// Calls `visit` with each process (zombies too) in group `pgid`, in pid
// order. `visit` must not create or reap processes.
void ForEachProcessInGroup(int32_t pgid, ktl::FunctionRef<void(Process&)> visit);

}  // namespace sentry

#endif  // RINGFENCE_KERNEL_TASK_PROCESS_GROUP_H_
