// Syscalls of the process family: process and thread identity, life and exit.
// Entry format: see kernel/syscalls/syscall_list.h. Every row ends in a
// backslash; the blank line after the last one ends the list.
#ifndef RINGFENCE_KERNEL_SYSCALLS_LISTS_PROCESS_H_
#define RINGFENCE_KERNEL_SYSCALLS_LISTS_PROCESS_H_

#define SENTRY_SYSCALLS_PROCESS(X)                                                      \
  X(24, sched_yield, "", ())                                                            \
  X(39, getpid, "", ())                                                                 \
  X(57, fork, "", ())                                                                   \
  X(58, vfork, "", ())                                                                  \
  X(60, exit, "d", (int status))                                                        \
  X(61, wait4, "dpxp", (int pid, UserAddress status, int options, UserAddress usage))   \
  X(98, getrusage, "dp", (int who, UserAddress usage))                                  \
  X(100, times, "p", (UserAddress buffer))                                              \
  X(102, getuid, "", ())                                                                \
  X(104, getgid, "", ())                                                                \
  X(105, setuid, "u", (uint32_t uid))                                                   \
  X(106, setgid, "u", (uint32_t gid))                                                   \
  X(107, geteuid, "", ())                                                               \
  X(108, getegid, "", ())                                                               \
  X(109, setpgid, "dd", (int pid, int pgid))                                            \
  X(110, getppid, "", ())                                                               \
  X(111, getpgrp, "", ())                                                               \
  X(112, setsid, "", ())                                                                \
  X(113, setreuid, "uu", (uint32_t real, uint32_t effective))                           \
  X(114, setregid, "uu", (uint32_t real, uint32_t effective))                           \
  X(115, getgroups, "dp", (int size, UserAddress list))                                 \
  X(116, setgroups, "dp", (int size, UserAddress list))                                 \
  X(117, setresuid, "uuu", (uint32_t real, uint32_t effective, uint32_t saved))         \
  X(118, getresuid, "ppp", (UserAddress real, UserAddress effective, UserAddress saved)) \
  X(119, setresgid, "uuu", (uint32_t real, uint32_t effective, uint32_t saved))         \
  X(120, getresgid, "ppp", (UserAddress real, UserAddress effective, UserAddress saved)) \
  X(121, getpgid, "d", (int pid))                                                       \
  X(124, getsid, "d", (int pid))                                                        \
  X(157, prctl, "dxxxx",                                                                \
    (int option, uint64_t arg2, uint64_t arg3, uint64_t arg4, uint64_t arg5))           \
  X(158, arch_prctl, "dx", (int code, uint64_t address))                                \
  X(186, gettid, "", ())                                                                \
  X(218, set_tid_address, "x", (uint64_t address))                                      \
  X(231, exit_group, "d", (int status))                                                 \
  X(247, waitid, "ddpxp",                                                               \
    (int id_type, int id, UserAddress info, int options, UserAddress usage))            \
  X(273, set_robust_list, "xu", (uint64_t head, uint64_t length))                       \

#endif  // RINGFENCE_KERNEL_SYSCALLS_LISTS_PROCESS_H_
