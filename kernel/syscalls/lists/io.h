// Syscalls of the io family: I/O on file descriptors and the descriptor table.
// Entry format: see kernel/syscalls/syscall_list.h. Every row ends in a
// backslash; the blank line after the last one ends the list.
#ifndef RINGFENCE_KERNEL_SYSCALLS_LISTS_IO_H_
#define RINGFENCE_KERNEL_SYSCALLS_LISTS_IO_H_

#define SENTRY_SYSCALLS_IO(X)                                                           \
  X(0, read, "dBu", (int fd, UserAddress buffer, uint64_t count))                       \
  X(1, write, "dbu", (int fd, UserAddress buffer, uint64_t count))                      \
  X(3, close, "d", (int fd))                                                            \
  X(5, fstat, "dp", (int fd, UserAddress stat))                                         \
  X(8, lseek, "ddd", (int fd, int64_t offset, int whence))                              \
  X(16, ioctl, "dxx", (int fd, uint32_t request, uint64_t argument))                    \
  X(17, pread64, "dBud", (int fd, UserAddress buffer, uint64_t count, int64_t offset))  \
  X(18, pwrite64, "dbud", (int fd, UserAddress buffer, uint64_t count, int64_t offset)) \
  X(19, readv, "dpd", (int fd, UserAddress iov, int iov_count))                         \
  X(20, writev, "dpd", (int fd, UserAddress iov, int iov_count))                        \
  X(32, dup, "d", (int fd))                                                             \
  X(33, dup2, "dd", (int fd, int new_fd))                                               \
  X(40, sendfile, "ddpu", (int out_fd, int in_fd, UserAddress offset, uint64_t count))  \
  X(72, fcntl, "ddx", (int fd, int command, uint64_t argument))                         \
  X(74, fsync, "d", (int fd))                                                           \
  X(75, fdatasync, "d", (int fd))                                                       \
  X(162, sync, "", ())                                                                  \
  X(292, dup3, "ddx", (int fd, int new_fd, int flags))                                  \
  X(295, preadv, "dpddd", (int fd, UserAddress iov, int iov_count, int64_t offset,      \
      int64_t offset_high))                                                             \
  X(296, pwritev, "dpddd", (int fd, UserAddress iov, int iov_count, int64_t offset,     \
      int64_t offset_high))                                                             \
  X(306, syncfs, "d", (int fd))                                                         \
  X(326, copy_file_range, "dpdpux", (int in_fd, UserAddress in_offset, int out_fd,      \
      UserAddress out_offset, uint64_t length, uint32_t flags))                         \
  X(327, preadv2, "dpdddx", (int fd, UserAddress iov, int iov_count, int64_t offset,    \
      int64_t offset_high, int flags))                                                  \
  X(328, pwritev2, "dpdddx", (int fd, UserAddress iov, int iov_count, int64_t offset,   \
      int64_t offset_high, int flags))                                                  \

#endif  // RINGFENCE_KERNEL_SYSCALLS_LISTS_IO_H_
