// signal_cputime: timers and clocks that count CPU time.
// Modes (argv[1]), each printing "signal_cputime MODE done" when every check
// passed:
//   clocks   CLOCK_PROCESS_CPUTIME_ID / CLOCK_THREAD_CPUTIME_ID advance while
//            spinning, not while sleeping; a second thread's time counts for
//            the process, not for this thread.
//   itimers  ITIMER_VIRTUAL (SIGVTALRM) and ITIMER_PROF (SIGPROF): they fire
//            after the CPU time, not after wall time spent asleep; intervals
//            repeat; getitimer reports what is left.
//   posix    timer_create on both CPU-time clocks: relative and absolute
//            expiry, no expiry while asleep.
#include "check.h"

#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>

static const long kMs = 1000000;

static long long clock_ns(clockid_t clock) {
  struct timespec ts;
  if (syscall(SYS_clock_gettime, clock, &ts) != 0) return -1;
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * kMs};
  while (syscall(SYS_nanosleep, &ts, &ts) != 0 && errno == EINTR) {
  }
}

// Burns this thread's CPU for `ms` milliseconds of its CPU time.
static void spin_cpu_ms(long ms) {
  long long end = clock_ns(CLOCK_THREAD_CPUTIME_ID) + ms * kMs;
  while (clock_ns(CLOCK_THREAD_CPUTIME_ID) < end) {
  }
}

static volatile sig_atomic_t g_count[65];

static void on_signal(int signal) { ++g_count[signal]; }

static void install(int signal) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_signal;
  action.sa_flags = SA_RESTART;
  CHECK_EQ(sigaction(signal, &action, NULL), 0, "sigaction");
}

// Spins until `signal` has been handled `count` times or `limit_ms` of CPU
// time passed; returns the CPU time spent, in ms. Mostly in user mode
// (ITIMER_VIRTUAL counts only user time on Linux).
static long spin_until(int signal, int count, long limit_ms) {
  long long start = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  long long end = start + limit_ms * kMs;
  long long now = start;
  while (g_count[signal] < count && now < end) {
    for (volatile int i = 0; i < 50000; ++i) {
    }
    now = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  }
  return (long)((now - start) / kMs);
}

static void *spin_thread(void *ms) {
  spin_cpu_ms((long)ms);
  return NULL;
}

static void clocks(void) {
  long long thread0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  long long process0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
  CHECK(process0 >= 0 && thread0 >= 0, "cpu_clocks_readable");
  CHECK(thread0 <= process0, "thread_time_within_process_time");
  sleep_ms(200);
  long long slept = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - process0;
  printf("cpu_ns_while_sleeping %lld\n", slept);
  CHECK(slept < 50 * kMs, "sleep_uses_no_cpu_time");
  long long before = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  spin_cpu_ms(100);
  long long spun = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - process0;
  CHECK(spun >= 100 * kMs, "spinning_counts_for_process");
  CHECK(clock_ns(CLOCK_THREAD_CPUTIME_ID) - before >= 100 * kMs, "spinning_counts_for_thread");

  // Another thread's CPU time: the process's clock has it, this thread's
  // does not.
  long long mine = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  long long process1 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
  pthread_t thread;
  CHECK_EQ(pthread_create(&thread, NULL, spin_thread, (void *)100L), 0, "pthread_create");
  CHECK_EQ(pthread_join(thread, NULL), 0, "pthread_join");  // asleep meanwhile
  long long mine_after = clock_ns(CLOCK_THREAD_CPUTIME_ID) - mine;
  long long process_after = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - process1;
  printf("thread_ns_during_join %lld process_ns_during_join %lld\n", mine_after, process_after);
  CHECK(process_after >= 100 * kMs, "other_thread_counts_for_process");
  CHECK(mine_after < 50 * kMs, "other_thread_not_in_own_clock");
  struct timespec resolution;
  CHECK_EQ(syscall(SYS_clock_getres, CLOCK_PROCESS_CPUTIME_ID, &resolution), 0, "getres");
}

