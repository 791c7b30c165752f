// signal_send: sending and taking signals, one mode per run (argv[1]):
// kill/tkill/tgkill/sigqueue, siginfo contents, masks and pending sets,
// coalescing vs queueing, sigsuspend, sigtimedwait, SA_RESETHAND/NODEFER,
// default actions.
#include "signal_util.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>

static volatile sig_atomic_t g_count;
static volatile int g_last_signo, g_last_code, g_last_pid, g_last_value, g_last_tid;
static volatile int g_values[8];
static volatile int g_depth, g_max_depth;

static int64_t now_ns(void) { return clock_ns(CLOCK_MONOTONIC); }

static void on_info(int sig, siginfo_t *info, void *uc) {
  (void)uc;
  if (g_count < 8) g_values[g_count] = info->si_value.sival_int;
  g_count++;
  g_last_signo = sig;
  g_last_code = info->si_code;
  g_last_pid = info->si_pid;
  g_last_value = info->si_value.sival_int;
  g_last_tid = (int)syscall(SYS_gettid);
}

static void on_nested(int sig) {
  g_count++;
  g_depth++;
  if (g_depth > g_max_depth) g_max_depth = g_depth;
  if (g_count == 1) kill(getpid(), sig);  // nested only with SA_NODEFER
  g_depth--;
}

static void install(int sig, void (*fn)(int, siginfo_t *, void *), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = fn;
  sa.sa_flags = SA_SIGINFO | flags;
  sigemptyset(&sa.sa_mask);
  if (sigaction(sig, &sa, NULL) != 0) check_fail("sigaction", "errno %d", errno);
}

static void set_mask(int how, int sig) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  if (sigprocmask(how, &set, NULL) != 0) check_fail("sigprocmask", "errno %d", errno);
}

static int is_pending(int sig) {
  sigset_t set;
  sigemptyset(&set);
  if (syscall(SYS_rt_sigpending, &set, 8) != 0) check_fail("rt_sigpending", "errno %d", errno);
  return sigismember(&set, sig);
}

static void mode_kill_self(void) {
  install(SIGUSR1, on_info, 0);
  CHECK_EQ(syscall(SYS_kill, getpid(), SIGUSR1), 0, "kill_self");
  // A signal sent to oneself is taken on the way out of kill itself.
  CHECK_EQ(g_count, 1, "handler_ran_before_kill_returned");
  CHECK_EQ(g_last_signo, SIGUSR1, "si_signo");
  CHECK_EQ(g_last_code, SI_USER, "si_code_user");
  CHECK_EQ(g_last_pid, getpid(), "si_pid");
  CHECK_EQ(syscall(SYS_tkill, (int)syscall(SYS_gettid), SIGUSR1), 0, "tkill_self");
  CHECK_EQ(g_last_code, SI_TKILL, "si_code_tkill");
  CHECK_EQ(syscall(SYS_kill, getpid(), 0), 0, "kill_signal_zero");
  CHECK_EQ(g_count, 2, "signal_zero_not_delivered");
  CHECK_ERR(syscall(SYS_kill, getpid(), 65), EINVAL, "kill_bad_signal");
  CHECK_ERR(syscall(SYS_kill, 0x3ffffff0, SIGUSR1), ESRCH, "kill_no_such_pid");
  CHECK_ERR(syscall(SYS_tkill, 0, SIGUSR1), EINVAL, "tkill_zero");
  CHECK_ERR(syscall(SYS_tgkill, getpid(), 0x3ffffff0, SIGUSR1), ESRCH, "tgkill_no_such_tid");
  CHECK_ERR(syscall(SYS_tgkill, getpid() + 12345, (int)syscall(SYS_gettid), SIGUSR1), ESRCH,
            "tgkill_wrong_group");
  CHECK_EQ(syscall(SYS_kill, 0, SIGUSR1), 0, "kill_own_group");
  CHECK_EQ(g_count, 3, "own_group_handler_ran");
}

static volatile int g_worker_tid;
static volatile int g_worker_stop;

