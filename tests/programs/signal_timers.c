// signal_timers: alarm, setitimer/getitimer and POSIX timers, one mode per
// run (argv[1]). Only lower bounds on time are checked (a loaded machine
// may be late, never early).
#include "signal_util.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/time.h>
#include <time.h>

static volatile sig_atomic_t g_count;
static volatile int g_last_tid, g_last_code, g_last_value, g_last_overrun;

static int64_t now_ns(clockid_t clock) { return clock_ns(clock); }

static void on_signal(int sig, siginfo_t *info, void *uc) {
  (void)sig;
  (void)uc;
  g_count++;
  g_last_tid = (int)syscall(SYS_gettid);
  g_last_code = info->si_code;
  g_last_value = info->si_value.sival_int;
  g_last_overrun = info->si_overrun;
}

static void install(int sig) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigaction(sig, &sa, NULL);
}

static void block(int sig) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_BLOCK, &set, NULL);
}

static void mode_alarm(void) {
  CHECK_EQ(alarm(5), 0, "alarm_none_before");
  unsigned left = alarm(10);
  CHECK(left == 5 || left == 4, "alarm_returns_left");
  struct itimerval value;
  CHECK_EQ(getitimer(ITIMER_REAL, &value), 0, "getitimer");
  CHECK(value.it_value.tv_sec >= 9 && value.it_value.tv_sec <= 10, "getitimer_sees_alarm");
  CHECK(alarm(0) >= 9, "alarm_cancel");
  CHECK_EQ(getitimer(ITIMER_REAL, &value), 0, "getitimer_disarmed");
  CHECK(value.it_value.tv_sec == 0 && value.it_value.tv_usec == 0, "disarmed");
  CHECK_ERR(getitimer(7, &value), EINVAL, "getitimer_bad_which");
  // An interval timer: 20 ms periods.
  install(SIGALRM);
  struct itimerval interval = {{0, 20000}, {0, 20000}};
  int64_t start = now_ns(CLOCK_MONOTONIC);
  CHECK_EQ(setitimer(ITIMER_REAL, &interval, NULL), 0, "setitimer_interval");
  while (g_count < 5) pause();
  CHECK(now_ns(CLOCK_MONOTONIC) - start >= 100 * 1000000, "five_periods_not_early");
  CHECK_EQ(g_last_code, SI_KERNEL, "itimer_si_code");
  struct itimerval old;
  struct itimerval off = {{0, 0}, {0, 0}};
  CHECK_EQ(setitimer(ITIMER_REAL, &off, &old), 0, "setitimer_off");
  CHECK(old.it_interval.tv_sec == 0 && old.it_interval.tv_usec == 20000, "old_interval");
  struct itimerval bad = {{0, 0}, {0, 1000000}};
  CHECK_ERR(setitimer(ITIMER_REAL, &bad, NULL), EINVAL, "setitimer_bad_usec");
}

static void mode_alarm_default(void) {
  printf("about to die\n");
  struct itimerval once = {{0, 0}, {0, 30000}};
  setitimer(ITIMER_REAL, &once, NULL);
  for (int i = 0; i < 50; ++i) {
    struct timespec ts = {0, 100 * 1000000};
    nanosleep(&ts, NULL);
  }
  printf("survived\n");
}

static timer_t make_timer(clockid_t clock, int notify, int sig, int value, int tid) {
  struct sigevent event;
  memset(&event, 0, sizeof event);
  event.sigev_notify = notify;
  event.sigev_signo = sig;
  event.sigev_value.sival_int = value;
#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif
  event.sigev_notify_thread_id = tid;
  timer_t timer;
  if (timer_create(clock, &event, &timer) != 0) check_fail("timer_create", "errno %d", errno);
  return timer;
}

static void arm(timer_t timer, int flags, int64_t value_ns, int64_t interval_ns) {
  struct itimerspec spec = {{interval_ns / 1000000000, interval_ns % 1000000000},
                            {value_ns / 1000000000, value_ns % 1000000000}};
  if (timer_settime(timer, flags, &spec, NULL) != 0) check_fail("timer_settime", "errno %d", errno);
}

