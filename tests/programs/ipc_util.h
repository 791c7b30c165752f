// Helpers shared by the ipc_*.c test programs.
#ifndef RINGFENCE_TESTS_PROGRAMS_IPC_UTIL_H_
#define RINGFENCE_TESTS_PROGRAMS_IPC_UTIL_H_

#include "check.h"

#include <stdint.h>
#include <time.h>

static inline int64_t ipc_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline void ipc_sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

// Raw pipe2: glibc's pipe() may not be what the kernel got.
static inline int ipc_pipe2(int fds[2], int flags) {
  return (int)syscall(SYS_pipe2, fds, flags);
}

// Writes all of `buffer` (a blocking fd), failing the check on errors.
static inline void ipc_write_all(int fd, const void *buffer, size_t length, const char *name) {
  const char *p = buffer;
  while (length > 0) {
    ssize_t n = write(fd, p, length);
    if (n <= 0) check_fail(name, "write returned %zd errno %d", n, errno);
    p += n;
    length -= (size_t)n;
  }
}

#endif  // RINGFENCE_TESTS_PROGRAMS_IPC_UTIL_H_
