// Syscalls of the fs family: paths, file metadata and directories.
// Entry format: see kernel/syscalls/syscall_list.h. Every row ends in a
// backslash; the blank line after the last one ends the list.
#ifndef RINGFENCE_KERNEL_SYSCALLS_LISTS_FS_H_
#define RINGFENCE_KERNEL_SYSCALLS_LISTS_FS_H_

#define SENTRY_SYSCALLS_FS(X)                                                           \
  X(262, newfstatat, "dspx", (int dir_fd, UserAddress path, UserAddress stat, int flags)) \

#endif  // RINGFENCE_KERNEL_SYSCALLS_LISTS_FS_H_