static void mode_posix(void) {
  block(SIGRTMIN);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGRTMIN);
  timer_t timer = make_timer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGRTMIN, 42, 0);
  int64_t start = now_ns(CLOCK_MONOTONIC);
  arm(timer, 0, 30 * 1000000, 0);
  struct itimerspec current;
  CHECK_EQ(timer_gettime(timer, &current), 0, "timer_gettime");
  CHECK(current.it_value.tv_nsec > 0 && current.it_value.tv_nsec <= 30 * 1000000, "armed_left");
  siginfo_t info;
  CHECK_EQ(sigwaitinfo(&set, &info), SIGRTMIN, "timer_signal");
  CHECK(now_ns(CLOCK_MONOTONIC) - start >= 30 * 1000000, "not_early");
  CHECK_EQ(info.si_code, SI_TIMER, "si_timer");
  CHECK_EQ(info.si_value.sival_int, 42, "si_value");
  CHECK_EQ(timer_gettime(timer, &current), 0, "timer_gettime_expired");
  CHECK(current.it_value.tv_sec == 0 && current.it_value.tv_nsec == 0, "one_shot_disarmed");
  // Absolute time on CLOCK_REALTIME.
  timer_t real = make_timer(CLOCK_REALTIME, SIGEV_SIGNAL, SIGRTMIN, 7, 0);
  int64_t when = now_ns(CLOCK_REALTIME) + 40 * 1000000;
  arm(real, TIMER_ABSTIME, when, 0);
  CHECK_EQ(sigwaitinfo(&set, &info), SIGRTMIN, "abs_timer_signal");
  CHECK(now_ns(CLOCK_REALTIME) >= when, "abs_not_early");
  CHECK_EQ(info.si_value.sival_int, 7, "abs_si_value");
  // SIGEV_NONE: counts down, never signals.
  timer_t quiet = make_timer(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0, 0);
  arm(quiet, 0, 10 * 1000000000LL, 0);
  CHECK_EQ(timer_gettime(quiet, &current), 0, "none_gettime");
  CHECK(current.it_value.tv_sec >= 9, "none_counts_down");
  // Errors.
  CHECK_EQ(timer_delete(quiet), 0, "timer_delete");
  CHECK_ERR(syscall(SYS_timer_delete, 1000), EINVAL, "delete_bad_id");
  CHECK_ERR(syscall(SYS_timer_gettime, 1000, &current), EINVAL, "gettime_bad_id");
  int id;
  CHECK_ERR(syscall(SYS_timer_create, 12345, NULL, &id), EINVAL, "create_bad_clock");
  struct sigevent bad;
  memset(&bad, 0, sizeof bad);
  bad.sigev_notify = SIGEV_SIGNAL;
  bad.sigev_signo = 65;
  CHECK_ERR(syscall(SYS_timer_create, CLOCK_MONOTONIC, &bad, &id), EINVAL, "create_bad_signal");
  bad.sigev_signo = SIGUSR1;
  bad.sigev_notify = 77;
  CHECK_ERR(syscall(SYS_timer_create, CLOCK_MONOTONIC, &bad, &id), EINVAL, "create_bad_notify");
  // Default sigevent: SIGALRM with the timer id as value.
  CHECK_EQ(syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, &id), 0, "create_default");
  CHECK_ERR(syscall(SYS_timer_settime, id, 0, NULL, NULL), EINVAL, "settime_null");
  CHECK_EQ(syscall(SYS_timer_delete, id), 0, "delete_default");
  timer_delete(timer);
  timer_delete(real);
}

static void mode_overrun(void) {
  block(SIGRTMIN);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGRTMIN);
  timer_t timer = make_timer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGRTMIN, 1, 0);
  arm(timer, 0, 5 * 1000000, 5 * 1000000);
  struct timespec ts = {0, 100 * 1000000};
  nanosleep(&ts, NULL);
  siginfo_t info;
  CHECK_EQ(sigwaitinfo(&set, &info), SIGRTMIN, "periodic_signal");
  // ~20 periods passed with the signal queued once: the rest are overruns.
  CHECK(info.si_overrun >= 5, "overrun_counted");
  CHECK_EQ(timer_getoverrun(timer), info.si_overrun, "getoverrun_matches");
  struct timespec zero = {0, 0};
  sigset_t pending;
  sigpending(&pending);
  CHECK(!sigismember(&pending, SIGRTMIN) || sigtimedwait(&set, &info, &zero) == SIGRTMIN,
        "one_signal_per_batch");
  timer_delete(timer);
}

static volatile int g_worker_tid;
static volatile int g_stop;
static volatile int g_worker_done;

static void *worker(void *arg) {
  (void)arg;
  g_worker_tid = (int)syscall(SYS_gettid);
  while (!g_stop) pause();
  g_worker_done = 1;
  return NULL;
}

static void mode_thread_id(void) {
  install(SIGUSR1);
  pthread_t thread;
  pthread_create(&thread, NULL, worker, NULL);
  while (g_worker_tid == 0) sched_yield();
  timer_t timer = make_timer(CLOCK_MONOTONIC, SIGEV_THREAD_ID, SIGUSR1, 3, g_worker_tid);
  arm(timer, 0, 20 * 1000000, 0);
  int64_t start = now_ns(CLOCK_MONOTONIC);
  while (g_count == 0 && now_ns(CLOCK_MONOTONIC) - start < 5000000000LL) sched_yield();
  CHECK_EQ(g_count, 1, "thread_timer_fired");
  CHECK_EQ(g_last_tid, g_worker_tid, "delivered_to_target_thread");
  CHECK_EQ(g_last_code, SI_TIMER, "thread_si_timer");
  // A signal handled between the worker's check and its pause() would
  // leave it asleep: signal until it has left the loop.
  g_stop = 1;
  while (!g_worker_done) {
    syscall(SYS_tgkill, getpid(), g_worker_tid, SIGUSR1);
    usleep(1000);
  }
  pthread_join(thread, NULL);
  int id;
  struct sigevent event;
  memset(&event, 0, sizeof event);
  event.sigev_notify = SIGEV_THREAD_ID;
  event.sigev_signo = SIGUSR1;
  event.sigev_notify_thread_id = 0x3ffffff0;
  CHECK_ERR(syscall(SYS_timer_create, CLOCK_MONOTONIC, &event, &id), EINVAL, "bad_thread_id");
  timer_delete(timer);
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  if (!strcmp(mode, "alarm")) mode_alarm();
  else if (!strcmp(mode, "alarm_default")) mode_alarm_default();
  else if (!strcmp(mode, "posix")) mode_posix();
  else if (!strcmp(mode, "overrun")) mode_overrun();
  else if (!strcmp(mode, "thread_id")) mode_thread_id();
  else check_fail("mode", "unknown mode '%s'", mode);
  printf("signal_timers %s done\n", mode);
  return 0;
}
