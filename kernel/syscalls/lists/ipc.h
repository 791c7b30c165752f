// Syscalls of the ipc family: pipes, readiness waits (poll, select, epoll),
// eventfd and timerfd.
// Entry format: see kernel/syscalls/syscall_list.h. Every row ends in a
// backslash; the blank line after the last one ends the list.
#ifndef RINGFENCE_KERNEL_SYSCALLS_LISTS_IPC_H_
#define RINGFENCE_KERNEL_SYSCALLS_LISTS_IPC_H_

#define SENTRY_SYSCALLS_IPC(X)                                                          \
  X(7, poll, "pud", (UserAddress fds, uint32_t count, int timeout_ms))                  \
  X(22, pipe, "p", (UserAddress fds))                                                   \
  X(23, select, "dpppp", (int count, UserAddress read_set, UserAddress write_set,       \
      UserAddress except_set, UserAddress timeout))                                     \
  X(213, epoll_create, "d", (int size))                                                 \
  X(232, epoll_wait, "dpdd", (int epoll_fd, UserAddress events, int max_events,         \
      int timeout_ms))                                                                  \
  X(233, epoll_ctl, "dddp", (int epoll_fd, int op, int fd, UserAddress event))          \
  X(270, pselect6, "dppppp", (int count, UserAddress read_set, UserAddress write_set,   \
      UserAddress except_set, UserAddress timeout, UserAddress signal_mask))            \
  X(271, ppoll, "puppu", (UserAddress fds, uint32_t count, UserAddress timeout,         \
      UserAddress signal_mask, uint64_t mask_size))                                     \
  X(281, epoll_pwait, "dpddpu", (int epoll_fd, UserAddress events, int max_events,      \
      int timeout_ms, UserAddress signal_mask, uint64_t mask_size))                     \
  X(283, timerfd_create, "dx", (int clock, int flags))                                  \
  X(284, eventfd, "u", (uint32_t initial))                                              \
  X(286, timerfd_settime, "dxpp", (int fd, int flags, UserAddress new_value,            \
      UserAddress old_value))                                                           \
  X(287, timerfd_gettime, "dp", (int fd, UserAddress current))                          \
  X(290, eventfd2, "ux", (uint32_t initial, int flags))                                 \
  X(291, epoll_create1, "x", (int flags))                                               \
  X(293, pipe2, "px", (UserAddress fds, int flags))                                     \
  X(441, epoll_pwait2, "dpdppu", (int epoll_fd, UserAddress events, int max_events,     \
      UserAddress timeout, UserAddress signal_mask, uint64_t mask_size))                \

#endif  // RINGFENCE_KERNEL_SYSCALLS_LISTS_IPC_H_
