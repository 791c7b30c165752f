// Syscalls of the system family: system information, resource limits and randomness.
// Entry format: see kernel/syscalls/syscall_list.h. Every row ends in a
// backslash; the blank line after the last one ends the list.
#ifndef RINGFENCE_KERNEL_SYSCALLS_LISTS_SYSTEM_H_
#define RINGFENCE_KERNEL_SYSCALLS_LISTS_SYSTEM_H_

#define SENTRY_SYSCALLS_SYSTEM(X)                                                       \
  X(63, uname, "p", (UserAddress name))                                                 \
  X(97, getrlimit, "dp", (int resource, UserAddress limit))                             \
  X(99, sysinfo, "p", (UserAddress info))                                               \
  X(160, setrlimit, "dp", (int resource, UserAddress limit))                            \
  X(302, prlimit64, "ddpp",                                                             \
    (int pid, int resource, UserAddress new_limit, UserAddress old_limit))              \
  X(318, getrandom, "pux", (UserAddress buffer, uint64_t length, uint32_t flags))       \

#endif  // RINGFENCE_KERNEL_SYSCALLS_LISTS_SYSTEM_H_
