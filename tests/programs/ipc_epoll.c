// ipc_epoll: epoll(7). Modes (argv[1]):
//   errors   epoll_create/epoll_create1/epoll_ctl/epoll_wait error paths
//   level    level-triggered reporting, data, timeouts, EPOLL_CTL_MOD/DEL
//   edge     EPOLLET: once per new event
//   oneshot  EPOLLONESHOT: disabled after one report until EPOLL_CTL_MOD
//   close    closing the last fd of a watched description removes it
//   threads  epoll_wait blocks until another thread writes
//   nested   an epoll instance watched by another
#include "ipc_util.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>

static long wait_events(int epfd, struct epoll_event *events, int max, int timeout) {
  return syscall(SYS_epoll_wait, epfd, events, max, timeout);
}

static int add(int epfd, int fd, uint32_t events, uint64_t data) {
  struct epoll_event event = {.events = events, .data.u64 = data};
  return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event);
}

static void mode_errors(void) {
  CHECK_ERR(syscall(SYS_epoll_create, 0), EINVAL, "epoll_create size 0");
  CHECK_ERR(syscall(SYS_epoll_create1, 1), EINVAL, "epoll_create1 bad flags");
  int epfd = (int)syscall(SYS_epoll_create1, EPOLL_CLOEXEC);
  CHECK(epfd >= 0, "epoll_create1");
  CHECK_EQ(fcntl(epfd, F_GETFD), FD_CLOEXEC, "EPOLL_CLOEXEC");
  int old = (int)syscall(SYS_epoll_create, 10);
  CHECK(old >= 0, "epoll_create");
  char link[64], path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", epfd);
  ssize_t n = readlink(path, link, sizeof link - 1);
  link[n > 0 ? n : 0] = 0;
  CHECK(strcmp(link, "anon_inode:[eventpoll]") == 0, "fd link name");

  int fds[2];
  ipc_pipe2(fds, 0);
  struct epoll_event event = {.events = EPOLLIN};
  CHECK_ERR(epoll_ctl(epfd, EPOLL_CTL_ADD, 999, &event), EBADF, "bad fd");
  CHECK_ERR(epoll_ctl(999, EPOLL_CTL_ADD, fds[0], &event), EBADF, "bad epfd");
  CHECK_ERR(epoll_ctl(fds[1], EPOLL_CTL_ADD, fds[0], &event), EINVAL, "epfd not an epoll");
  CHECK_ERR(epoll_ctl(epfd, EPOLL_CTL_ADD, epfd, &event), EINVAL, "watching itself");
  int file = open("/proc/self/exe", O_RDONLY);
  CHECK_ERR(epoll_ctl(epfd, EPOLL_CTL_ADD, file, &event), EPERM, "regular file");
  close(file);
  CHECK_ERR(epoll_ctl(epfd, EPOLL_CTL_MOD, fds[0], &event), ENOENT, "MOD absent");
  CHECK_ERR(epoll_ctl(epfd, EPOLL_CTL_DEL, fds[0], NULL), ENOENT, "DEL absent");
  CHECK_EQ(epoll_ctl(epfd, EPOLL_CTL_ADD, fds[0], &event), 0, "ADD");
  CHECK_ERR(epoll_ctl(epfd, EPOLL_CTL_ADD, fds[0], &event), EEXIST, "ADD twice");
  CHECK_ERR(syscall(SYS_epoll_ctl, epfd, EPOLL_CTL_MOD, fds[0], (void *)8), EFAULT,
            "bad event pointer");
  CHECK_ERR(epoll_ctl(epfd, 42, fds[0], &event), EINVAL, "bad op");
  event.events = EPOLLIN | EPOLLEXCLUSIVE;
  CHECK_ERR(epoll_ctl(epfd, EPOLL_CTL_MOD, fds[0], &event), EINVAL, "MOD with EXCLUSIVE");
  CHECK_EQ(epoll_ctl(epfd, EPOLL_CTL_ADD, fds[1], &event), 0, "ADD with EXCLUSIVE");
  event.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
  int fds2[2];
  ipc_pipe2(fds2, 0);
  CHECK_ERR(epoll_ctl(epfd, EPOLL_CTL_ADD, fds2[0], &event), EINVAL, "EXCLUSIVE|ONESHOT");
  // Cycles: old watches epfd, so epfd may not watch old.
  event.events = EPOLLIN;
  CHECK_EQ(epoll_ctl(old, EPOLL_CTL_ADD, epfd, &event), 0, "nest");
  CHECK_ERR(epoll_ctl(epfd, EPOLL_CTL_ADD, old, &event), ELOOP, "cycle");

  struct epoll_event out[4];
  CHECK_ERR(wait_events(epfd, out, 0, 0), EINVAL, "maxevents 0");
  CHECK_ERR(wait_events(epfd, out, -1, 0), EINVAL, "maxevents negative");
  CHECK_ERR(wait_events(fds[0], out, 4, 0), EINVAL, "wait on a non-epoll fd");
  CHECK_ERR(wait_events(999, out, 4, 0), EBADF, "wait on a bad fd");
  CHECK_EQ(write(fds[1], "x", 1), 1, "write");
  CHECK_ERR(wait_events(epfd, (struct epoll_event *)8, 4, 0), EFAULT, "bad events pointer");
}

