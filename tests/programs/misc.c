// misc: sched_yield, set_tid_address, fcntl and ioctl on stdio, ENOSYS.
// Expects stdin and stdout to be pipes (not terminals). Modes (argv[1]):
//   (none)         all checks
//   getpid N       N raw getpid calls (for --stats), prints "getpid_calls N"
#include "check.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>

int main(int argc, char **argv) {
  if (argc > 2 && strcmp(argv[1], "getpid") == 0) {
    long n = atol(argv[2]);
    for (long i = 0; i < n; i++) syscall(SYS_getpid);
    printf("getpid_calls %ld\n", n);
    return 0;
  }
  CHECK_EQ(syscall(SYS_sched_yield), 0, "sched_yield");
  int tid_word = 5;
  CHECK_EQ(syscall(SYS_set_tid_address, &tid_word), syscall(SYS_gettid),
           "set_tid_address_returns_tid");
  CHECK_EQ(tid_word, 5, "set_tid_address_does_not_write");

  // fcntl on stdio pipes.
  long fl = CHECK_SYS(syscall(SYS_fcntl, 1, F_GETFL), "fcntl_getfl_stdout");
  CHECK_EQ(fl & O_ACCMODE, O_WRONLY, "stdout_is_write_only");
  long fl0 = CHECK_SYS(syscall(SYS_fcntl, 0, F_GETFL), "fcntl_getfl_stdin");
  CHECK_EQ(fl0 & O_ACCMODE, O_RDONLY, "stdin_is_read_only");
  CHECK_EQ(syscall(SYS_fcntl, 1, F_GETFD), 0, "fcntl_getfd_stdout_no_cloexec");
  CHECK_EQ(syscall(SYS_fcntl, 1, F_SETFD, FD_CLOEXEC), 0, "fcntl_setfd_cloexec");
  CHECK_EQ(syscall(SYS_fcntl, 1, F_GETFD), FD_CLOEXEC, "fcntl_getfd_cloexec");
  CHECK_EQ(syscall(SYS_fcntl, 1, F_SETFD, 0), 0, "fcntl_setfd_clear");
  CHECK_EQ(syscall(SYS_fcntl, 1, F_GETFD), 0, "fcntl_getfd_cleared");
  CHECK_EQ(syscall(SYS_fcntl, 1, F_SETFL, fl | O_NONBLOCK), 0, "fcntl_setfl_nonblock");
  long fl2 = CHECK_SYS(syscall(SYS_fcntl, 1, F_GETFL), "fcntl_getfl_after_setfl");
  CHECK((fl2 & O_NONBLOCK) && (fl2 & O_ACCMODE) == O_WRONLY, "fcntl_nonblock_visible");
  // F_SETFL can't change the access mode.
  CHECK_EQ(syscall(SYS_fcntl, 1, F_SETFL, O_RDWR), 0, "fcntl_setfl_ignores_access_mode");
  long fl3 = CHECK_SYS(syscall(SYS_fcntl, 1, F_GETFL), "fcntl_getfl_after_rdwr");
  CHECK((fl3 & O_ACCMODE) == O_WRONLY && !(fl3 & O_NONBLOCK), "fcntl_access_mode_kept");
  CHECK_EQ(syscall(SYS_fcntl, 1, F_SETFL, fl), 0, "fcntl_setfl_restore");
  CHECK_ERR(syscall(SYS_fcntl, 99, F_GETFL), EBADF, "fcntl_bad_fd_ebadf");
  CHECK_ERR(syscall(SYS_fcntl, -1, F_GETFD), EBADF, "fcntl_negative_fd_ebadf");
  CHECK_ERR(syscall(SYS_fcntl, 1, 9999), EINVAL, "fcntl_bad_cmd_einval");

  // ioctl: terminal requests on pipes are ENOTTY.
  struct termios t;
  struct winsize ws;
  CHECK_ERR(syscall(SYS_ioctl, 1, TCGETS, &t), ENOTTY, "ioctl_tcgets_pipe_enotty");
  CHECK_ERR(syscall(SYS_ioctl, 0, TCGETS, &t), ENOTTY, "ioctl_tcgets_stdin_pipe_enotty");
  CHECK_ERR(syscall(SYS_ioctl, 1, TIOCGWINSZ, &ws), ENOTTY, "ioctl_tiocgwinsz_pipe_enotty");
  CHECK_ERR(syscall(SYS_ioctl, 99, TCGETS, &t), EBADF, "ioctl_bad_fd_ebadf");
  CHECK_EQ(isatty(1), 0, "libc_isatty_stdout_false");

  // Unknown syscall numbers.
  CHECK_ERR(syscall(1000), ENOSYS, "syscall_1000_enosys");
  // (Not 335/336: since Linux 6.11 they are uretprobe/uprobe, which kill a
  // caller outside a probe trampoline with SIGILL. And 440 is process_madvise.
  // 337..423 is the gap below the numbers shared with the generic table.)
  CHECK_ERR(syscall(400), ENOSYS, "syscall_400_enosys");
  CHECK_ERR(syscall(423), ENOSYS, "syscall_423_enosys");
  CHECK_ERR(syscall(100000), ENOSYS, "syscall_100000_enosys");
  CHECK_ERR(syscall(-1L), ENOSYS, "syscall_minus_1_enosys");
  CHECK_ERR(syscall(0x7fffffffL), ENOSYS, "syscall_int_max_enosys");
  printf("misc done\n");
  return 0;
}
