// ipc_pipe: pipe(2)/pipe2(2) semantics. Modes (argv[1]):
//   basic     flags, fstat, /proc/self/fd name, EOF, EBADF/ESPIPE/EFAULT/EINVAL
//   nonblock  EAGAIN on both ends, the 64 KiB capacity, FIONREAD
//   threads   1 MiB through a pipe between two threads, blocking both ways
//   atomic    4 writer threads, records <= PIPE_BUF never interleave
//   epipe     EPIPE with SIGPIPE ignored, POLLERR/POLLHUP
//   size      F_GETPIPE_SZ/F_SETPIPE_SZ rounding, EBUSY, EINVAL, EPERM
//   fifo      mkfifo: open rules (ENXIO, blocking until the peer), data
#include "ipc_util.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

static void mode_basic(void) {
  int fds[2];
  CHECK_EQ(ipc_pipe2(fds, 0), 0, "pipe2");
  CHECK_EQ(fcntl(fds[0], F_GETFL), O_RDONLY, "read end O_RDONLY");
  CHECK_EQ(fcntl(fds[1], F_GETFL), O_WRONLY, "write end O_WRONLY");
  CHECK_EQ(fcntl(fds[0], F_GETFD), 0, "no cloexec");
  struct stat st, st2;
  CHECK_EQ(fstat(fds[0], &st), 0, "fstat");
  CHECK(S_ISFIFO(st.st_mode), "S_ISFIFO");
  CHECK_EQ(fstat(fds[1], &st2), 0, "fstat write end");
  CHECK_EQ(st.st_ino, st2.st_ino, "one inode for both ends");
  char path[64], link[64], expected[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fds[0]);
  ssize_t n = readlink(path, link, sizeof link - 1);
  CHECK(n > 0, "readlink fd");
  link[n > 0 ? n : 0] = 0;
  snprintf(expected, sizeof expected, "pipe:[%lu]", (unsigned long)st.st_ino);
  CHECK(strcmp(link, expected) == 0, "fd link is pipe:[ino]");

  CHECK_EQ(write(fds[1], "hello", 5), 5, "write");
  char buffer[16] = {0};
  CHECK_EQ(read(fds[0], buffer, 3), 3, "short read");
  CHECK(memcmp(buffer, "hel", 3) == 0, "data in order");
  CHECK_EQ(read(fds[0], buffer, sizeof buffer), 2, "rest");
  CHECK(memcmp(buffer, "lo", 2) == 0, "rest in order");
  CHECK_ERR(write(fds[0], "x", 1), EBADF, "write to read end");
  CHECK_ERR(read(fds[1], buffer, 1), EBADF, "read from write end");
  CHECK_ERR(lseek(fds[0], 0, SEEK_SET), ESPIPE, "lseek");
  CHECK_ERR(pread(fds[0], buffer, 1, 0), ESPIPE, "pread");
  CHECK_ERR(syscall(SYS_write, fds[1], (void *)8, 4), EFAULT, "write from a bad buffer");
  CHECK_EQ(write(fds[1], "ab", 2), 2, "write again");
  CHECK_ERR(syscall(SYS_read, fds[0], (void *)8, 2), EFAULT, "read into a bad buffer");
  CHECK_EQ(read(fds[0], buffer, 2), 2, "data kept after EFAULT");
  CHECK_EQ(close(fds[1]), 0, "close writer");
  CHECK_EQ(read(fds[0], buffer, sizeof buffer), 0, "EOF without writers");
  close(fds[0]);

  CHECK_EQ(ipc_pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0, "pipe2 flags");
  CHECK_EQ(fcntl(fds[0], F_GETFD), FD_CLOEXEC, "O_CLOEXEC");
  CHECK_EQ(fcntl(fds[1], F_GETFL), O_WRONLY | O_NONBLOCK, "O_NONBLOCK");
  close(fds[0]);
  close(fds[1]);
  CHECK_ERR(ipc_pipe2(fds, O_APPEND), EINVAL, "pipe2 bad flag");
  CHECK_ERR(syscall(SYS_pipe2, (void *)8, 0), EFAULT, "pipe2 bad pointer");
  CHECK_EQ(syscall(SYS_pipe, fds), 0, "pipe");
  close(fds[0]);
  close(fds[1]);
}

