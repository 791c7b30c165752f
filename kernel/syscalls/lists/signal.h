// Syscalls of the signal family: signal actions, masks and frames.
// Entry format: see kernel/syscalls/syscall_list.h. Every row ends in a
// backslash; the blank line after the last one ends the list.
#ifndef RINGFENCE_KERNEL_SYSCALLS_LISTS_SIGNAL_H_
#define RINGFENCE_KERNEL_SYSCALLS_LISTS_SIGNAL_H_

#define SENTRY_SYSCALLS_SIGNAL(X)                                                       \
  X(13, rt_sigaction, "dppu",                                                           \
    (int signal, UserAddress action, UserAddress old_action, uint64_t set_size))        \
  X(14, rt_sigprocmask, "dppu",                                                         \
    (int how, UserAddress set, UserAddress old_set, uint64_t set_size))                 \
  X(15, rt_sigreturn, "", ())                                                           \
  X(131, sigaltstack, "pp", (UserAddress stack, UserAddress old_stack))                 \
  X(34, pause, "", ())                                                                  \
  X(62, kill, "dd", (int pid, int signal))                                              \
  X(127, rt_sigpending, "pu", (UserAddress set, uint64_t set_size))                     \
  X(128, rt_sigtimedwait, "pppu",                                                       \
    (UserAddress set, UserAddress info_address, UserAddress timeout, uint64_t set_size)) \
  X(129, rt_sigqueueinfo, "ddp", (int tgid, int signal, UserAddress info_address))      \
  X(130, rt_sigsuspend, "pu", (UserAddress set, uint64_t set_size))                     \
  X(200, tkill, "dd", (int tid, int signal))                                            \
  X(219, restart_syscall, "", ())                                                       \
  X(234, tgkill, "ddd", (int tgid, int tid, int signal))                                \
  X(282, signalfd, "dpu", (int fd, UserAddress mask_address, uint64_t mask_size))       \
  X(289, signalfd4, "dpux",                                                             \
    (int fd, UserAddress mask_address, uint64_t mask_size, int flags))                  \
  X(297, rt_tgsigqueueinfo, "dddp",                                                     \
    (int tgid, int tid, int signal, UserAddress info_address))                          \

#endif  // RINGFENCE_KERNEL_SYSCALLS_LISTS_SIGNAL_H_
