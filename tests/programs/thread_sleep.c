// thread_sleep: nanosleep and clock_nanosleep. Only lower bounds are
// checked (a loaded machine may oversleep, never undersleep).
#include "check.h"

#include <time.h>

static int64_t now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void check_relative(clockid_t clock, const char *name) {
  struct timespec req = {0, 25 * 1000 * 1000};
  int64_t before = now_ns(CLOCK_MONOTONIC);
  CHECK_EQ(syscall(SYS_clock_nanosleep, clock, 0, &req, NULL), 0, name);
  CHECK(now_ns(CLOCK_MONOTONIC) - before >= 25 * 1000 * 1000, name);
}

static void check_absolute(clockid_t clock, const char *name) {
  int64_t deadline = now_ns(clock) + 25 * 1000 * 1000;
  struct timespec req = {deadline / 1000000000, deadline % 1000000000};
  CHECK_EQ(syscall(SYS_clock_nanosleep, clock, TIMER_ABSTIME, &req, NULL), 0, name);
  CHECK(now_ns(clock) >= deadline, name);
}

int main(void) {
  struct timespec req = {0, 30 * 1000 * 1000}, rem = {77, 77};
  int64_t before = now_ns(CLOCK_MONOTONIC);
  CHECK_EQ(syscall(SYS_nanosleep, &req, &rem), 0, "nanosleep");
  CHECK(now_ns(CLOCK_MONOTONIC) - before >= 30 * 1000 * 1000, "nanosleep_not_early");
  CHECK(rem.tv_sec == 77 && rem.tv_nsec == 77, "nanosleep_rem_untouched");
  struct timespec zero = {0, 0};
  CHECK_EQ(syscall(SYS_nanosleep, &zero, NULL), 0, "nanosleep_zero");
  struct timespec bad = {0, 1000000000};
  CHECK_ERR(syscall(SYS_nanosleep, &bad, NULL), EINVAL, "nanosleep_bad_nsec");
  struct timespec negative = {-1, 0};
  CHECK_ERR(syscall(SYS_nanosleep, &negative, NULL), EINVAL, "nanosleep_negative");
  CHECK_ERR(syscall(SYS_nanosleep, NULL, NULL), EFAULT, "nanosleep_null");

  check_relative(CLOCK_MONOTONIC, "clock_nanosleep_monotonic");
  check_relative(CLOCK_REALTIME, "clock_nanosleep_realtime");
  check_relative(CLOCK_BOOTTIME, "clock_nanosleep_boottime");
  check_absolute(CLOCK_MONOTONIC, "clock_nanosleep_abs_monotonic");
  check_absolute(CLOCK_REALTIME, "clock_nanosleep_abs_realtime");
  check_absolute(CLOCK_BOOTTIME, "clock_nanosleep_abs_boottime");
  struct timespec past = {1, 0};
  CHECK_EQ(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL), 0,
           "clock_nanosleep_abs_past");
  // Linux's errors (negative errno from the syscall itself).
  CHECK_ERR(syscall(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL), EOPNOTSUPP,
            "clock_nanosleep_thread_cputime");
  CHECK_ERR(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC_RAW, 0, &req, NULL), EOPNOTSUPP,
            "clock_nanosleep_monotonic_raw");
  CHECK_ERR(syscall(SYS_clock_nanosleep, 12345, 0, &req, NULL), EINVAL, "clock_nanosleep_bad_clock");
  CHECK_ERR(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &bad, NULL), EINVAL,
            "clock_nanosleep_bad_nsec");
  CHECK_ERR(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, NULL, NULL), EFAULT,
            "clock_nanosleep_null");
  printf("thread_sleep done\n");
  return 0;
}