static void mode_nonblock(void) {
  int fds[2];
  CHECK_EQ(ipc_pipe2(fds, O_NONBLOCK), 0, "pipe2");
  char buffer[4096];
  CHECK_ERR(read(fds[0], buffer, 1), EAGAIN, "empty read");
  memset(buffer, 'x', sizeof buffer);
  size_t total = 0;
  for (;;) {
    ssize_t n = write(fds[1], buffer, sizeof buffer);
    if (n < 0) break;
    total += (size_t)n;
  }
  CHECK_EQ(errno, EAGAIN, "full pipe EAGAIN");
  CHECK_EQ(total, 65536, "default capacity");
  int queued = 0;
  CHECK_EQ(ioctl(fds[0], FIONREAD, &queued), 0, "FIONREAD");
  CHECK_EQ(queued, 65536, "FIONREAD count");
  CHECK_ERR(write(fds[1], "y", 1), EAGAIN, "small write when full");
  CHECK_EQ(read(fds[0], buffer, 4096), 4096, "drain a page");
  static char big[20000];
  ssize_t n = write(fds[1], big, sizeof big);
  CHECK(n > 0 && n < (ssize_t)sizeof big, "large write is partial");
  close(fds[0]);
  close(fds[1]);
}

enum { kThreadBytes = 1 << 20 };

static void *writer_main(void *arg) {
  int fd = *(int *)arg;
  static unsigned char chunk[10000];
  size_t sent = 0, size = 1;
  while (sent < kThreadBytes) {
    size_t length = size < kThreadBytes - sent ? size : kThreadBytes - sent;
    for (size_t i = 0; i < length; i++) chunk[i] = (unsigned char)((sent + i) * 7);
    ipc_write_all(fd, chunk, length, "writer");
    sent += length;
    size = size * 3 % 9973 + 1;  // varying sizes, some above PIPE_BUF
  }
  close(fd);
  return NULL;
}

static void mode_threads(void) {
  int fds[2];
  CHECK_EQ(ipc_pipe2(fds, 0), 0, "pipe2");
  pthread_t writer;
  CHECK_EQ(pthread_create(&writer, NULL, writer_main, &fds[1]), 0, "start writer");
  static unsigned char buffer[7777];
  size_t received = 0;
  int in_order = 1;
  for (;;) {
    ssize_t n = read(fds[0], buffer, sizeof buffer);
    if (n < 0) check_fail("read", "errno %d", errno);
    if (n == 0) break;
    for (ssize_t i = 0; i < n; i++) {
      if (buffer[i] != (unsigned char)((received + (size_t)i) * 7)) in_order = 0;
    }
    received += (size_t)n;
  }
  CHECK_EQ(received, kThreadBytes, "all bytes through");
  CHECK(in_order, "bytes in order");
  pthread_join(writer, NULL);
  close(fds[0]);
}

enum { kWriters = 4, kRecords = 400 };
static int g_atomic_fd;
static const size_t kRecordSizes[2] = {512, 4096};

static void *record_writer(void *arg) {
  int id = (int)(intptr_t)arg;
  static _Thread_local unsigned char record[4096];
  for (int i = 0; i < kRecords; i++) {
    size_t size = kRecordSizes[i % 2];
    memset(record, 'A' + id, size);
    if (write(g_atomic_fd, record, size) != (ssize_t)size) {
      check_fail("record write", "errno %d", errno);
    }
  }
  return NULL;
}

static void mode_atomic(void) {
  int fds[2];
  CHECK_EQ(ipc_pipe2(fds, 0), 0, "pipe2");
  g_atomic_fd = fds[1];
  pthread_t writers[kWriters];
  for (int i = 0; i < kWriters; i++) {
    pthread_create(&writers[i], NULL, record_writer, (void *)(intptr_t)i);
  }
  // Records of each writer alternate 512 and 4096 bytes; a record is whole
  // if its bytes are one letter, and the next writer's record follows.
  static unsigned char stream[kWriters * kRecords * 4608 / 2 + 4096];
  size_t expected = (size_t)kWriters * (kRecords / 2) * (512 + 4096);
  size_t total = 0;
  while (total < expected) {
    ssize_t n = read(fds[0], stream + total, 3001);
    if (n <= 0) check_fail("read", "n %zd errno %d", n, errno);
    total += (size_t)n;
  }
  int next_size[kWriters] = {0};
  int whole = 1;
  for (size_t at = 0; at < total && whole;) {
    int id = stream[at] - 'A';
    if (id < 0 || id >= kWriters) {
      whole = 0;
      break;
    }
    size_t size = kRecordSizes[next_size[id]];
    next_size[id] ^= 1;
    for (size_t i = 0; i < size; i++) {
      if (stream[at + i] != 'A' + id) whole = 0;
    }
    at += size;
  }
  CHECK(whole, "writes <= PIPE_BUF are atomic");
  for (int i = 0; i < kWriters; i++) pthread_join(writers[i], NULL);
  close(fds[0]);
  close(fds[1]);
}

