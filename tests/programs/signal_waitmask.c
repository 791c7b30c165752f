// signal_waitmask: the temporary signal mask of ppoll, pselect6 and
// epoll_pwait stays in force until the signal that interrupted the call is
// delivered, so a handler for a signal only that mask unblocks runs before
// the call returns EINTR, and the old mask is back afterwards.
// Modes (argv[1]): ppoll, pselect, epoll_pwait; each prints
// "signal_waitmask MODE done" when every check passed.
#include "check.h"

#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/time.h>

static volatile sig_atomic_t g_handled;
static volatile unsigned long g_mask_in_handler;  // first word of the mask

static void on_signal(int signal) {
  g_handled = signal;
  sigset_t now;
  sigprocmask(SIG_BLOCK, NULL, &now);
  g_mask_in_handler = *(unsigned long *)&now;
}

static unsigned long bit(int signal) { return 1ul << (signal - 1); }

// The wait under test: blocks until a signal, with `mask` (kernel sigset).
typedef long (*WaitFn)(const unsigned long *mask);

static int g_pipe[2];  // never written: the waits only end by a signal

static long wait_ppoll(const unsigned long *mask) {
  struct pollfd fd = {g_pipe[0], POLLIN, 0};
  return syscall(SYS_ppoll, &fd, 1, NULL, mask, 8);
}

static long wait_pselect(const unsigned long *mask) {
  fd_set read_set;
  FD_ZERO(&read_set);
  FD_SET(g_pipe[0], &read_set);
  struct {
    const unsigned long *set;
    size_t size;
  } mask_argument = {mask, 8};
  return syscall(SYS_pselect6, g_pipe[0] + 1, &read_set, NULL, NULL, NULL, &mask_argument);
}

static int g_epoll = -1;

static long wait_epoll_pwait(const unsigned long *mask) {
  struct epoll_event event;
  return syscall(SYS_epoll_pwait, g_epoll, &event, 1, -1, mask, 8);
}

static void install(int signal) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_signal;  // no SA_RESTART: the waits fail with EINTR
  CHECK_EQ(sigaction(signal, &action, NULL), 0, "sigaction");
}

static unsigned long current_mask(void) {
  unsigned long mask = 0;
  syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &mask, 8);
  return mask;
}

static void run(WaitFn wait) {
  install(SIGUSR1);
  install(SIGALRM);
  unsigned long blocked = bit(SIGUSR1) | bit(SIGALRM) | bit(SIGUSR2);
  CHECK_EQ(syscall(SYS_rt_sigprocmask, SIG_SETMASK, &blocked, NULL, 8), 0, "block");

  // A signal pending before the call, unblocked only by its mask.
  g_handled = 0;
  CHECK_EQ(syscall(SYS_kill, getpid(), SIGUSR1), 0, "kill_self");
  unsigned long temporary = bit(SIGUSR2);  // SIGUSR1 and SIGALRM unblocked
  CHECK_ERR(wait(&temporary), EINTR, "pending_signal_eintr");
  CHECK_EQ(g_handled, SIGUSR1, "pending_signal_handler_ran");
  // The handler ran under the temporary mask plus its own signal.
  CHECK_EQ(g_mask_in_handler, temporary | bit(SIGUSR1), "handler_mask");
  CHECK_EQ(current_mask(), blocked, "old_mask_restored");

  // A signal that arrives during the wait (a timer), likewise.
  g_handled = 0;
  struct itimerval in_50ms = {{0, 0}, {0, 50 * 1000}};
  CHECK_EQ(setitimer(ITIMER_REAL, &in_50ms, NULL), 0, "setitimer");
  CHECK_ERR(wait(&temporary), EINTR, "arriving_signal_eintr");
  CHECK_EQ(g_handled, SIGALRM, "arriving_signal_handler_ran");
  CHECK_EQ(current_mask(), blocked, "old_mask_restored_after_timer");
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  CHECK_EQ(pipe(g_pipe), 0, "pipe");
  if (strcmp(mode, "ppoll") == 0) {
    run(wait_ppoll);
  } else if (strcmp(mode, "pselect") == 0) {
    run(wait_pselect);
  } else if (strcmp(mode, "epoll_pwait") == 0) {
    g_epoll = epoll_create1(0);
    struct epoll_event event = {EPOLLIN, {0}};
    CHECK_EQ(epoll_ctl(g_epoll, EPOLL_CTL_ADD, g_pipe[0], &event), 0, "epoll_ctl");
    run(wait_epoll_pwait);
  } else {
    check_fail("mode", "unknown mode '%s'", mode);
  }
  printf("signal_waitmask %s done\n", mode);
  return 0;
}
