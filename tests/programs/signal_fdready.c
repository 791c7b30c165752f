// signal_fdready: a signalfd's readiness in poll, select and epoll: readable
// while a signal of its mask is pending for the polling thread or its
// process, and a waiter blocked on it wakes when one arrives.
// Mode (argv[1]) "all" prints "signal_fdready all done" when every check
// passed.
#include "check.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/time.h>

static int g_fd;

static int poll_now(int fd, int timeout_ms) {
  struct pollfd entry = {fd, POLLIN, 0};
  int ready = poll(&entry, 1, timeout_ms);
  return ready == 1 ? entry.revents : ready;
}

static int select_now(int fd) {
  fd_set read_set;
  FD_ZERO(&read_set);
  FD_SET(fd, &read_set);
  struct timeval zero = {0, 0};
  return select(fd + 1, &read_set, NULL, NULL, &zero);
}

static void drain(int fd) {
  struct signalfd_siginfo info;
  while (read(fd, &info, sizeof info) == sizeof info) {
  }
}

// A second thread with SIGUSR2 pending for it alone.
static volatile int g_thread_state;  // 1: signal pending for it, 2: done
static void *hold_thread_signal(void *unused) {
  (void)unused;
  while (g_thread_state != 1) usleep(1000);
  // Readable here: the signal is pending for this thread.
  CHECK_EQ(poll_now(g_fd, 0), POLLIN, "thread_signal_readable_in_its_thread");
  drain(g_fd);
  g_thread_state = 2;
  return NULL;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  if (strcmp(mode, "all") != 0) check_fail("mode", "unknown mode '%s'", mode);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGUSR1);
  sigaddset(&mask, SIGUSR2);
  sigaddset(&mask, SIGALRM);
  CHECK_EQ(sigprocmask(SIG_BLOCK, &mask, NULL), 0, "block");
  g_fd = signalfd(-1, &mask, SFD_NONBLOCK);
  CHECK(g_fd >= 0, "signalfd");

  CHECK_EQ(poll_now(g_fd, 0), 0, "nothing_pending_not_readable");
  CHECK_EQ(select_now(g_fd), 0, "select_nothing_pending");
  CHECK_EQ(kill(getpid(), SIGUSR1), 0, "kill_self");
  CHECK_EQ(poll_now(g_fd, 0), POLLIN, "pending_readable");
  CHECK_EQ(select_now(g_fd), 1, "select_pending_readable");
  int epoll = epoll_create1(0);
  struct epoll_event event = {EPOLLIN, {.u32 = 7}};
  CHECK_EQ(epoll_ctl(epoll, EPOLL_CTL_ADD, g_fd, &event), 0, "epoll_ctl");
  struct epoll_event got;
  CHECK_EQ(epoll_wait(epoll, &got, 1, 0), 1, "epoll_pending_ready");
  CHECK(got.events == EPOLLIN && got.data.u32 == 7, "epoll_event");
  drain(g_fd);
  CHECK_EQ(poll_now(g_fd, 0), 0, "drained_not_readable");
  CHECK_EQ(epoll_wait(epoll, &got, 1, 0), 0, "epoll_drained_not_ready");

  // A signal outside the mask does not make it readable.
  sigset_t other;
  sigemptyset(&other);
  sigaddset(&other, SIGWINCH);
  CHECK_EQ(sigprocmask(SIG_BLOCK, &other, NULL), 0, "block_winch");
  CHECK_EQ(kill(getpid(), SIGWINCH), 0, "kill_winch");
  CHECK_EQ(poll_now(g_fd, 0), 0, "other_signal_not_readable");
  // ...until signalfd(2) adds it to the mask.
  sigaddset(&mask, SIGWINCH);
  CHECK_EQ(signalfd(g_fd, &mask, 0), g_fd, "signalfd_update");
  CHECK_EQ(poll_now(g_fd, 0), POLLIN, "updated_mask_readable");
  drain(g_fd);

  // Blocked waiters wake when a signal arrives (a timer 50 ms later).
  struct itimerval in_50ms = {{0, 0}, {0, 50 * 1000}};
  CHECK_EQ(setitimer(ITIMER_REAL, &in_50ms, NULL), 0, "setitimer");
  CHECK_EQ(poll_now(g_fd, 5000), POLLIN, "poll_woken_by_signal");
  drain(g_fd);
  CHECK_EQ(setitimer(ITIMER_REAL, &in_50ms, NULL), 0, "setitimer_epoll");
  CHECK_EQ(epoll_wait(epoll, &got, 1, 5000), 1, "epoll_woken_by_signal");
  drain(g_fd);

  // A signal pending for another thread: readable there, not here.
  pthread_t thread;
  CHECK_EQ(pthread_create(&thread, NULL, hold_thread_signal, NULL), 0, "pthread_create");
  CHECK_EQ(pthread_kill(thread, SIGUSR2), 0, "pthread_kill");
  CHECK_EQ(poll_now(g_fd, 0), 0, "other_threads_signal_not_readable");
  g_thread_state = 1;
  CHECK_EQ(pthread_join(thread, NULL), 0, "pthread_join");
  CHECK_EQ(g_thread_state, 2, "thread_done");
  printf("signal_fdready all done\n");
  return 0;
}
