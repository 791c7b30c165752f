// The live processes by pid: what /proc lists and kill(2)/wait(2) will
// look up. The first process registers at boot; fork and exit will
// register and unregister the rest.
//
// Lifetime: the registry holds no references. A process unregisters
// before it is destroyed, and callers use what Find returns only while the
// process cannot exit under them (today: always, as there is one process
// and it never exits while a syscall runs).
#ifndef RINGFENCE_KERNEL_TASK_PROCESS_REGISTRY_H_
#define RINGFENCE_KERNEL_TASK_PROCESS_REGISTRY_H_

#include <cstddef>
#include <cstdint>

#include "kernel/ktl/function_ref.h"
#include "kernel/ktl/result.h"

namespace sentry {

class Process;

// EEXIST if `pid` is taken, ENOMEM.
ktl::Result<void> RegisterProcess(int32_t pid, Process* process);
void UnregisterProcess(int32_t pid);
// The process with `pid`, or null.
Process* FindProcess(int32_t pid);
// Calls `visit` with each live pid in increasing order until it returns
// false. `visit` must not register or unregister processes.
void ForEachProcess(ktl::FunctionRef<bool(int32_t pid, Process* process)> visit);
size_t ProcessCount();

}  // namespace sentry

#endif  // RINGFENCE_KERNEL_TASK_PROCESS_REGISTRY_H_
