// What the two-thread hand-over benchmarks (thread_pingpong, pipe_pingpong)
// share: a monotonic clock in ns and pinning to a CPU (CPU 0 for both makes
// every hand-over a context switch on one CPU natively and in the sandbox).
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

static inline int pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return (int)syscall(SYS_sched_setaffinity, 0, sizeof(set), &set);
}

static inline void pin_to_cpu0(void) { pin_to(0); }

#endif  // RINGFENCE_BENCHMARKS_PINGPONG_UTIL_H_