static void *worker(void *arg) {
  (void)arg;
  g_worker_tid = (int)syscall(SYS_gettid);
  while (!g_worker_stop) {
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  return NULL;
}

static void mode_tgkill_thread(void) {
  install(SIGUSR1, on_info, SA_RESTART);
  pthread_t thread;
  CHECK_EQ(pthread_create(&thread, NULL, worker, NULL), 0, "pthread_create");
  while (g_worker_tid == 0) sched_yield();
  CHECK_EQ(syscall(SYS_tgkill, getpid(), g_worker_tid, SIGUSR1), 0, "tgkill_other");
  int64_t start = now_ns();
  while (g_count == 0 && now_ns() - start < 5000000000LL) sched_yield();
  CHECK_EQ(g_count, 1, "other_thread_handler_ran");
  CHECK_EQ(g_last_tid, g_worker_tid, "handler_ran_in_target_thread");
  CHECK_EQ(g_last_code, SI_TKILL, "si_code_tkill");
  // A process signal blocked by the main thread goes to the worker.
  set_mask(SIG_BLOCK, SIGUSR1);
  CHECK_EQ(syscall(SYS_kill, getpid(), SIGUSR1), 0, "kill_process");
  start = now_ns();
  while (g_count == 1 && now_ns() - start < 5000000000LL) sched_yield();
  CHECK_EQ(g_count, 2, "process_signal_taken");
  CHECK_EQ(g_last_tid, g_worker_tid, "taken_by_unblocking_thread");
  // rt_tgsigqueueinfo may not pose as kill() towards another thread.
  siginfo_t info;
  memset(&info, 0, sizeof info);
  info.si_code = SI_USER;
  CHECK_ERR(syscall(SYS_rt_tgsigqueueinfo, getpid(), g_worker_tid, SIGUSR1, &info), EPERM,
            "tgsigqueueinfo_si_user_eperm");
  info.si_code = SI_QUEUE;
  info.si_value.sival_int = 99;
  CHECK_EQ(syscall(SYS_rt_tgsigqueueinfo, getpid(), g_worker_tid, SIGUSR1, &info), 0,
           "tgsigqueueinfo_queue");
  start = now_ns();
  while (g_count == 2 && now_ns() - start < 5000000000LL) sched_yield();
  CHECK_EQ(g_last_value, 99, "tgsigqueueinfo_value");
  CHECK_EQ(g_last_code, SI_QUEUE, "tgsigqueueinfo_code");
  g_worker_stop = 1;
  pthread_join(thread, NULL);
}

static void mode_masks(void) {
  install(SIGUSR1, on_info, 0);
  install(SIGRTMIN, on_info, 0);
  set_mask(SIG_BLOCK, SIGUSR1);
  kill(getpid(), SIGUSR1);
  kill(getpid(), SIGUSR1);
  CHECK_EQ(g_count, 0, "blocked_not_delivered");
  CHECK(is_pending(SIGUSR1), "pending_shows_blocked");
  set_mask(SIG_UNBLOCK, SIGUSR1);
  CHECK_EQ(g_count, 1, "standard_signal_coalesced");
  CHECK(!is_pending(SIGUSR1), "pending_cleared");
  // Real-time signals queue, each with its value, in order.
  set_mask(SIG_BLOCK, SIGRTMIN);
  for (int i = 1; i <= 3; ++i) {
    union sigval value = {.sival_int = i * 10};
    CHECK_EQ(sigqueue(getpid(), SIGRTMIN, value), 0, "sigqueue");
  }
  CHECK(is_pending(SIGRTMIN), "rt_pending");
  set_mask(SIG_UNBLOCK, SIGRTMIN);
  CHECK_EQ(g_count, 4, "rt_signals_queued");
  CHECK(g_values[1] == 10 && g_values[2] == 20 && g_values[3] == 30, "rt_values_in_order");
  CHECK_EQ(g_last_code, SI_QUEUE, "si_code_queue");
  // Lower-numbered signals are taken first.
  set_mask(SIG_BLOCK, SIGUSR1);
  set_mask(SIG_BLOCK, SIGRTMIN);
  union sigval value = {.sival_int = 5};
  sigqueue(getpid(), SIGRTMIN, value);
  kill(getpid(), SIGUSR1);
  sigset_t none;
  sigemptyset(&none);
  g_count = 0;
  sigprocmask(SIG_SETMASK, &none, NULL);
  CHECK_EQ(g_count, 2, "both_taken");
  // Both frames are built before returning: SIGUSR1's first, then
  // SIGRTMIN's on top of it, which runs (and ends) first.
  CHECK_EQ(g_last_signo, SIGUSR1, "handlers_nest_lowest_outermost");
  // SIGKILL and SIGSTOP cannot be blocked or caught.
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, NULL);
  sigset_t now;
  sigprocmask(SIG_SETMASK, NULL, &now);
  CHECK(!sigismember(&now, SIGKILL) && !sigismember(&now, SIGSTOP), "kill_stop_unblockable");
  sigprocmask(SIG_SETMASK, &none, NULL);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_IGN;
  CHECK_ERR(sigaction(SIGKILL, &sa, NULL), EINVAL, "sigaction_sigkill_einval");
  CHECK_ERR(sigaction(SIGSTOP, &sa, NULL), EINVAL, "sigaction_sigstop_einval");
  CHECK_ERR(syscall(SYS_rt_sigpending, &now, 9), EINVAL, "sigpending_bad_size");
  // Ignored signals are discarded, not left pending.
  CHECK(signal(SIGUSR2, SIG_IGN) != SIG_ERR, "ignore_usr2");
  kill(getpid(), SIGUSR2);
  CHECK(!is_pending(SIGUSR2), "ignored_not_pending");
  set_mask(SIG_BLOCK, SIGUSR2);
  kill(getpid(), SIGUSR2);
  CHECK(is_pending(SIGUSR2), "ignored_but_blocked_stays_pending");
  // Setting SIG_IGN discards a pending instance, blocked or not.
  signal(SIGUSR2, SIG_DFL);
  CHECK(is_pending(SIGUSR2), "still_pending_with_default");
  signal(SIGUSR2, SIG_IGN);
  CHECK(!is_pending(SIGUSR2), "sig_ign_discards_pending");
  // Default-ignore signals do nothing.
  kill(getpid(), SIGCHLD);
  kill(getpid(), SIGWINCH);
  kill(getpid(), SIGURG);
  check_ok("default_ignore_survived");
}

