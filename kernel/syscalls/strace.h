// --strace: one line per syscall on stderr, like strace(1).
#ifndef RINGFENCE_KERNEL_SYSCALLS_STRACE_H_
#define RINGFENCE_KERNEL_SYSCALLS_STRACE_H_

#include <cstdint>

#include "kernel/syscalls/syscall_table.h"

namespace sentry::syscalls {

// Called before the handler: prints syscalls that never return ("= ?").
void TraceEntry(const SyscallInfo& info, const uint64_t* args);
// Called after the handler with its result (value or -errno).
void TraceResult(const SyscallInfo& info, const uint64_t* args, int64_t result);

}  // namespace sentry::syscalls

#endif  // RINGFENCE_KERNEL_SYSCALLS_STRACE_H_
