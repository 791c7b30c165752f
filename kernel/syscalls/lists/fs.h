// Syscalls of the fs family: paths, file metadata and directories.
// Entry format: see kernel/syscalls/syscall_list.h. Every row ends in a
// backslash; the blank line after the last one ends the list.
#ifndef RINGFENCE_KERNEL_SYSCALLS_LISTS_FS_H_
#define RINGFENCE_KERNEL_SYSCALLS_LISTS_FS_H_

#define SENTRY_SYSCALLS_FS(X)                                                              \
  X(2, open, "sxo", (UserAddress path, int flags, uint32_t mode))                          \
  X(4, stat, "sp", (UserAddress path, UserAddress stat))                                   \
  X(6, lstat, "sp", (UserAddress path, UserAddress stat))                                  \
  X(21, access, "sx", (UserAddress path, uint32_t mode))                                   \
  X(73, flock, "dx", (int fd, int operation))                                              \
  X(76, truncate, "sd", (UserAddress path, int64_t length))                                \
  X(77, ftruncate, "dd", (int fd, int64_t length))                                         \
  X(78, getdents, "dpu", (int fd, UserAddress buffer, uint32_t count))                     \
  X(79, getcwd, "pu", (UserAddress buffer, uint64_t size))                                 \
  X(80, chdir, "s", (UserAddress path))                                                    \
  X(81, fchdir, "d", (int fd))                                                             \
  X(82, rename, "ss", (UserAddress old_path, UserAddress new_path))                        \
  X(83, mkdir, "so", (UserAddress path, uint32_t mode))                                    \
  X(84, rmdir, "s", (UserAddress path))                                                    \
  X(85, creat, "so", (UserAddress path, uint32_t mode))                                    \
  X(86, link, "ss", (UserAddress old_path, UserAddress new_path))                          \
  X(87, unlink, "s", (UserAddress path))                                                   \
  X(88, symlink, "ss", (UserAddress target, UserAddress path))                             \
  X(89, readlink, "spd", (UserAddress path, UserAddress buffer, int size))                 \
  X(90, chmod, "so", (UserAddress path, uint32_t mode))                                    \
  X(91, fchmod, "do", (int fd, uint32_t mode))                                             \
  X(92, chown, "sdd", (UserAddress path, uint32_t uid, uint32_t gid))                      \
  X(93, fchown, "ddd", (int fd, uint32_t uid, uint32_t gid))                               \
  X(94, lchown, "sdd", (UserAddress path, uint32_t uid, uint32_t gid))                     \
  X(95, umask, "x", (uint32_t mask))                                                       \
  X(132, utime, "sp", (UserAddress path, UserAddress times))                               \
  X(133, mknod, "sox", (UserAddress path, uint32_t mode, uint32_t device))                 \
  X(137, statfs, "sp", (UserAddress path, UserAddress buffer))                             \
  X(138, fstatfs, "dp", (int fd, UserAddress buffer))                                      \
  X(161, chroot, "s", (UserAddress path))                                                  \
  X(188, setxattr, "sspux", (UserAddress path, UserAddress name, UserAddress value,        \
      uint64_t size, int flags))                                                           \
  X(189, lsetxattr, "sspux", (UserAddress path, UserAddress name, UserAddress value,       \
      uint64_t size, int flags))                                                           \
  X(190, fsetxattr, "dspux", (int fd, UserAddress name, UserAddress value, uint64_t size,  \
      int flags))                                                                          \
  X(191, getxattr, "sspu", (UserAddress path, UserAddress name, UserAddress value,         \
      uint64_t size))                                                                      \
  X(192, lgetxattr, "sspu", (UserAddress path, UserAddress name, UserAddress value,        \
      uint64_t size))                                                                      \
  X(193, fgetxattr, "dspu", (int fd, UserAddress name, UserAddress value, uint64_t size))  \
  X(194, listxattr, "spu", (UserAddress path, UserAddress list, uint64_t size))            \
  X(195, llistxattr, "spu", (UserAddress path, UserAddress list, uint64_t size))           \
  X(196, flistxattr, "dpu", (int fd, UserAddress list, uint64_t size))                     \
  X(197, removexattr, "ss", (UserAddress path, UserAddress name))                          \
  X(198, lremovexattr, "ss", (UserAddress path, UserAddress name))                         \
  X(199, fremovexattr, "ds", (int fd, UserAddress name))                                   \
  X(217, getdents64, "dpu", (int fd, UserAddress buffer, uint32_t count))                  \
  X(235, utimes, "sp", (UserAddress path, UserAddress times))                              \
  X(257, openat, "asxo", (int dir_fd, UserAddress path, int flags, uint32_t mode))         \
  X(258, mkdirat, "aso", (int dir_fd, UserAddress path, uint32_t mode))                    \
  X(259, mknodat, "asox", (int dir_fd, UserAddress path, uint32_t mode, uint32_t device))  \
  X(260, fchownat, "asddx", (int dir_fd, UserAddress path, uint32_t uid, uint32_t gid,     \
      int flags))                                                                          \
  X(261, futimesat, "asp", (int dir_fd, UserAddress path, UserAddress times))              \
  X(262, newfstatat, "aspx", (int dir_fd, UserAddress path, UserAddress stat, int flags))  \
  X(263, unlinkat, "asx", (int dir_fd, UserAddress path, int flags))                       \
  X(264, renameat, "asas", (int old_dir_fd, UserAddress old_path, int new_dir_fd,          \
      UserAddress new_path))                                                               \
  X(265, linkat, "asasx", (int old_dir_fd, UserAddress old_path, int new_dir_fd,           \
      UserAddress new_path, int flags))                                                    \
  X(266, symlinkat, "sas", (UserAddress target, int dir_fd, UserAddress path))             \
  X(267, readlinkat, "aspd", (int dir_fd, UserAddress path, UserAddress buffer, int size)) \
  X(268, fchmodat, "aso", (int dir_fd, UserAddress path, uint32_t mode))                   \
  X(269, faccessat, "asx", (int dir_fd, UserAddress path, uint32_t mode))                  \
  X(280, utimensat, "aspx", (int dir_fd, UserAddress path, UserAddress times, int flags))  \
  X(285, fallocate, "dxdd", (int fd, int mode, int64_t offset, int64_t length))            \
  X(316, renameat2, "asasx", (int old_dir_fd, UserAddress old_path, int new_dir_fd,        \
      UserAddress new_path, uint32_t flags))                                               \
  X(332, statx, "asxxp", (int dir_fd, UserAddress path, int flags, uint32_t mask,          \
      UserAddress buffer))                                                                 \
  X(439, faccessat2, "asxx", (int dir_fd, UserAddress path, uint32_t mode, int flags))     \

#endif  // RINGFENCE_KERNEL_SYSCALLS_LISTS_FS_H_