static void mode_sigsuspend(void) {
  install(SIGUSR1, on_info, 0);
  set_mask(SIG_BLOCK, SIGUSR1);
  pthread_t thread;
  CHECK_EQ(pthread_create(&thread, NULL, worker, NULL), 0, "pthread_create");
  while (g_worker_tid == 0) sched_yield();
  // The main thread blocks SIGUSR1; the worker too (it inherited the mask
  // at creation), so a process SIGUSR1 stays pending until sigsuspend.
  kill(getpid(), SIGUSR1);
  CHECK(is_pending(SIGUSR1), "pending_before_suspend");
  sigset_t empty;
  sigemptyset(&empty);
  CHECK_ERR(sigsuspend(&empty), EINTR, "sigsuspend_eintr");
  CHECK_EQ(g_count, 1, "handler_ran");
  sigset_t now;
  sigprocmask(SIG_SETMASK, NULL, &now);
  CHECK(sigismember(&now, SIGUSR1), "mask_restored");
  g_worker_stop = 1;
  pthread_join(thread, NULL);
  // pause() with an alarm.
  install(SIGALRM, on_info, 0);
  alarm(1);
  CHECK_ERR(pause(), EINTR, "pause_eintr");
  CHECK_EQ(g_last_signo, SIGALRM, "pause_woken_by_alarm");
}

static void *send_later(void *arg) {
  struct timespec ts = {0, 50 * 1000000};
  nanosleep(&ts, NULL);
  kill(getpid(), (int)(intptr_t)arg);
  return NULL;
}

