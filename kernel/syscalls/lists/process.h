// Syscalls of the process family: process and thread identity, life and exit.
// Entry format: see kernel/syscalls/syscall_list.h. Every row ends in a
// backslash; the blank line after the last one ends the list.
#ifndef RINGFENCE_KERNEL_SYSCALLS_LISTS_PROCESS_H_
#define RINGFENCE_KERNEL_SYSCALLS_LISTS_PROCESS_H_

#define SENTRY_SYSCALLS_PROCESS(X)                                                      \
  X(24, sched_yield, "", ())                                                            \
  X(39, getpid, "", ())                                                                 \
  X(60, exit, "d", (int status))                                                        \
  X(102, getuid, "", ())                                                                \
  X(104, getgid, "", ())                                                                \
  X(107, geteuid, "", ())                                                               \
  X(108, getegid, "", ())                                                               \
  X(110, getppid, "", ())                                                               \
  X(158, arch_prctl, "dx", (int code, uint64_t address))                                \
  X(186, gettid, "", ())                                                                \
  X(218, set_tid_address, "x", (uint64_t address))                                      \
  X(231, exit_group, "d", (int status))                                                 \
  X(273, set_robust_list, "xu", (uint64_t head, uint64_t length))                       \

#endif  // RINGFENCE_KERNEL_SYSCALLS_LISTS_PROCESS_H_