static volatile sig_atomic_t sigpipe_count;
static volatile int sigpipe_code = -100;
static void on_sigpipe(int sig, siginfo_t *info, void *context) {
  (void)sig;
  (void)context;
  sigpipe_count++;
  sigpipe_code = info->si_code;
}

static void mode_epipe(void) {
  int fds[2];
  // A handler sees SIGPIPE (si_code SI_USER, as Linux's send_sig) and the
  // write still fails with EPIPE.
  struct sigaction action = {0};
  action.sa_sigaction = on_sigpipe;
  action.sa_flags = SA_SIGINFO;
  CHECK_EQ(sigaction(SIGPIPE, &action, NULL), 0, "SIGPIPE handler");
  CHECK_EQ(ipc_pipe2(fds, 0), 0, "pipe2 for SIGPIPE");
  close(fds[0]);
  CHECK_ERR(write(fds[1], "x", 1), EPIPE, "write without readers raises SIGPIPE");
  CHECK_EQ(sigpipe_count, 1, "SIGPIPE delivered once");
  CHECK_EQ(sigpipe_code, SI_USER, "SIGPIPE si_code");
  close(fds[1]);
  CHECK(signal(SIGPIPE, SIG_IGN) != SIG_ERR, "ignore SIGPIPE");
  CHECK_EQ(ipc_pipe2(fds, 0), 0, "pipe2");
  CHECK_EQ(write(fds[1], "data", 4), 4, "write");
  close(fds[0]);
  CHECK_ERR(write(fds[1], "x", 1), EPIPE, "write without readers");
  struct pollfd p = {fds[1], POLLOUT, 0};
  CHECK_EQ(poll(&p, 1, 0), 1, "poll write end");
  CHECK(p.revents & POLLERR, "POLLERR without readers");
  close(fds[1]);
  CHECK_EQ(ipc_pipe2(fds, 0), 0, "pipe2 again");
  close(fds[1]);
  p.fd = fds[0];
  p.events = POLLIN;
  CHECK_EQ(poll(&p, 1, 0), 1, "poll read end");
  CHECK_EQ(p.revents, POLLHUP, "POLLHUP without writers");
  close(fds[0]);
}

static void mode_size(void) {
  int fds[2];
  CHECK_EQ(ipc_pipe2(fds, O_NONBLOCK), 0, "pipe2");
  CHECK_EQ(fcntl(fds[0], F_GETPIPE_SZ), 65536, "default size");
  CHECK_EQ(fcntl(fds[1], F_SETPIPE_SZ, 1), 4096, "at least a page");
  CHECK_EQ(fcntl(fds[0], F_GETPIPE_SZ), 4096, "both ends see it");
  CHECK_EQ(fcntl(fds[1], F_SETPIPE_SZ, 5000), 8192, "rounded up");
  CHECK_EQ(fcntl(fds[1], F_SETPIPE_SZ, 3 * 4096), 16384, "power of two pages");
  static char buffer[16384];
  size_t total = 0;
  for (;;) {
    ssize_t n = write(fds[1], buffer, 4096);
    if (n < 0) break;
    total += (size_t)n;
  }
  CHECK_EQ(total, 16384, "new capacity holds");
  CHECK_ERR(fcntl(fds[1], F_SETPIPE_SZ, 4096), EBUSY, "shrink below content");
  CHECK_ERR(fcntl(fds[1], F_SETPIPE_SZ, 0x80000001u), EINVAL, "too large to round");
  errno = 0;
  int r = fcntl(fds[1], F_SETPIPE_SZ, 4 << 20);
  CHECK(r == -1 ? errno == EPERM : geteuid() == 0, "over pipe-max-size");
  int file = open("/proc/self/status", O_RDONLY);
  CHECK_ERR(fcntl(file, F_GETPIPE_SZ), EBADF, "not a pipe");
  close(file);
  close(fds[0]);
  close(fds[1]);
}

