// What the two-thread hand-over benchmarks (thread_pingpong, pipe_pingpong)
// share: a monotonic clock in ns and pinning to CPU 0, so that every
// hand-over is a context switch on one CPU natively and in the sandbox.
#ifndef RINGFENCE_BENCHMARKS_PINGPONG_UTIL_H_
#define RINGFENCE_BENCHMARKS_PINGPONG_UTIL_H_

#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static inline double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static inline void pin_to_cpu0(void) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(0, &set);
  syscall(SYS_sched_setaffinity, 0, sizeof(set), &set);
}

#endif  // RINGFENCE_BENCHMARKS_PINGPONG_UTIL_H_
