// The one list of system calls the Sentry implements, gathered from one
// header per family in lists/ (a new syscall goes in its family's header).
// From it come the handler declarations (handlers.h), the dispatch table with
// argument narrowing (syscall_table.cc) and the --strace names and formats.
//
// X(number, name, strace format, (typed parameters))
// Format letters, one per argument: d signed, u unsigned, x hex, o octal
// (modes), a *at directory fd (AT_FDCWD or an int), p pointer, s C string,
// b input buffer (length is the next argument), B output buffer (length is
// the result).
#ifndef RINGFENCE_KERNEL_SYSCALLS_SYSCALL_LIST_H_
#define RINGFENCE_KERNEL_SYSCALLS_SYSCALL_LIST_H_

#include "kernel/syscalls/lists/exec.h"
#include "kernel/syscalls/lists/io.h"
#include "kernel/syscalls/lists/ipc.h"
#include "kernel/syscalls/lists/fs.h"
#include "kernel/syscalls/lists/memory.h"
#include "kernel/syscalls/lists/signal.h"
#include "kernel/syscalls/lists/process.h"
#include "kernel/syscalls/lists/thread.h"
#include "kernel/syscalls/lists/time.h"
#include "kernel/syscalls/lists/system.h"

#define SENTRY_SYSCALLS(X) \
  SENTRY_SYSCALLS_IO(X) \
  SENTRY_SYSCALLS_IPC(X) \
  SENTRY_SYSCALLS_FS(X) \
  SENTRY_SYSCALLS_MEMORY(X) \
  SENTRY_SYSCALLS_SIGNAL(X) \
  SENTRY_SYSCALLS_PROCESS(X) \
  SENTRY_SYSCALLS_EXEC(X) \
  SENTRY_SYSCALLS_THREAD(X) \
  SENTRY_SYSCALLS_TIME(X) \
  SENTRY_SYSCALLS_SYSTEM(X)

#endif  // RINGFENCE_KERNEL_SYSCALLS_SYSCALL_LIST_H_