static char g_fifo_path[64];

static void *fifo_writer(void *arg) {
  (void)arg;
  ipc_sleep_ms(100);
  int fd = open(g_fifo_path, O_WRONLY);
  if (fd < 0) check_fail("fifo writer open", "errno %d", errno);
  ipc_write_all(fd, "late", 4, "fifo writer");
  close(fd);
  return NULL;
}

static void mode_fifo(void) {
  snprintf(g_fifo_path, sizeof g_fifo_path, "/tmp/ipc_fifo_%d", (int)getpid());
  unlink(g_fifo_path);
  CHECK_EQ(mkfifo(g_fifo_path, 0600), 0, "mkfifo");
  struct stat st;
  CHECK_EQ(stat(g_fifo_path, &st), 0, "stat");
  CHECK(S_ISFIFO(st.st_mode), "S_ISFIFO");
  CHECK_ERR(open(g_fifo_path, O_WRONLY | O_NONBLOCK), ENXIO, "writer without a reader");
  int reader = open(g_fifo_path, O_RDONLY | O_NONBLOCK);
  CHECK(reader >= 0, "non-blocking reader opens at once");
  char buffer[16];
  CHECK_EQ(read(reader, buffer, sizeof buffer), 0, "no writer yet: EOF");
  int writer = open(g_fifo_path, O_WRONLY | O_NONBLOCK);
  CHECK(writer >= 0, "writer with a reader");
  CHECK_EQ(write(writer, "abc", 3), 3, "write");
  CHECK_EQ(read(reader, buffer, sizeof buffer), 3, "read");
  CHECK(memcmp(buffer, "abc", 3) == 0, "data");
  CHECK_ERR(read(reader, buffer, sizeof buffer), EAGAIN, "empty with a writer");
  CHECK_EQ(fcntl(reader, F_GETPIPE_SZ), 65536, "F_GETPIPE_SZ");
  char path[64], link[128];
  snprintf(path, sizeof path, "/proc/self/fd/%d", reader);
  ssize_t n = readlink(path, link, sizeof link - 1);
  link[n > 0 ? n : 0] = 0;
  CHECK(strcmp(link, g_fifo_path) == 0, "fd link is the path");
  close(writer);
  close(reader);

  // A blocking reader waits for the writer the thread opens later.
  pthread_t thread;
  pthread_create(&thread, NULL, fifo_writer, NULL);
  int64_t start = ipc_now_ns();
  reader = open(g_fifo_path, O_RDONLY);
  CHECK(reader >= 0, "blocking reader open");
  CHECK(ipc_now_ns() - start >= 50 * 1000000LL, "waited for the writer");
  size_t got = 0;
  while (got < 4) {
    n = read(reader, buffer + got, 4 - got);
    if (n <= 0) break;
    got += (size_t)n;
  }
  CHECK_EQ(got, 4, "data from the late writer");
  pthread_join(thread, NULL);
  CHECK_EQ(read(reader, buffer, sizeof buffer), 0, "EOF after the writer closed");
  close(reader);
  int both = open(g_fifo_path, O_RDWR);
  CHECK(both >= 0, "O_RDWR does not wait");
  close(both);
  CHECK_EQ(unlink(g_fifo_path), 0, "unlink");
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "basic";
  if (strcmp(mode, "basic") == 0) {
    mode_basic();
  } else if (strcmp(mode, "nonblock") == 0) {
    mode_nonblock();
  } else if (strcmp(mode, "threads") == 0) {
    mode_threads();
  } else if (strcmp(mode, "atomic") == 0) {
    mode_atomic();
  } else if (strcmp(mode, "epipe") == 0) {
    mode_epipe();
  } else if (strcmp(mode, "size") == 0) {
    mode_size();
  } else if (strcmp(mode, "fifo") == 0) {
    mode_fifo();
  } else {
    check_fail("mode", "unknown mode %s", mode);
  }
  printf("ipc_pipe %s done\n", mode);
  return 0;
}
