// The one list of system calls the Sentry implements. From it come the
// handler declarations (handlers.h), the dispatch table with argument
// narrowing (syscall_table.cc) and the --strace names and formats.
//
// X(number, name, strace format, (typed parameters))
// Format letters, one per argument: d signed, u unsigned, x hex, p pointer,
// s C string, b input buffer (length is the next argument), B output buffer
// (length is the result).
#ifndef RINGFENCE_KERNEL_SYSCALLS_SYSCALL_LIST_H_
#define RINGFENCE_KERNEL_SYSCALLS_SYSCALL_LIST_H_

#define SENTRY_SYSCALLS(X)                                                              \
  X(0, read, "dBu", (int fd, UserAddress buffer, uint64_t count))                      \
  X(1, write, "dbu", (int fd, UserAddress buffer, uint64_t count))                     \
  X(3, close, "d", (int fd))                                                            \
  X(5, fstat, "dp", (int fd, UserAddress stat))                                         \
  X(9, mmap, "xxxxdx",                                                                  \
    (uint64_t address, uint64_t length, int prot, int flags, int fd, uint64_t offset))  \
  X(10, mprotect, "xxx", (uint64_t address, uint64_t length, int prot))                 \
  X(11, munmap, "xx", (uint64_t address, uint64_t length))                              \
  X(12, brk, "x", (uint64_t address))                                                   \
  X(13, rt_sigaction, "dppu",                                                           \
    (int signal, UserAddress action, UserAddress old_action, uint64_t set_size))        \
  X(14, rt_sigprocmask, "dppu",                                                         \
    (int how, UserAddress set, UserAddress old_set, uint64_t set_size))                 \
  X(15, rt_sigreturn, "", ())                                                           \
  X(16, ioctl, "dxx", (int fd, uint32_t request, uint64_t argument))                    \
  X(17, pread64, "dBud", (int fd, UserAddress buffer, uint64_t count, int64_t offset)) \
  X(18, pwrite64, "dbud", (int fd, UserAddress buffer, uint64_t count, int64_t offset)) \
  X(19, readv, "dpd", (int fd, UserAddress iov, int iov_count))                         \
  X(20, writev, "dpd", (int fd, UserAddress iov, int iov_count))                        \
  X(24, sched_yield, "", ())                                                            \
  X(25, mremap, "xxxxx",                                                                \
    (uint64_t old_address, uint64_t old_length, uint64_t new_length, int flags,         \
     uint64_t new_address))                                                             \
  X(32, dup, "d", (int fd))                                                             \
  X(33, dup2, "dd", (int fd, int new_fd))                                               \
  X(39, getpid, "", ())                                                                 \
  X(60, exit, "d", (int status))                                                        \
  X(63, uname, "p", (UserAddress name))                                                 \
  X(72, fcntl, "ddx", (int fd, int command, uint64_t argument))                         \
  X(96, gettimeofday, "pp", (UserAddress time_value, UserAddress time_zone))            \
  X(97, getrlimit, "dp", (int resource, UserAddress limit))                             \
  X(102, getuid, "", ())                                                                \
  X(104, getgid, "", ())                                                                \
  X(107, geteuid, "", ())                                                               \
  X(108, getegid, "", ())                                                               \
  X(110, getppid, "", ())                                                               \
  X(131, sigaltstack, "pp", (UserAddress stack, UserAddress old_stack))                 \
  X(158, arch_prctl, "dx", (int code, uint64_t address))                                \
  X(160, setrlimit, "dp", (int resource, UserAddress limit))                            \
  X(186, gettid, "", ())                                                                \
  X(201, time, "p", (UserAddress result))                                               \
  X(218, set_tid_address, "x", (uint64_t address))                                      \
  X(228, clock_gettime, "dp", (int clock, UserAddress time))                            \
  X(229, clock_getres, "dp", (int clock, UserAddress resolution))                       \
  X(231, exit_group, "d", (int status))                                                 \
  X(262, newfstatat, "dspx", (int dir_fd, UserAddress path, UserAddress stat, int flags)) \
  X(273, set_robust_list, "xu", (uint64_t head, uint64_t length))                       \
  X(292, dup3, "ddx", (int fd, int new_fd, int flags))                                  \
  X(302, prlimit64, "ddpp",                                                             \
    (int pid, int resource, UserAddress new_limit, UserAddress old_limit))              \
  X(318, getrandom, "pux", (UserAddress buffer, uint64_t length, uint32_t flags))

#endif  // RINGFENCE_KERNEL_SYSCALLS_SYSCALL_LIST_H_
