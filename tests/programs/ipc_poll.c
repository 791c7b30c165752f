// ipc_poll: poll, ppoll, select and pselect6 on pipes. Modes (argv[1]):
//   poll     events and revents, POLLNVAL, negative fds, timeouts, a wake-up
//            from another thread, EINVAL/EFAULT
//   select   fd sets, timeouts and the remaining time, EBADF/EINVAL
//   ppoll    ppoll and pselect6 with timeouts and signal masks
#include "ipc_util.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/select.h>

static int g_write_fd;

// Writes a byte to g_write_fd after 100 ms.
static void *late_writer(void *arg) {
  (void)arg;
  ipc_sleep_ms(100);
  if (write(g_write_fd, "!", 1) != 1) check_fail("late write", "errno %d", errno);
  return NULL;
}

static long raw_poll(struct pollfd *fds, unsigned long n, int timeout) {
  return syscall(SYS_poll, fds, n, timeout);
}

static void mode_poll(void) {
  int fds[2];
  CHECK_EQ(ipc_pipe2(fds, 0), 0, "pipe2");
  struct pollfd p[4] = {{fds[0], POLLIN, -1}, {fds[1], POLLOUT, -1}};
  CHECK_EQ(raw_poll(p, 2, 0), 1, "only the write end is ready");
  CHECK_EQ(p[0].revents, 0, "read end not ready");
  CHECK_EQ(p[1].revents, POLLOUT, "write end POLLOUT");
  CHECK_EQ(write(fds[1], "x", 1), 1, "write");
  CHECK_EQ(raw_poll(p, 2, 0), 2, "both ready");
  CHECK_EQ(p[0].revents, POLLIN, "POLLIN");
  p[0].events = POLLIN | POLLRDNORM;
  CHECK_EQ(raw_poll(p, 1, 0), 1, "poll RDNORM");
  CHECK_EQ(p[0].revents, POLLIN | POLLRDNORM, "POLLRDNORM");
  char c;
  CHECK_EQ(read(fds[0], &c, 1), 1, "drain");

  // A closed fd is POLLNVAL; a negative one is skipped.
  p[0] = (struct pollfd){fds[0], POLLIN, 0};
  p[1] = (struct pollfd){1000, POLLIN, 0};
  p[2] = (struct pollfd){-5, POLLIN, 7};
  CHECK_EQ(raw_poll(p, 3, 0), 1, "bad fd counts");
  CHECK_EQ(p[1].revents, POLLNVAL, "POLLNVAL");
  CHECK_EQ(p[2].revents, 0, "negative fd ignored");

  // Timeouts.
  int64_t start = ipc_now_ns();
  CHECK_EQ(raw_poll(p, 1, 100), 0, "timeout");
  int64_t elapsed = ipc_now_ns() - start;
  CHECK(elapsed >= 95 * 1000000LL, "waited for the timeout");
  start = ipc_now_ns();
  CHECK_EQ(raw_poll(NULL, 0, 50), 0, "no fds: a sleep");
  CHECK(ipc_now_ns() - start >= 45 * 1000000LL, "slept");

  // Woken by another thread's write.
  g_write_fd = fds[1];
  pthread_t writer;
  pthread_create(&writer, NULL, late_writer, NULL);
  start = ipc_now_ns();
  p[0] = (struct pollfd){fds[0], POLLIN, 0};
  CHECK_EQ(raw_poll(p, 1, -1), 1, "woken by a write");
  CHECK(ipc_now_ns() - start >= 50 * 1000000LL, "blocked until the write");
  CHECK_EQ(p[0].revents, POLLIN, "readable after the wake");
  pthread_join(writer, NULL);
  CHECK_EQ(read(fds[0], &c, 1), 1, "drain");

  // Hang-up wakes a poller waiting for input.
  close(fds[1]);
  CHECK_EQ(raw_poll(p, 1, -1), 1, "hang-up");
  CHECK_EQ(p[0].revents, POLLHUP, "POLLHUP");
  close(fds[0]);

  // Regular files are always ready.
  int file = open("/proc/self/status", O_RDONLY);
  p[0] = (struct pollfd){file, POLLIN | POLLOUT | POLLPRI, 0};
  CHECK_EQ(raw_poll(p, 1, -1), 1, "regular file ready");
  CHECK_EQ(p[0].revents, POLLIN | POLLOUT, "POLLIN|POLLOUT");
  close(file);

  struct rlimit limit;
  getrlimit(RLIMIT_NOFILE, &limit);
  CHECK_ERR(raw_poll(p, limit.rlim_cur + 1, 0), EINVAL, "nfds over RLIMIT_NOFILE");
  CHECK_ERR(raw_poll((struct pollfd *)8, 1, 0), EFAULT, "bad pointer");
}

static long raw_select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv) {
  return syscall(SYS_select, n, r, w, e, tv);
}