static void mode_sigtimedwait(void) {
  set_mask(SIG_BLOCK, SIGUSR2);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR2);
  struct timespec timeout = {0, 50 * 1000000};
  siginfo_t info;
  int64_t start = now_ns();
  CHECK_ERR(sigtimedwait(&set, &info, &timeout), EAGAIN, "timeout_eagain");
  CHECK(now_ns() - start >= 50 * 1000000, "waited_full_timeout");
  struct timespec zero = {0, 0};
  CHECK_ERR(sigtimedwait(&set, &info, &zero), EAGAIN, "zero_timeout_poll");
  struct timespec bad = {0, 1000000000};
  CHECK_ERR(sigtimedwait(&set, &info, &bad), EINVAL, "bad_timeout");
  kill(getpid(), SIGUSR2);
  memset(&info, 0, sizeof info);
  CHECK_EQ(sigtimedwait(&set, &info, &timeout), SIGUSR2, "pending_taken");
  CHECK_EQ(info.si_signo, SIGUSR2, "info_signo");
  CHECK_EQ(info.si_code, SI_USER, "info_code");
  CHECK_EQ(info.si_pid, getpid(), "info_pid");
  CHECK(!is_pending(SIGUSR2), "consumed");
  // Another thread sends while we wait.
  pthread_t thread;
  pthread_create(&thread, NULL, send_later, (void *)(intptr_t)SIGUSR2);
  struct timespec long_timeout = {10, 0};
  CHECK_EQ(sigtimedwait(&set, &info, &long_timeout), SIGUSR2, "woken_by_other_thread");
  pthread_join(thread, NULL);
  // A handled signal outside the set interrupts the wait: EINTR.
  install(SIGUSR1, on_info, SA_RESTART);
  pthread_create(&thread, NULL, send_later, (void *)(intptr_t)SIGUSR1);
  CHECK_ERR(sigtimedwait(&set, &info, &long_timeout), EINTR, "other_signal_eintr");
  CHECK_EQ(g_count, 1, "other_handler_ran");
  pthread_join(thread, NULL);
}

static void mode_resethand(void) {
  install(SIGUSR1, on_info, SA_RESETHAND);
  kill(getpid(), SIGUSR1);
  CHECK_EQ(g_count, 1, "first_handled");
  struct sigaction now;
  sigaction(SIGUSR1, NULL, &now);
  CHECK(now.sa_handler == SIG_DFL, "reset_to_default");
  // SA_NODEFER lets the handler interrupt itself.
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_nested;
  sa.sa_flags = SA_NODEFER;
  sigaction(SIGUSR2, &sa, NULL);
  g_count = 0;
  kill(getpid(), SIGUSR2);
  CHECK_EQ(g_count, 2, "nodefer_both_ran");
  CHECK_EQ(g_max_depth, 2, "nodefer_nested");
  sa.sa_flags = 0;
  sigaction(SIGUSR2, &sa, NULL);
  g_count = 0;
  g_max_depth = 0;
  kill(getpid(), SIGUSR2);
  CHECK_EQ(g_count, 2, "deferred_both_ran");
  CHECK_EQ(g_max_depth, 1, "deferred_not_nested");
}

// Dies by the default action of argv[2]'s signal.
static void mode_default(int sig) {
  printf("about to die\n");
  kill(getpid(), sig);
  struct timespec ts = {0, 100 * 1000000};
  nanosleep(&ts, NULL);
  printf("survived\n");
}

static void mode_stop_cont(void) {
  // A POSIX timer sends SIGCONT 100 ms after the process stops itself.
  timer_t timer = make_sigcont_timer();
  arm_once_ms(timer, 100);
  int64_t start = now_ns();
  CHECK_EQ(kill(getpid(), SIGSTOP), 0, "stop_self");
  CHECK(now_ns() - start >= 90 * 1000000, "stayed_stopped_until_sigcont");
  // A handler for SIGCONT still runs after the group continues.
  install(SIGCONT, on_info, 0);
  kill(getpid(), SIGCONT);
  CHECK_EQ(g_last_signo, SIGCONT, "sigcont_handler");
  timer_delete(timer);
}