static void itimer_case(int which, int signal, const char *name) {
  printf("case %s\n", name);
  install(signal);
  g_count[signal] = 0;
  // Armed for 50 ms of CPU time: 300 ms asleep do not fire it.
  struct itimerval once = {{0, 0}, {0, 50 * 1000}};
  CHECK_EQ(setitimer(which, &once, NULL), 0, "setitimer");
  sleep_ms(300);
  CHECK_EQ(g_count[signal], 0, "no_expiry_while_asleep");
  struct itimerval left;
  CHECK_EQ(getitimer(which, &left), 0, "getitimer");
  // Linux adds one scheduler tick (4 ms at HZ=250, 10 at HZ=100) to a CPU
  // itimer's first expiry.
  CHECK(left.it_value.tv_sec == 0 && left.it_value.tv_usec > 0 &&
            left.it_value.tv_usec <= 60 * 1000,
        "time_left_is_cpu_time");
  long spent = spin_until(signal, 1, 2000);
  printf("%s_fired_after_ms %ld\n", name, spent);
  CHECK_EQ(g_count[signal], 1, "fired_after_cpu_time");
  CHECK(spent >= 30, "not_before_its_cpu_time");
  CHECK_EQ(getitimer(which, &left), 0, "getitimer_after");
  CHECK(left.it_value.tv_sec == 0 && left.it_value.tv_usec == 0, "one_shot_disarmed");

  // Every 20 ms of CPU time, three times.
  g_count[signal] = 0;
  struct itimerval every = {{0, 20 * 1000}, {0, 20 * 1000}};
  CHECK_EQ(setitimer(which, &every, NULL), 0, "setitimer_interval");
  spent = spin_until(signal, 3, 3000);
  struct itimerval off = {{0, 0}, {0, 0}}, old;
  CHECK_EQ(setitimer(which, &off, &old), 0, "setitimer_off");
  CHECK(g_count[signal] >= 3, "interval_repeats");
  CHECK(spent >= 40, "interval_counts_cpu_time");
  CHECK(old.it_interval.tv_usec == 20 * 1000, "old_interval_reported");
}

static void posix_case(clockid_t clock, const char *name) {
  printf("case %s\n", name);
  install(SIGUSR1);
  g_count[SIGUSR1] = 0;
  struct sigevent event;
  memset(&event, 0, sizeof event);
  event.sigev_notify = SIGEV_SIGNAL;
  event.sigev_signo = SIGUSR1;
  int timer = -1;  // the kernel's timer id (glibc's timer_t wraps it)
  CHECK_EQ(syscall(SYS_timer_create, clock, &event, &timer), 0, "timer_create");
  struct itimerspec in_50ms = {{0, 0}, {0, 50 * kMs}};
  CHECK_EQ(syscall(SYS_timer_settime, timer, 0, &in_50ms, NULL), 0, "timer_settime");
  sleep_ms(300);
  CHECK_EQ(g_count[SIGUSR1], 0, "posix_no_expiry_while_asleep");
  struct itimerspec left;
  CHECK_EQ(syscall(SYS_timer_gettime, timer, &left), 0, "timer_gettime");
  CHECK(left.it_value.tv_sec == 0 && left.it_value.tv_nsec > 0 &&
            left.it_value.tv_nsec <= 50 * kMs,
        "posix_time_left_is_cpu_time");
  long spent = spin_until(SIGUSR1, 1, 2000);
  CHECK_EQ(g_count[SIGUSR1], 1, "posix_fired");
  CHECK(spent >= 30, "posix_not_before_its_cpu_time");

  // Absolute: 30 ms of CPU time from now on the clock itself.
  g_count[SIGUSR1] = 0;
  long long at = clock_ns(clock) + 30 * kMs;
  struct itimerspec absolute = {{0, 0}, {at / 1000000000, at % 1000000000}};
  CHECK_EQ(syscall(SYS_timer_settime, timer, TIMER_ABSTIME, &absolute, NULL), 0,
           "timer_settime_abs");
  spent = spin_until(SIGUSR1, 1, 2000);
  CHECK_EQ(g_count[SIGUSR1], 1, "posix_abs_fired");
  CHECK(clock_ns(clock) >= at, "posix_abs_not_early");
  CHECK_EQ(syscall(SYS_timer_delete, timer), 0, "timer_delete");
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  if (strcmp(mode, "clocks") == 0) {
    clocks();
  } else if (strcmp(mode, "itimers") == 0) {
    itimer_case(ITIMER_VIRTUAL, SIGVTALRM, "virtual");
    itimer_case(ITIMER_PROF, SIGPROF, "prof");
  } else if (strcmp(mode, "posix") == 0) {
    posix_case(CLOCK_PROCESS_CPUTIME_ID, "process");
    posix_case(CLOCK_THREAD_CPUTIME_ID, "thread");
  } else {
    check_fail("mode", "unknown mode '%s'", mode);
  }
  printf("signal_cputime %s done\n", mode);
  return 0;
}
