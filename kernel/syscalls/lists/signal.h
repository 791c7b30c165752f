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

#endif  // RINGFENCE_KERNEL_SYSCALLS_LISTS_SIGNAL_H_