static void mode_signalfd(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigaddset(&set, SIGRTMIN);
  sigprocmask(SIG_BLOCK, &set, NULL);
  int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  CHECK(fd >= 0, "signalfd_create");
  CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC, "signalfd_cloexec");
  CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK, "signalfd_nonblock");
  struct signalfd_siginfo records[4];
  CHECK_ERR(read(fd, records, sizeof records), EAGAIN, "read_empty_eagain");
  CHECK_ERR(read(fd, records, 100), EINVAL, "read_short_einval");
  kill(getpid(), SIGUSR1);
  union sigval value = {.sival_int = 77};
  sigqueue(getpid(), SIGRTMIN, value);
  sigqueue(getpid(), SIGRTMIN, value);
  CHECK_EQ(read(fd, records, sizeof records), 3 * (long)sizeof records[0], "read_three_records");
  CHECK_EQ(records[0].ssi_signo, SIGUSR1, "first_is_usr1");
  CHECK_EQ(records[0].ssi_code, SI_USER, "usr1_code");
  CHECK_EQ(records[0].ssi_pid, getpid(), "usr1_pid");
  CHECK_EQ(records[1].ssi_signo, SIGRTMIN, "then_rtmin");
  CHECK_EQ(records[1].ssi_int, 77, "rtmin_value");
  CHECK_EQ(records[2].ssi_code, SI_QUEUE, "rtmin_code");
  CHECK(!is_pending(SIGUSR1) && !is_pending(SIGRTMIN), "consumed");
  // The mask can be changed in place; other signals are not read.
  sigset_t only_usr2;
  sigemptyset(&only_usr2);
  sigaddset(&only_usr2, SIGUSR2);
  CHECK_EQ(signalfd(fd, &only_usr2, 0), fd, "signalfd_update_mask");
  kill(getpid(), SIGUSR1);
  CHECK_ERR(read(fd, records, sizeof records), EAGAIN, "usr1_not_in_mask");
  CHECK(is_pending(SIGUSR1), "usr1_still_pending");
  CHECK_ERR(signalfd(0, &set, 0), EINVAL, "signalfd_on_other_file");
  CHECK_ERR(syscall(SYS_signalfd4, -1, &set, 8, 0x1), EINVAL, "signalfd_bad_flags");
  struct stat st;
  CHECK_EQ(fstat(fd, &st), 0, "fstat");
  CHECK_EQ(st.st_mode & 0777, 0600, "anon_mode");
  close(fd);
  // A blocking read waits for a signal another thread sends.
  sigaddset(&only_usr2, SIGUSR2);
  sigprocmask(SIG_BLOCK, &only_usr2, NULL);
  int blocking = signalfd(-1, &only_usr2, 0);
  pthread_t thread;
  pthread_create(&thread, NULL, send_later, (void *)(intptr_t)SIGUSR2);
  CHECK_EQ(read(blocking, records, sizeof records), (long)sizeof records[0], "blocking_read");
  CHECK_EQ(records[0].ssi_signo, SIGUSR2, "blocking_read_usr2");
  pthread_join(thread, NULL);
  close(blocking);
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  if (!strcmp(mode, "kill_self")) mode_kill_self();
  else if (!strcmp(mode, "tgkill_thread")) mode_tgkill_thread();
  else if (!strcmp(mode, "masks")) mode_masks();
  else if (!strcmp(mode, "sigsuspend")) mode_sigsuspend();
  else if (!strcmp(mode, "sigtimedwait")) mode_sigtimedwait();
  else if (!strcmp(mode, "resethand")) mode_resethand();
  else if (!strcmp(mode, "stop_cont")) mode_stop_cont();
  else if (!strcmp(mode, "signalfd")) mode_signalfd();
  else if (!strcmp(mode, "default") && argc > 2) mode_default(atoi(argv[2]));
  else check_fail("mode", "unknown mode '%s'", mode);
  printf("signal_send %s done\n", mode);
  return 0;
}
