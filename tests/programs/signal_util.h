// Helpers shared by the signal_* test programs.
#ifndef RINGFENCE_TESTS_PROGRAMS_SIGNAL_UTIL_H_
#define RINGFENCE_TESTS_PROGRAMS_SIGNAL_UTIL_H_

#include "check.h"

#include <signal.h>
#include <stdint.h>
#include <time.h>

static inline int64_t clock_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

// A POSIX timer that sends SIGCONT once, `ms` after arming: how a process
// that stops itself gets continued without a second process.
static inline timer_t make_sigcont_timer(void) {
  struct sigevent event;
  memset(&event, 0, sizeof event);
  event.sigev_notify = SIGEV_SIGNAL;
  event.sigev_signo = SIGCONT;
  timer_t timer;
  if (timer_create(CLOCK_MONOTONIC, &event, &timer) != 0) {
    check_fail("timer_create", "errno %d", errno);
  }
  return timer;
}

static inline void arm_once_ms(timer_t timer, int ms) {
  struct itimerspec spec = {{0, 0}, {ms / 1000, (long)(ms % 1000) * 1000000}};
  if (timer_settime(timer, 0, &spec, NULL) != 0) check_fail("timer_settime", "errno %d", errno);
}

#endif  // RINGFENCE_TESTS_PROGRAMS_SIGNAL_UTIL_H_
