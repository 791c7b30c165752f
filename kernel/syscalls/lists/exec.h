// Syscalls of the exec family: running a new program in the calling process.
// Entry format: see kernel/syscalls/syscall_list.h. Every row ends in a
// backslash; the blank line after the last one ends the list.
#ifndef RINGFENCE_KERNEL_SYSCALLS_LISTS_EXEC_H_
#define RINGFENCE_KERNEL_SYSCALLS_LISTS_EXEC_H_

#define SENTRY_SYSCALLS_EXEC(X)                                                         \
  X(59, execve, "spp", (UserAddress path, UserAddress argv, UserAddress envp))          \
  X(322, execveat, "asppx",                                                             \
    (int dir_fd, UserAddress path, UserAddress argv, UserAddress envp, int flags))      \

#endif  // RINGFENCE_KERNEL_SYSCALLS_LISTS_EXEC_H_