static void mode_level(void) {
  int epfd = epoll_create1(0);
  int fds[2];
  ipc_pipe2(fds, 0);
  CHECK_EQ(add(epfd, fds[0], EPOLLIN, 0x1234567890ull), 0, "add");
  struct epoll_event out[4];
  CHECK_EQ(wait_events(epfd, out, 4, 0), 0, "nothing ready");
  int64_t start = ipc_now_ns();
  CHECK_EQ(wait_events(epfd, out, 4, 80), 0, "timeout");
  CHECK(ipc_now_ns() - start >= 75 * 1000000LL, "waited for the timeout");
  CHECK_EQ(write(fds[1], "ab", 2), 2, "write");
  CHECK_EQ(wait_events(epfd, out, 4, -1), 1, "readable");
  CHECK_EQ(out[0].events, EPOLLIN, "EPOLLIN");
  CHECK(out[0].data.u64 == 0x1234567890ull, "data");
  CHECK_EQ(wait_events(epfd, out, 4, 0), 1, "still readable: reported again");
  char c[2];
  CHECK_EQ(read(fds[0], c, 2), 2, "drain");
  CHECK_EQ(wait_events(epfd, out, 4, 0), 0, "drained");
  struct epoll_event event = {.events = EPOLLIN | EPOLLOUT, .data.u64 = 5};
  CHECK_EQ(add(epfd, fds[1], EPOLLOUT, 6), 0, "add write end");
  CHECK_EQ(wait_events(epfd, out, 4, 0), 1, "write end ready");
  CHECK_EQ(out[0].data.u64, 6, "write end data");
  CHECK_EQ(epoll_ctl(epfd, EPOLL_CTL_DEL, fds[1], NULL), 0, "DEL");
  CHECK_EQ(wait_events(epfd, out, 4, 0), 0, "deleted");
  CHECK_EQ(epoll_ctl(epfd, EPOLL_CTL_MOD, fds[0], &event), 0, "MOD");
  CHECK_EQ(write(fds[1], "z", 1), 1, "write");
  CHECK_EQ(wait_events(epfd, out, 4, 0), 1, "after MOD");
  CHECK_EQ(out[0].data.u64, 5, "new data");
  close(fds[1]);
  CHECK_EQ(wait_events(epfd, out, 4, 0), 1, "hang-up");
  CHECK_EQ(out[0].events, EPOLLIN | EPOLLHUP, "EPOLLHUP");
  sigset_t mask;
  sigemptyset(&mask);
  CHECK_EQ(syscall(SYS_epoll_pwait, epfd, out, 4, 0, &mask, 8), 1, "epoll_pwait");
  CHECK_ERR(syscall(SYS_epoll_pwait, epfd, out, 4, 0, &mask, 2), EINVAL, "pwait sigsetsize");
  struct timespec ts = {0, 0};
  CHECK_EQ(syscall(SYS_epoll_pwait2, epfd, out, 4, &ts, NULL, 8), 1, "epoll_pwait2");
  close(fds[0]);
  close(epfd);
}

static void mode_edge(void) {
  int epfd = epoll_create1(0);
  int fds[2];
  ipc_pipe2(fds, 0);
  CHECK_EQ(add(epfd, fds[0], EPOLLIN | EPOLLET, 1), 0, "add ET");
  struct epoll_event out[4];
  CHECK_EQ(write(fds[1], "a", 1), 1, "write");
  CHECK_EQ(wait_events(epfd, out, 4, 0), 1, "edge");
  CHECK_EQ(wait_events(epfd, out, 4, 0), 0, "no new edge");
  CHECK_EQ(write(fds[1], "b", 1), 1, "write more");
  CHECK_EQ(wait_events(epfd, out, 4, 0), 1, "second edge");
  CHECK_EQ(wait_events(epfd, out, 4, 50), 0, "quiet again");
  close(fds[0]);
  close(fds[1]);
  close(epfd);
}

