// ipc_events: eventfd(2) and timerfd_create(2). Modes (argv[1]):
//   eventfd  counter and semaphore reads, blocking and non-blocking,
//            overflow, short buffers, readiness, a wake-up across threads
//   timerfd  one-shot and periodic expirations, gettime, TFD_TIMER_ABSTIME,
//            poll/epoll wake at expiry, errors
#include "ipc_util.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>

static int g_event_fd;

static void *late_add(void *arg) {
  (void)arg;
  ipc_sleep_ms(100);
  uint64_t one = 3;
  if (write(g_event_fd, &one, 8) != 8) check_fail("late write", "errno %d", errno);
  return NULL;
}

static void mode_eventfd(void) {
  CHECK_ERR(syscall(SYS_eventfd2, 0, 0x10), EINVAL, "bad flags");
  int fd = (int)syscall(SYS_eventfd2, 5, EFD_NONBLOCK | EFD_CLOEXEC);
  CHECK(fd >= 0, "eventfd2");
  CHECK_EQ(fcntl(fd, F_GETFL), O_RDWR | O_NONBLOCK, "O_RDWR|O_NONBLOCK");
  CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC, "cloexec");
  char path[64], link[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(path, link, sizeof link - 1);
  link[n > 0 ? n : 0] = 0;
  CHECK(strcmp(link, "anon_inode:[eventfd]") == 0, "fd link name");
  uint64_t value = 0;
  char small[4];
  CHECK_ERR(read(fd, small, 4), EINVAL, "short read");
  CHECK_ERR(write(fd, small, 4), EINVAL, "short write");
  CHECK_EQ(read(fd, &value, 8), 8, "read");
  CHECK_EQ(value, 5, "initial value");
  CHECK_ERR(read(fd, &value, 8), EAGAIN, "empty");
  value = 2;
  CHECK_EQ(write(fd, &value, 8), 8, "add 2");
  CHECK_EQ(write(fd, &value, 8), 8, "add 2 more");
  char wide[16];
  CHECK_EQ(read(fd, wide, 16), 8, "a larger buffer reads 8");
  memcpy(&value, wide, 8);
  CHECK_EQ(value, 4, "sum");
  value = UINT64_MAX;
  CHECK_ERR(write(fd, &value, 8), EINVAL, "UINT64_MAX");
  value = UINT64_MAX - 1;
  CHECK_EQ(write(fd, &value, 8), 8, "the maximum");
  value = 1;
  CHECK_ERR(write(fd, &value, 8), EAGAIN, "overflow would block");
  struct pollfd p = {fd, POLLIN | POLLOUT, 0};
  CHECK_EQ(poll(&p, 1, 0), 1, "poll full");
  CHECK_EQ(p.revents, POLLIN, "readable, not writable");
  CHECK_EQ(read(fd, &value, 8), 8, "drain");
  CHECK_EQ(poll(&p, 1, 0), 1, "poll empty");
  CHECK_EQ(p.revents, POLLOUT, "writable, not readable");
  CHECK_ERR(syscall(SYS_read, fd, (void *)8, 8), EAGAIN, "empty before fault");
  close(fd);

  fd = (int)syscall(SYS_eventfd2, 3, EFD_SEMAPHORE);
  for (int i = 0; i < 3; i++) {
    CHECK_EQ(read(fd, &value, 8), 8, "semaphore read");
    CHECK_EQ(value, 1, "semaphore gives 1");
  }
  g_event_fd = fd;
  pthread_t adder;
  pthread_create(&adder, NULL, late_add, NULL);
  int64_t start = ipc_now_ns();
  CHECK_EQ(read(fd, &value, 8), 8, "blocking read");
  CHECK(ipc_now_ns() - start >= 50 * 1000000LL, "blocked until the write");
  CHECK_EQ(value, 1, "semaphore after wake");
  pthread_join(adder, NULL);
  close(fd);
  fd = (int)syscall(SYS_eventfd, 0);
  CHECK(fd >= 0, "eventfd");
  CHECK_EQ(fcntl(fd, F_GETFL), O_RDWR, "eventfd flags");
  close(fd);
}