static void mode_select(void) {
  int fds[2];
  CHECK_EQ(ipc_pipe2(fds, 0), 0, "pipe2");
  fd_set r, w;
  FD_ZERO(&r);
  FD_ZERO(&w);
  FD_SET(fds[0], &r);
  FD_SET(fds[1], &w);
  int n = (fds[0] > fds[1] ? fds[0] : fds[1]) + 1;
  struct timeval tv = {0, 0};
  CHECK_EQ(raw_select(n, &r, &w, NULL, &tv), 1, "write end ready");
  CHECK(!FD_ISSET(fds[0], &r), "read end cleared");
  CHECK(FD_ISSET(fds[1], &w), "write end set");

  FD_SET(fds[0], &r);
  tv = (struct timeval){0, 100000};
  int64_t start = ipc_now_ns();
  CHECK_EQ(raw_select(n, &r, NULL, NULL, &tv), 0, "timeout");
  CHECK(ipc_now_ns() - start >= 95 * 1000000LL, "waited");
  CHECK(tv.tv_sec == 0 && tv.tv_usec == 0, "remaining time written back");

  CHECK_EQ(write(fds[1], "x", 1), 1, "write");
  FD_SET(fds[0], &r);
  FD_SET(fds[1], &w);
  fd_set both_r = r, both_w = w;
  CHECK_EQ(raw_select(n, &both_r, &both_w, NULL, NULL), 2, "both ready");
  CHECK(FD_ISSET(fds[0], &both_r) && FD_ISSET(fds[1], &both_w), "both set");

  fd_set e;
  FD_ZERO(&e);
  FD_SET(fds[0], &e);
  tv = (struct timeval){0, 0};
  CHECK_EQ(raw_select(n, NULL, NULL, &e, &tv), 0, "no exceptional condition");

  FD_ZERO(&r);
  FD_SET(fds[0], &r);
  FD_SET(n + 3, &r);  // not open
  CHECK_ERR(raw_select(n + 4, &r, NULL, NULL, &tv), EBADF, "closed fd in a set");
  CHECK_ERR(raw_select(-1, NULL, NULL, NULL, &tv), EINVAL, "negative nfds");
  tv = (struct timeval){-1, 0};
  CHECK_ERR(raw_select(n, NULL, NULL, NULL, &tv), EINVAL, "negative timeval");
  tv = (struct timeval){0, 1000000 + 20000};  // normalised: 1.02 s
  fd_set w1;
  FD_ZERO(&w1);
  FD_SET(fds[1], &w1);
  CHECK_EQ(raw_select(n, NULL, &w1, NULL, &tv), 1, "oversized tv_usec accepted");
  tv = (struct timeval){0, 0};
  CHECK_ERR(raw_select(n, (fd_set *)8, NULL, NULL, &tv), EFAULT, "bad set pointer");
  close(fds[0]);
  close(fds[1]);
}

static void mode_ppoll(void) {
  int fds[2];
  CHECK_EQ(ipc_pipe2(fds, 0), 0, "pipe2");
  struct pollfd p = {fds[0], POLLIN, 0};
  struct timespec ts = {0, 80 * 1000000};
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGUSR1);
  int64_t start = ipc_now_ns();
  CHECK_EQ(syscall(SYS_ppoll, &p, 1, &ts, &mask, 8), 0, "ppoll timeout");
  CHECK(ipc_now_ns() - start >= 75 * 1000000LL, "ppoll waited");
  CHECK(ts.tv_sec == 0 && ts.tv_nsec == 0, "ppoll remaining time");
  ts = (struct timespec){0, 1000};
  CHECK_ERR(syscall(SYS_ppoll, &p, 1, &ts, &mask, 4), EINVAL, "ppoll sigsetsize");
  ts = (struct timespec){0, 1000000000};
  CHECK_ERR(syscall(SYS_ppoll, &p, 1, &ts, NULL, 8), EINVAL, "ppoll bad timespec");
  sigset_t old;
  sigprocmask(SIG_SETMASK, NULL, &old);
  CHECK_EQ(write(fds[1], "x", 1), 1, "write");
  CHECK_EQ(syscall(SYS_ppoll, &p, 1, NULL, &mask, 8), 1, "ppoll ready");
  sigset_t after;
  sigprocmask(SIG_SETMASK, NULL, &after);
  CHECK(sigismember(&after, SIGUSR1) == sigismember(&old, SIGUSR1), "mask restored");

  fd_set r;
  FD_ZERO(&r);
  FD_SET(fds[0], &r);
  struct {
    const sigset_t *set;
    size_t size;
  } sig = {&mask, 8};
  ts = (struct timespec){0, 0};
  CHECK_EQ(syscall(SYS_pselect6, fds[0] + 1, &r, NULL, NULL, &ts, &sig), 1, "pselect6 ready");
  char c;
  CHECK_EQ(read(fds[0], &c, 1), 1, "drain");
  FD_SET(fds[0], &r);
  ts = (struct timespec){0, 60 * 1000000};
  start = ipc_now_ns();
  CHECK_EQ(syscall(SYS_pselect6, fds[0] + 1, &r, NULL, NULL, &ts, &sig), 0, "pselect6 timeout");
  CHECK(ipc_now_ns() - start >= 55 * 1000000LL, "pselect6 waited");
  sig.size = 16;
  CHECK_ERR(syscall(SYS_pselect6, fds[0] + 1, &r, NULL, NULL, &ts, &sig), EINVAL,
            "pselect6 sigsetsize");
  close(fds[0]);
  close(fds[1]);
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "poll";
  if (strcmp(mode, "poll") == 0) {
    mode_poll();
  } else if (strcmp(mode, "select") == 0) {
    mode_select();
  } else if (strcmp(mode, "ppoll") == 0) {
    mode_ppoll();
  } else {
    check_fail("mode", "unknown mode %s", mode);
  }
  printf("ipc_poll %s done\n", mode);
  return 0;
}
