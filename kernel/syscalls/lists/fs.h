// Syscalls of the fs family: paths, file metadata and directories.
// Entry format: see kernel/syscalls/syscall_list.h. Every row ends in a
// backslash; the blank line after the last one ends the list.
#ifndef RINGFENCE_KERNEL_SYSCALLS_LISTS_FS_H_
#define RINGFENCE_KERNEL_SYSCALLS_LISTS_FS_H_

#define SENTRY_SYSCALLS_FS(X)                                                              \
  X(2, open, "sxx", (UserAddress path, int flags, uint32_t mode))                          \
  X(4, stat, "sp", (UserAddress path, UserAddress stat))                                   \
  X(6, lstat, "sp", (UserAddress path, UserAddress stat))                                  \
  X(21, access, "sx", (UserAddress path, uint32_t mode))                                   \
  X(78, getdents, "dpu", (int fd, UserAddress buffer, uint32_t count))                     \
  X(79, getcwd, "pu", (UserAddress buffer, uint64_t size))                                 \
  X(80, chdir, "s", (UserAddress path))                                                    \
  X(81, fchdir, "d", (int fd))                                                             \
  X(82, rename, "ss", (UserAddress old_path, UserAddress new_path))                        \
  X(83, mkdir, "sx", (UserAddress path, uint32_t mode))                                    \
  X(84, rmdir, "s", (UserAddress path))                                                    \
  X(85, creat, "sx", (UserAddress path, uint32_t mode))                                    \
  X(86, link, "ss", (UserAddress old_path, UserAddress new_path))                          \
  X(87, unlink, "s", (UserAddress path))                                                   \
  X(88, symlink, "ss", (UserAddress target, UserAddress path))                             \
  X(89, readlink, "spd", (UserAddress path, UserAddress buffer, int size))                 \
  X(95, umask, "x", (uint32_t mask))                                                       \
  X(133, mknod, "sxx", (UserAddress path, uint32_t mode, uint32_t device))                 \
  X(161, chroot, "s", (UserAddress path))                                                  \
  X(217, getdents64, "dpu", (int fd, UserAddress buffer, uint32_t count))                  \
  X(257, openat, "dsxx", (int dir_fd, UserAddress path, int flags, uint32_t mode))         \
  X(258, mkdirat, "dsx", (int dir_fd, UserAddress path, uint32_t mode))                    \
  X(259, mknodat, "dsxx", (int dir_fd, UserAddress path, uint32_t mode, uint32_t device))  \
  X(262, newfstatat, "dspx", (int dir_fd, UserAddress path, UserAddress stat, int flags))  \
  X(263, unlinkat, "dsx", (int dir_fd, UserAddress path, int flags))                       \
  X(264, renameat, "dsds", (int old_dir_fd, UserAddress old_path, int new_dir_fd,          \
      UserAddress new_path))                                                               \
  X(265, linkat, "dsdsx", (int old_dir_fd, UserAddress old_path, int new_dir_fd,           \
      UserAddress new_path, int flags))                                                    \
  X(266, symlinkat, "sds", (UserAddress target, int dir_fd, UserAddress path))             \
  X(267, readlinkat, "dspd", (int dir_fd, UserAddress path, UserAddress buffer, int size)) \
  X(269, faccessat, "dsx", (int dir_fd, UserAddress path, uint32_t mode))                  \
  X(316, renameat2, "dsdsx", (int old_dir_fd, UserAddress old_path, int new_dir_fd,        \
      UserAddress new_path, uint32_t flags))                                               \
  X(332, statx, "dsxxp", (int dir_fd, UserAddress path, int flags, uint32_t mask,          \
      UserAddress buffer))                                                                 \
  X(439, faccessat2, "dsxx", (int dir_fd, UserAddress path, uint32_t mode, int flags))     \

#endif  // RINGFENCE_KERNEL_SYSCALLS_LISTS_FS_H_