static void mode_timerfd(void) {
  CHECK_ERR(syscall(SYS_timerfd_create, 42, 0), EINVAL, "bad clock");
  CHECK_ERR(syscall(SYS_timerfd_create, CLOCK_MONOTONIC, 0x10), EINVAL, "bad flags");
  int fd = (int)syscall(SYS_timerfd_create, CLOCK_MONOTONIC, TFD_NONBLOCK);
  CHECK(fd >= 0, "timerfd_create");
  uint64_t ticks = 0;
  CHECK_ERR(read(fd, &ticks, 8), EAGAIN, "disarmed: nothing");
  struct itimerspec spec = {{0, 0}, {0, 0}}, old;
  CHECK_EQ(timerfd_gettime(fd, &old), 0, "gettime disarmed");
  CHECK(old.it_value.tv_sec == 0 && old.it_value.tv_nsec == 0, "disarmed value");
  spec.it_value.tv_nsec = 1000000000;
  CHECK_ERR(timerfd_settime(fd, 0, &spec, NULL), EINVAL, "bad timespec");
  CHECK_ERR(timerfd_settime(fd, 8, &spec, NULL), EINVAL, "bad settime flags");
  int pipe_fds[2];
  ipc_pipe2(pipe_fds, 0);
  spec.it_value.tv_nsec = 1000;
  CHECK_ERR(timerfd_settime(pipe_fds[0], 0, &spec, NULL), EINVAL, "not a timerfd");
  CHECK_ERR(timerfd_settime(999, 0, &spec, NULL), EBADF, "bad fd");
  close(pipe_fds[0]);
  close(pipe_fds[1]);

  // One-shot, 60 ms: gettime counts down, read blocks until expiry.
  spec = (struct itimerspec){{0, 0}, {0, 60 * 1000000}};
  int64_t start = ipc_now_ns();
  CHECK_EQ(timerfd_settime(fd, 0, &spec, NULL), 0, "arm one-shot");
  CHECK_EQ(timerfd_gettime(fd, &old), 0, "gettime armed");
  CHECK(old.it_value.tv_sec == 0 && old.it_value.tv_nsec > 0 &&
            old.it_value.tv_nsec <= 60 * 1000000,
        "time left");
  struct pollfd p = {fd, POLLIN, 0};
  CHECK_EQ(poll(&p, 1, -1), 1, "poll wakes at expiry");
  CHECK(ipc_now_ns() - start >= 55 * 1000000LL, "not before");
  CHECK_EQ(read(fd, &ticks, 8), 8, "read");
  CHECK_EQ(ticks, 1, "one expiration");
  CHECK_ERR(read(fd, &ticks, 8), EAGAIN, "consumed");
  CHECK_EQ(timerfd_gettime(fd, &old), 0, "gettime after");
  CHECK(old.it_value.tv_sec == 0 && old.it_value.tv_nsec == 0, "one-shot disarmed");

  // Periodic, 20 ms: expirations accumulate.
  spec = (struct itimerspec){{0, 20 * 1000000}, {0, 20 * 1000000}};
  start = ipc_now_ns();
  CHECK_EQ(timerfd_settime(fd, 0, &spec, &old), 0, "arm periodic");
  ipc_sleep_ms(200);
  CHECK_EQ(read(fd, &ticks, 8), 8, "read periodic");
  int64_t elapsed = ipc_now_ns() - start;
  printf("periodic ticks %llu in %lld ms\n", (unsigned long long)ticks,
         (long long)(elapsed / 1000000));
  CHECK(ticks >= 9 && (int64_t)ticks <= elapsed / (20 * 1000000), "expiration count");
  CHECK_EQ(timerfd_gettime(fd, &old), 0, "gettime periodic");
  CHECK(old.it_interval.tv_nsec == 20 * 1000000, "interval kept");

  // epoll waits for the next expiry.
  int epfd = epoll_create1(0);
  struct epoll_event event = {.events = EPOLLIN, .data.u64 = 77};
  CHECK_EQ(epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event), 0, "epoll add timerfd");
  struct epoll_event out;
  CHECK_EQ(epoll_wait(epfd, &out, 1, 1000), 1, "epoll wakes at expiry");
  CHECK_EQ(out.data.u64, 77, "epoll data");
  close(epfd);

  // Disarm, then an absolute time in the past expires at once.
  spec = (struct itimerspec){{0, 0}, {0, 0}};
  CHECK_EQ(timerfd_settime(fd, 0, &spec, NULL), 0, "disarm");
  CHECK_ERR(read(fd, &ticks, 8), EAGAIN, "disarm drops pending expirations");
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  spec.it_value = now;
  CHECK_EQ(timerfd_settime(fd, TFD_TIMER_ABSTIME, &spec, NULL), 0, "absolute, past");
  CHECK_EQ(read(fd, &ticks, 8), 8, "expired at once");
  CHECK_EQ(ticks, 1, "once");
  close(fd);

  // A blocking read on CLOCK_REALTIME.
  fd = (int)syscall(SYS_timerfd_create, CLOCK_REALTIME, 0);
  spec = (struct itimerspec){{0, 0}, {0, 30 * 1000000}};
  start = ipc_now_ns();
  timerfd_settime(fd, 0, &spec, NULL);
  CHECK_EQ(read(fd, &ticks, 8), 8, "blocking read");
  CHECK(ipc_now_ns() - start >= 25 * 1000000LL, "blocked until expiry");
  CHECK_ERR(read(fd, &ticks, 4), EINVAL, "short read");
  close(fd);
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "eventfd";
  if (strcmp(mode, "eventfd") == 0) {
    mode_eventfd();
  } else if (strcmp(mode, "timerfd") == 0) {
    mode_timerfd();
  } else {
    check_fail("mode", "unknown mode %s", mode);
  }
  printf("ipc_events %s done\n", mode);
  return 0;
}
