// Declarations of every syscall handler, generated from syscall_list.h.
// Handlers live in one file per family (sys_io.cc, sys_memory.cc, ...); each
// validates its arguments, calls the core, and copies results out.
#ifndef RINGFENCE_KERNEL_SYSCALLS_HANDLERS_H_
#define RINGFENCE_KERNEL_SYSCALLS_HANDLERS_H_

#include <cstdint>

#include "kernel/ktl/result.h"
#include "kernel/syscalls/syscall_list.h"
#include "kernel/syscalls/user_pointer.h"

namespace sentry::syscalls {

#define SENTRY_DECLARE_HANDLER(number, name, format, params) \
  ktl::Result<int64_t> sys_##name params;
SENTRY_SYSCALLS(SENTRY_DECLARE_HANDLER)
#undef SENTRY_DECLARE_HANDLER

}  // namespace sentry::syscalls

#endif  // RINGFENCE_KERNEL_SYSCALLS_HANDLERS_H_
