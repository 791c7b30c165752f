// time: clock_gettime, clock_getres, gettimeofday, time.
// argv[1] (optional): the caller's CLOCK_REALTIME in seconds at launch; the
// program's realtime must be within 60 s of it.
#include "check.h"

#include <stdint.h>
#include <sys/time.h>
#include <time.h>

static int64_t ns(const struct timespec *t) { return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec; }

static struct timespec raw_gettime(clockid_t id, const char *name) {
  struct timespec t = {-1, -1};
  CHECK_EQ(syscall(SYS_clock_gettime, id, &t), 0, name);
  if (t.tv_nsec < 0 || t.tv_nsec >= 1000000000 || t.tv_sec < 0)
    check_fail(name, "bad timespec %lld.%ld", (long long)t.tv_sec, t.tv_nsec);
  return t;
}

int main(int argc, char **argv) {
  // Monotonic: never goes back, and advances across a busy loop.
  struct timespec m1 = raw_gettime(CLOCK_MONOTONIC, "clock_gettime_monotonic");
  struct timespec m2 = m1;
  volatile unsigned long spin = 0;
  for (long i = 0; i < 2000000000 && ns(&m2) - ns(&m1) < 20 * 1000000; i++) {
    spin++;
    if (i % 1000 == 0) {
      struct timespec prev = m2;
      syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &m2);
      if (ns(&m2) < ns(&prev)) check_fail("monotonic_never_decreases", "went back");
    }
  }
  check_ok("monotonic_never_decreases");
  CHECK(ns(&m2) - ns(&m1) >= 20 * 1000000, "monotonic_advances_over_busy_loop");

  struct timespec rt = raw_gettime(CLOCK_REALTIME, "clock_gettime_realtime");
  printf("realtime %lld\n", (long long)rt.tv_sec);
  CHECK(rt.tv_sec > 1600000000, "realtime_after_2020");
  if (argc > 1) {
    long long host = atoll(argv[1]);
    long long d = (long long)rt.tv_sec - host;
    CHECK(d > -60 && d < 60, "realtime_within_60s_of_caller");
  }
  static const struct {
    clockid_t id;
    const char *name;
  } clocks[] = {
      {CLOCK_MONOTONIC_RAW, "clock_gettime_monotonic_raw"},
      {CLOCK_REALTIME_COARSE, "clock_gettime_realtime_coarse"},
      {CLOCK_MONOTONIC_COARSE, "clock_gettime_monotonic_coarse"},
      {CLOCK_BOOTTIME, "clock_gettime_boottime"},
      {CLOCK_PROCESS_CPUTIME_ID, "clock_gettime_process_cputime"},
      {CLOCK_THREAD_CPUTIME_ID, "clock_gettime_thread_cputime"},
  };
  for (size_t i = 0; i < sizeof clocks / sizeof clocks[0]; i++)
    raw_gettime(clocks[i].id, clocks[i].name);
  // Monotonic first: boottime read afterwards can only be further ahead, so
  // no slack is needed however long the task waits between the two reads.
  struct timespec mono = raw_gettime(CLOCK_MONOTONIC, "clock_gettime_monotonic_again");
  struct timespec boot = raw_gettime(CLOCK_BOOTTIME, "clock_gettime_boottime_again");
  CHECK(ns(&boot) >= ns(&mono), "boottime_not_behind_monotonic");
  struct timespec cpu = raw_gettime(CLOCK_PROCESS_CPUTIME_ID, "process_cputime_again");
  CHECK(ns(&cpu) > 0, "process_cputime_positive_after_busy_loop");
  // The libc path (vDSO on Linux, maybe syscall in the sandbox) agrees.
  struct timespec lm;
  CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &lm), 0, "libc_clock_gettime");
  CHECK(ns(&lm) >= ns(&mono) && ns(&lm) - ns(&mono) < 5000000000LL,
        "libc_clock_gettime_agrees");

  // clock_getres.
  struct timespec res = {-1, -1};
  CHECK_EQ(syscall(SYS_clock_getres, CLOCK_MONOTONIC, &res), 0, "clock_getres_monotonic");
  printf("res_monotonic_ns %lld\n", (long long)ns(&res));
  CHECK(res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 1000000,
        "clock_getres_monotonic_at_most_1ms");
  CHECK_EQ(syscall(SYS_clock_getres, CLOCK_REALTIME, &res), 0, "clock_getres_realtime");
  CHECK(res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 1000000,
        "clock_getres_realtime_at_most_1ms");
  CHECK_EQ(syscall(SYS_clock_getres, CLOCK_MONOTONIC_COARSE, &res), 0,
           "clock_getres_monotonic_coarse");
  CHECK(res.tv_sec == 0 && res.tv_nsec > 0, "clock_getres_coarse_positive");
  CHECK_EQ(syscall(SYS_clock_getres, CLOCK_MONOTONIC, NULL), 0, "clock_getres_null_ok");

  // gettimeofday.
  struct timeval tv = {-1, -1};
  CHECK_EQ(syscall(SYS_gettimeofday, &tv, NULL), 0, "gettimeofday");
  CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000, "gettimeofday_usec_in_range");
  struct timespec rt2 = raw_gettime(CLOCK_REALTIME, "clock_gettime_realtime_again");
  CHECK(tv.tv_sec - rt2.tv_sec <= 1 && rt2.tv_sec - tv.tv_sec <= 2,
        "gettimeofday_agrees_with_realtime");
  CHECK_EQ(syscall(SYS_gettimeofday, NULL, NULL), 0, "gettimeofday_null_ok");
  struct timezone tz;
  CHECK_EQ(syscall(SYS_gettimeofday, &tv, &tz), 0, "gettimeofday_with_timezone");

  // time.
  time_t t1 = (time_t)syscall(SYS_time, NULL);
  CHECK(t1 > 1600000000, "time_null");
  time_t t2 = 0;
  time_t t3 = (time_t)syscall(SYS_time, &t2);
  CHECK(t3 == t2 && t3 >= t1 && t3 - t1 < 5, "time_stores_result");
  CHECK(t3 - rt2.tv_sec <= 2 && rt2.tv_sec - t3 <= 2, "time_agrees_with_realtime");

  // Errors.
  struct timespec ts;
  CHECK_ERR(syscall(SYS_clock_gettime, 1000, &ts), EINVAL, "clock_gettime_invalid_clock_einval");
  CHECK_ERR(syscall(SYS_clock_gettime, 16, &ts), EINVAL, "clock_gettime_clock_16_einval");
  CHECK_ERR(syscall(SYS_clock_getres, 1000, &ts), EINVAL, "clock_getres_invalid_clock_einval");
  CHECK_ERR(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)1), EFAULT,
            "clock_gettime_bad_pointer_efault");
  CHECK_ERR(syscall(SYS_clock_gettime, CLOCK_REALTIME, NULL), EFAULT,
            "clock_gettime_null_efault");
  CHECK_ERR(syscall(SYS_clock_getres, CLOCK_MONOTONIC, (void *)1), EFAULT,
            "clock_getres_bad_pointer_efault");
  CHECK_ERR(syscall(SYS_gettimeofday, (void *)1, NULL), EFAULT, "gettimeofday_bad_pointer_efault");
  CHECK_ERR(syscall(SYS_time, (void *)1), EFAULT, "time_bad_pointer_efault");
  printf("time done\n");
  return 0;
}
