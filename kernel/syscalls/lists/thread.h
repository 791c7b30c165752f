// Syscalls of the thread family: thread creation, futexes, scheduling.
// Entry format: see kernel/syscalls/syscall_list.h. Every row ends in a
// backslash; the blank line after the last one ends the list.
#ifndef RINGFENCE_KERNEL_SYSCALLS_LISTS_THREAD_H_
#define RINGFENCE_KERNEL_SYSCALLS_LISTS_THREAD_H_

#define SENTRY_SYSCALLS_THREAD(X)                                                       \
  X(56, clone, "xxppx",                                                                 \
    (uint64_t flags, uint64_t stack, UserAddress parent_tid, UserAddress child_tid,     \
     uint64_t tls))                                                                     \
  X(202, futex, "pdxxpx",                                                               \
    (UserAddress address, int op, uint32_t value, uint64_t timeout_or_value2,           \
     UserAddress address2, uint32_t value3))                                            \
  X(203, sched_setaffinity, "dup", (int pid, uint64_t length, UserAddress mask))        \
  X(204, sched_getaffinity, "dup", (int pid, uint64_t length, UserAddress mask))        \
  X(309, getcpu, "ppp", (UserAddress cpu, UserAddress node, UserAddress cache))         \
  X(334, rseq, "puxx",                                                                  \
    (UserAddress area, uint32_t length, int flags, uint32_t signature))                 \
  X(435, clone3, "pu", (UserAddress args, uint64_t size))                               \

#endif  // RINGFENCE_KERNEL_SYSCALLS_LISTS_THREAD_H_
