// signal_restart: syscalls a signal interrupts, restarted or failing with
// EINTR as Linux decides (man 7 signal), one mode per run (argv[1]). A
// worker thread blocks; the main thread signals it with tgkill.
#include "signal_util.h"

#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>

static volatile sig_atomic_t g_handled;
static volatile int g_worker_tid;
static volatile int g_futex_word;
static volatile long g_result = 12345;
static volatile int g_errno;
static struct timespec g_rem = {77, 77};
static int64_t g_elapsed;

static int64_t now_ns(void) { return clock_ns(CLOCK_MONOTONIC); }

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

static void on_signal(int sig) {
  (void)sig;
  g_handled++;
}

static void install(int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sa.sa_flags = flags;
  sigaction(SIGUSR1, &sa, NULL);
}

enum Op { kFutex, kFutexTimeout, kNanosleep, kClockNanosleepAbs };
static enum Op g_op;

static void *worker(void *arg) {
  (void)arg;
  g_worker_tid = (int)syscall(SYS_gettid);
  int64_t start = now_ns();
  long r = -1;
  if (g_op == kFutex) {
    r = syscall(SYS_futex, &g_futex_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
  } else if (g_op == kFutexTimeout) {
    struct timespec timeout = {5, 0};
    r = syscall(SYS_futex, &g_futex_word, FUTEX_WAIT_PRIVATE, 0, &timeout, NULL, 0);
  } else if (g_op == kNanosleep) {
    struct timespec req = {2, 0};
    r = syscall(SYS_nanosleep, &req, &g_rem);
  } else {
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += 2;
    r = syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, &g_rem);
  }
  g_errno = errno;
  g_elapsed = now_ns() - start;
  g_result = r;
  return NULL;
}

// Starts the worker on `op`, signals it once it is blocked, and returns
// once it ran the handler.
static pthread_t start_and_signal(enum Op op) {
  g_op = op;
  pthread_t thread;
  if (pthread_create(&thread, NULL, worker, NULL) != 0) check_fail("pthread_create", "failed");
  while (g_worker_tid == 0) sched_yield();
  sleep_ms(50);  // let it block
  CHECK_EQ(syscall(SYS_tgkill, getpid(), g_worker_tid, SIGUSR1), 0, "tgkill");
  int64_t start = now_ns();
  while (g_handled == 0 && now_ns() - start < 5000000000LL) sched_yield();
  CHECK_EQ(g_handled, 1, "handler_ran");
  return thread;
}

static void wake_futex(void) {
  g_futex_word = 1;
  syscall(SYS_futex, &g_futex_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void mode_futex_restart(void) {
  install(SA_RESTART);
  pthread_t thread = start_and_signal(kFutex);
  sleep_ms(50);
  CHECK_EQ(g_result, 12345, "wait_restarted_still_blocked");
  wake_futex();
  pthread_join(thread, NULL);
  CHECK_EQ(g_result, 0, "woken_normally");
}

static void mode_futex_eintr(void) {
  install(0);
  pthread_t thread = start_and_signal(kFutex);
  pthread_join(thread, NULL);
  CHECK_EQ(g_result, -1, "futex_failed");
  CHECK_EQ(g_errno, EINTR, "futex_eintr");
}

static void mode_futex_timeout_eintr(void) {
  // With a timeout the wait is never restarted after a handler, even with
  // SA_RESTART (Linux's restart block).
  install(SA_RESTART);
  pthread_t thread = start_and_signal(kFutexTimeout);
  pthread_join(thread, NULL);
  CHECK_EQ(g_result, -1, "futex_failed");
  CHECK_EQ(g_errno, EINTR, "futex_timeout_eintr");
}

static void mode_nanosleep_eintr(void) {
  install(SA_RESTART);  // nanosleep is never restarted after a handler
  pthread_t thread = start_and_signal(kNanosleep);
  pthread_join(thread, NULL);
  CHECK_EQ(g_result, -1, "nanosleep_failed");
  CHECK_EQ(g_errno, EINTR, "nanosleep_eintr");
  CHECK(g_elapsed < 1500000000LL, "returned_early");
  int64_t rem = (int64_t)g_rem.tv_sec * 1000000000 + g_rem.tv_nsec;
  CHECK(rem > 500000000LL && rem < 2000000000LL, "remaining_written");
}

static void mode_abs_sleep_eintr(void) {
  install(SA_RESTART);
  g_rem.tv_sec = 77;
  pthread_t thread = start_and_signal(kClockNanosleepAbs);
  pthread_join(thread, NULL);
  // glibc's clock_nanosleep is not used: the raw syscall sets errno.
  CHECK_EQ(g_result, -1, "abs_sleep_failed");
  CHECK_EQ(g_errno, EINTR, "abs_sleep_eintr");
  CHECK_EQ(g_rem.tv_sec, 77, "abs_sleep_rem_untouched");
}

// A stop and continue interrupt the sleep with no handler: it resumes
// (restart_syscall) and still sleeps its whole time.
static void mode_sleep_stop_cont(void) {
  timer_t timer = make_sigcont_timer();
  g_op = kNanosleep;
  pthread_t thread;
  pthread_create(&thread, NULL, worker, NULL);
  while (g_worker_tid == 0) sched_yield();
  sleep_ms(50);
  arm_once_ms(timer, 100);
  CHECK_EQ(kill(getpid(), SIGSTOP), 0, "stop");
  pthread_join(thread, NULL);
  CHECK_EQ(g_result, 0, "sleep_completed");
  CHECK(g_elapsed >= 2000000000LL, "slept_full_time");
  timer_delete(timer);
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  if (!strcmp(mode, "futex_restart")) mode_futex_restart();
  else if (!strcmp(mode, "futex_eintr")) mode_futex_eintr();
  else if (!strcmp(mode, "futex_timeout_eintr")) mode_futex_timeout_eintr();
  else if (!strcmp(mode, "nanosleep_eintr")) mode_nanosleep_eintr();
  else if (!strcmp(mode, "abs_sleep_eintr")) mode_abs_sleep_eintr();
  else if (!strcmp(mode, "sleep_stop_cont")) mode_sleep_stop_cont();
  else check_fail("mode", "unknown mode '%s'", mode);
  printf("signal_restart %s done\n", mode);
  return 0;
}