static void mode_oneshot(void) {
  int epfd = epoll_create1(0);
  int fds[2];
  ipc_pipe2(fds, 0);
  CHECK_EQ(add(epfd, fds[0], EPOLLIN | EPOLLONESHOT, 1), 0, "add ONESHOT");
  struct epoll_event out[4];
  CHECK_EQ(write(fds[1], "a", 1), 1, "write");
  CHECK_EQ(wait_events(epfd, out, 4, 0), 1, "fires once");
  CHECK_EQ(write(fds[1], "b", 1), 1, "write more");
  CHECK_EQ(wait_events(epfd, out, 4, 0), 0, "disabled");
  struct epoll_event event = {.events = EPOLLIN | EPOLLONESHOT, .data.u64 = 2};
  CHECK_EQ(epoll_ctl(epfd, EPOLL_CTL_MOD, fds[0], &event), 0, "re-arm");
  CHECK_EQ(wait_events(epfd, out, 4, 0), 1, "fires after MOD");
  CHECK_EQ(out[0].data.u64, 2, "new data");
  CHECK_ERR(add(epfd, fds[0], EPOLLIN, 3), EEXIST, "still registered");
  close(fds[0]);
  close(fds[1]);
  close(epfd);
}

static void mode_close(void) {
  int epfd = epoll_create1(0);
  int fds[2];
  ipc_pipe2(fds, 0);
  CHECK_EQ(write(fds[1], "a", 1), 1, "write");
  int copy = dup(fds[0]);
  CHECK_EQ(add(epfd, fds[0], EPOLLIN, 7), 0, "add");
  close(fds[0]);  // the description lives on through `copy`
  struct epoll_event out[4];
  CHECK_EQ(wait_events(epfd, out, 4, 0), 1, "still watched while a dup is open");
  CHECK_EQ(out[0].data.u64, 7, "data");
  CHECK_ERR(epoll_ctl(epfd, EPOLL_CTL_DEL, copy, NULL), ENOENT, "registered under the old fd");
  close(copy);  // last fd: the entry goes
  CHECK_EQ(wait_events(epfd, out, 4, 0), 0, "gone with the description");
  int again[2];
  ipc_pipe2(again, 0);
  CHECK_EQ(add(epfd, again[0], EPOLLIN, 8), 0, "a new file on a reused fd number");
  close(again[0]);
  close(again[1]);
  close(fds[1]);
  close(epfd);
}

static int g_fds[2];

static void *late_writer(void *arg) {
  (void)arg;
  ipc_sleep_ms(100);
  if (write(g_fds[1], "!", 1) != 1) check_fail("late write", "errno %d", errno);
  return NULL;
}

static void mode_threads(void) {
  int epfd = epoll_create1(0);
  ipc_pipe2(g_fds, 0);
  add(epfd, g_fds[0], EPOLLIN, 9);
  pthread_t writer;
  pthread_create(&writer, NULL, late_writer, NULL);
  int64_t start = ipc_now_ns();
  struct epoll_event out[4];
  CHECK_EQ(wait_events(epfd, out, 4, -1), 1, "woken by the write");
  CHECK(ipc_now_ns() - start >= 50 * 1000000LL, "blocked until then");
  CHECK_EQ(out[0].data.u64, 9, "data");
  pthread_join(writer, NULL);
  close(epfd);
}

static void mode_nested(void) {
  int inner = epoll_create1(0), outer = epoll_create1(0);
  int fds[2];
  ipc_pipe2(fds, 0);
  add(inner, fds[0], EPOLLIN, 1);
  CHECK_EQ(add(outer, inner, EPOLLIN, 2), 0, "nest");
  struct epoll_event out[4];
  CHECK_EQ(wait_events(outer, out, 4, 0), 0, "inner not ready");
  g_fds[1] = fds[1];
  pthread_t writer;
  pthread_create(&writer, NULL, late_writer, NULL);
  CHECK_EQ(wait_events(outer, out, 4, -1), 1, "outer woken through inner");
  CHECK_EQ(out[0].data.u64, 2, "outer data");
  CHECK_EQ(out[0].events, EPOLLIN, "EPOLLIN");
  CHECK_EQ(wait_events(inner, out, 4, 0), 1, "inner ready");
  CHECK_EQ(out[0].data.u64, 1, "inner data");
  pthread_join(writer, NULL);
  close(inner);
  CHECK_EQ(wait_events(outer, out, 4, 0), 0, "closed inner removed");
  close(outer);
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "errors";
  if (strcmp(mode, "errors") == 0) {
    mode_errors();
  } else if (strcmp(mode, "level") == 0) {
    mode_level();
  } else if (strcmp(mode, "edge") == 0) {
    mode_edge();
  } else if (strcmp(mode, "oneshot") == 0) {
    mode_oneshot();
  } else if (strcmp(mode, "close") == 0) {
    mode_close();
  } else if (strcmp(mode, "threads") == 0) {
    mode_threads();
  } else if (strcmp(mode, "nested") == 0) {
    mode_nested();
  } else {
    check_fail("mode", "unknown mode %s", mode);
  }
  printf("ipc_epoll %s done\n", mode);
  return 0;
}
