// io: read, write, writev, pread64, fstat/newfstatat on stdio.
//
// Expects stdout to be a pipe (the test runner's) and stdin a pipe that
// carries some bytes and then EOF. Modes (argv[1]):
//   (none)        all checks; echoes stdin as "stdin <len> <bytes>"
//   big N         writes N bytes of a pattern to stdout with write(2) and
//                 prints nothing else (the runner checks size and content)
#include "check.h"

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/uio.h>

// Byte i of the output is 'a' + i % 26.
static int big(long n) {
  static char buf[65536 + 26];
  for (size_t i = 0; i < sizeof buf; i++) buf[i] = (char)('a' + i % 26);
  long off = 0;
  while (off < n) {
    long chunk = n - off > 65536 ? 65536 : n - off;
    long w = syscall(SYS_write, 1, buf + off % 26, chunk);
    if (w <= 0) {
      fprintf(stderr, "FAIL big: write returned %ld errno %d\n", w, errno);
      return 1;
    }
    off += w;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 2 && strcmp(argv[1], "big") == 0) return big(atol(argv[2]));

  // write
  CHECK_EQ(syscall(SYS_write, 1, "hello\n", 6), 6, "write_returns_count");
  CHECK_EQ(syscall(SYS_write, 1, "x", 0), 0, "write_zero_length");
  CHECK_EQ(syscall(SYS_write, 1, NULL, 0), 0, "write_zero_length_null_buffer");
  CHECK_ERR(syscall(SYS_write, 99, "x", 1), EBADF, "write_bad_fd_ebadf");
  CHECK_ERR(syscall(SYS_write, -1, "x", 1), EBADF, "write_negative_fd_ebadf");
  CHECK_ERR(syscall(SYS_write, 1, NULL, 4), EFAULT, "write_null_buffer_efault");
  CHECK_ERR(syscall(SYS_write, 1, (void *)1, 4), EFAULT, "write_bad_buffer_efault");
  CHECK_ERR(syscall(SYS_write, 1, (void *)0xffff800000000000ul, 4), EFAULT,
            "write_kernel_buffer_efault");
  CHECK_ERR(syscall(SYS_write, 0, "x", 1), EBADF, "write_to_read_end_ebadf");

  // writev
  struct iovec iov[3] = {
      {.iov_base = "wri", .iov_len = 3},
      {.iov_base = "tev", .iov_len = 3},
      {.iov_base = "\n", .iov_len = 1},
  };
  CHECK_EQ(syscall(SYS_writev, 1, iov, 3), 7, "writev_returns_total");
  CHECK_EQ(syscall(SYS_writev, 1, iov, 0), 0, "writev_iovcnt_zero");
  CHECK_EQ(syscall(SYS_writev, 1, NULL, 0), 0, "writev_iovcnt_zero_null_iov");
  struct iovec zero[2] = {{.iov_base = "a", .iov_len = 0},
                          {.iov_base = NULL, .iov_len = 0}};
  CHECK_EQ(syscall(SYS_writev, 1, zero, 2), 0, "writev_all_empty_segments");
  static struct iovec many[IOV_MAX + 1];
  for (int i = 0; i <= IOV_MAX; i++) many[i] = (struct iovec){"", 0};
  CHECK_EQ(syscall(SYS_writev, 1, many, IOV_MAX), 0, "writev_iov_max_ok");
  CHECK_ERR(syscall(SYS_writev, 1, many, IOV_MAX + 1), EINVAL,
            "writev_over_iov_max_einval");
  CHECK_ERR(syscall(SYS_writev, 1, iov, -1), EINVAL, "writev_negative_iovcnt_einval");
  CHECK_ERR(syscall(SYS_writev, 1, (void *)1, 1), EFAULT, "writev_bad_iov_efault");
  struct iovec badbase = {.iov_base = (void *)1, .iov_len = 4};
  CHECK_ERR(syscall(SYS_writev, 1, &badbase, 1), EFAULT, "writev_bad_base_efault");
  struct iovec huge = {.iov_base = "x", .iov_len = (size_t)-1};
  CHECK_ERR(syscall(SYS_writev, 1, &huge, 1), EINVAL, "writev_negative_len_einval");
  CHECK_ERR(syscall(SYS_writev, 99, iov, 3), EBADF, "writev_bad_fd_ebadf");

  // fstat / newfstatat(AT_EMPTY_PATH) on stdio (the runner gives pipes).
  struct stat st, st2;
  CHECK_SYS(syscall(SYS_fstat, 1, &st), "fstat_stdout");
  CHECK(S_ISFIFO(st.st_mode), "fstat_stdout_is_fifo");
  CHECK_SYS(syscall(SYS_newfstatat, 1, "", &st2, AT_EMPTY_PATH),
            "newfstatat_empty_path_stdout");
  CHECK(S_ISFIFO(st2.st_mode) && st2.st_ino == st.st_ino && st2.st_dev == st.st_dev,
        "newfstatat_matches_fstat");
  CHECK_SYS(syscall(SYS_fstat, 0, &st), "fstat_stdin");
  CHECK(S_ISFIFO(st.st_mode), "fstat_stdin_is_fifo");
  CHECK_ERR(syscall(SYS_fstat, 99, &st), EBADF, "fstat_bad_fd_ebadf");
  CHECK_ERR(syscall(SYS_fstat, 1, (void *)1), EFAULT, "fstat_bad_pointer_efault");
  CHECK_ERR(syscall(SYS_newfstatat, 99, "", &st, AT_EMPTY_PATH), EBADF,
            "newfstatat_bad_fd_ebadf");

  // pread64 on a pipe: ESPIPE (a negative offset is EINVAL first).
  char c;
  CHECK_ERR(syscall(SYS_pread64, 0, &c, 1, 0), ESPIPE, "pread64_pipe_espipe");
  CHECK_ERR(syscall(SYS_pread64, 1, &c, 1, 0), ESPIPE, "pread64_stdout_pipe_espipe");
  // Linux checks seekability before the offset: ESPIPE, not EINVAL.
  CHECK_ERR(syscall(SYS_pread64, 0, &c, 1, -1), ESPIPE, "pread64_negative_offset_pipe_espipe");
  CHECK_ERR(syscall(SYS_pread64, 99, &c, 1, 0), EBADF, "pread64_bad_fd_ebadf");

  // read
  CHECK_ERR(syscall(SYS_read, 99, &c, 1), EBADF, "read_bad_fd_ebadf");
  CHECK_ERR(syscall(SYS_read, 1, &c, 1), EBADF, "read_from_write_end_ebadf");
  CHECK_EQ(syscall(SYS_read, 0, &c, 0), 0, "read_zero_length");
  static char in[1 << 16];
  size_t n = 0;
  for (;;) {
    long r = syscall(SYS_read, 0, in + n, sizeof in - n);
    if (r < 0) check_fail("read_stdin", "read returned errno %d", errno);
    if (r == 0) break;
    n += (size_t)r;
    if (n == sizeof in) break;
  }
  check_ok("read_stdin_until_eof");
  CHECK_EQ(syscall(SYS_read, 0, &c, 1), 0, "read_at_eof_returns_zero");
  printf("stdin %zu ", n);
  fflush(stdout);
  CHECK_EQ(syscall(SYS_write, 1, in, n), (long)n, "echo_stdin");
  printf("\nio done\n");
  return 0;
}
