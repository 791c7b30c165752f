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
// A syscall the Sentry does not implement, shown as strace does: syscall_N.
void TraceUnimplemented(uint64_t number, const uint64_t* args);

}  // namespace sentry::syscalls

#endif  // RINGFENCE_KERNEL_SYSCALLS_STRACE_H_
