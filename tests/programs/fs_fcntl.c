// fs_fcntl: dup/dup2/dup3 and fcntl F_DUPFD(_CLOEXEC)/F_GETFD/F_SETFD/
// F_GETFL/F_SETFL on files, ioctl FIOCLEX/FIONCLEX/FIONBIO/FIONREAD,
// RLIMIT_NOFILE, and their errors. argv[1]: the base directory (default
// /tmp).
#include "fs_util.h"

#include <sys/ioctl.h>
#include <sys/resource.h>

int main(int argc, char **argv) {
  fs_setup(argc, argv, "fs_fcntl");
  fs_write_file("f", "0123456789");
  int fd = CHECK_SYS(open("f", O_RDWR), "open_f");
  // Duplicates share the description: one file position.
  int copy = CHECK_SYS(syscall(SYS_dup, fd), "dup");
  char buf[4];
  CHECK_EQ(read(fd, buf, 3), 3, "read_3");
  CHECK_EQ(lseek(copy, 0, SEEK_CUR), 3, "dup_shares_position");
  int high = CHECK_SYS(syscall(SYS_fcntl, fd, F_DUPFD, 100), "f_dupfd");
  CHECK(high >= 100, "f_dupfd_at_least_min");
  CHECK_EQ(syscall(SYS_fcntl, high, F_GETFD), 0, "f_dupfd_no_cloexec");
  int cloexec = CHECK_SYS(syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 0), "f_dupfd_cloexec");
  CHECK_EQ(syscall(SYS_fcntl, cloexec, F_GETFD), FD_CLOEXEC, "f_dupfd_cloexec_flag");
  CHECK_EQ(syscall(SYS_dup3, fd, 50, O_CLOEXEC), 50, "dup3_cloexec");
  CHECK_EQ(syscall(SYS_fcntl, 50, F_GETFD), FD_CLOEXEC, "dup3_cloexec_flag");
  CHECK_EQ(syscall(SYS_dup2, copy, 50), 50, "dup2_replaces");
  CHECK_EQ(syscall(SYS_fcntl, 50, F_GETFD), 0, "dup2_clears_cloexec");
  CHECK_ERR(syscall(SYS_dup3, fd, fd, 0), EINVAL, "dup3_same_fd_einval");
  CHECK_ERR(syscall(SYS_fcntl, fd, F_DUPFD, -1), EINVAL, "f_dupfd_negative_einval");
  // Close-on-exec through ioctl.
  CHECK_SYS(syscall(SYS_ioctl, high, FIOCLEX), "ioctl_fioclex");
  CHECK_EQ(syscall(SYS_fcntl, high, F_GETFD), FD_CLOEXEC, "fioclex_sets");
  CHECK_SYS(syscall(SYS_ioctl, high, FIONCLEX), "ioctl_fionclex");
  CHECK_EQ(syscall(SYS_fcntl, high, F_GETFD), 0, "fionclex_clears");
  // Status flags.
  long fl = CHECK_SYS(syscall(SYS_fcntl, fd, F_GETFL), "getfl");
  CHECK_EQ(fl & O_ACCMODE, O_RDWR, "getfl_access_mode");
  // The kernel's O_LARGEFILE (glibc defines O_LARGEFILE as 0 on x86-64).
  CHECK(fl & 0100000, "getfl_largefile");
  CHECK_SYS(syscall(SYS_fcntl, fd, F_SETFL, fl | O_APPEND | O_NONBLOCK | O_NOATIME), "setfl");
  long fl2 = CHECK_SYS(syscall(SYS_fcntl, copy, F_GETFL), "getfl_on_dup");
  CHECK((fl2 & (O_APPEND | O_NONBLOCK | O_NOATIME)) == (O_APPEND | O_NONBLOCK | O_NOATIME),
        "setfl_shared_by_dup");
  CHECK_EQ(write(fd, "X", 1), 1, "write_after_setfl_append");
  CHECK_EQ(lseek(fd, 0, SEEK_CUR), 11, "setfl_append_writes_at_end");
  CHECK_SYS(syscall(SYS_fcntl, fd, F_SETFL, O_WRONLY | O_CREAT | O_TRUNC), "setfl_ignores_others");
  long fl3 = CHECK_SYS(syscall(SYS_fcntl, fd, F_GETFL), "getfl_after_clear");
  CHECK((fl3 & O_ACCMODE) == O_RDWR && !(fl3 & (O_APPEND | O_NONBLOCK | O_NOATIME)),
        "setfl_cleared_and_kept_access");
  int on = 1;
  CHECK_SYS(syscall(SYS_ioctl, fd, FIONBIO, &on), "ioctl_fionbio");
  CHECK(syscall(SYS_fcntl, fd, F_GETFL) & O_NONBLOCK, "fionbio_sets_nonblock");
  // FIONREAD: bytes after the position.
  CHECK_EQ(lseek(fd, 4, SEEK_SET), 4, "seek_4");
  int avail = -1;
  CHECK_SYS(syscall(SYS_ioctl, fd, FIONREAD, &avail), "ioctl_fionread");
  CHECK_EQ(avail, 7, "fionread_remaining");
  CHECK_ERR(syscall(SYS_ioctl, fd, FIONREAD, FS_BAD_ADDRESS), EFAULT, "fionread_efault");
  CHECK_ERR(syscall(SYS_ioctl, fd, 0x5401 /* TCGETS */, buf), ENOTTY, "tcgets_file_enotty");
  int path_fd = CHECK_SYS(open("f", O_PATH), "open_o_path");
  CHECK_ERR(syscall(SYS_ioctl, path_fd, FIOCLEX), EBADF, "ioctl_o_path_ebadf");
  CHECK_SYS(syscall(SYS_fcntl, path_fd, F_SETFD, FD_CLOEXEC), "fcntl_o_path_setfd");
  CHECK_ERR(syscall(SYS_fcntl, path_fd, F_SETFL, O_NONBLOCK), EBADF, "fcntl_o_path_setfl_ebadf");
  int path_copy = CHECK_SYS(syscall(SYS_dup, path_fd), "dup_o_path");
  close(path_copy);
  close(path_fd);
  // RLIMIT_NOFILE bounds F_DUPFD and dup.
  struct rlimit old, low;
  CHECK_SYS(getrlimit(RLIMIT_NOFILE, &old), "getrlimit");
  low.rlim_cur = 60;
  low.rlim_max = old.rlim_max;
  CHECK_SYS(setrlimit(RLIMIT_NOFILE, &low), "setrlimit_60");
  CHECK_ERR(syscall(SYS_fcntl, fd, F_DUPFD, 60), EINVAL, "f_dupfd_at_limit_einval");
  CHECK_ERR(syscall(SYS_dup2, fd, 60), EBADF, "dup2_at_limit_ebadf");
  int last = -1;
  for (;;) {
    long r = syscall(SYS_dup, fd);
    if (r < 0) {
      CHECK_EQ(errno, EMFILE, "dup_until_emfile");
      break;
    }
    last = (int)r;
  }
  CHECK_EQ(last, 59, "last_fd_below_limit");
  CHECK_ERR(syscall(SYS_openat, AT_FDCWD, "f", O_RDONLY), EMFILE, "open_emfile");
  for (int i = 3; i < 60; i++) {
    if (i != fd) close(i);
  }
  CHECK_SYS(setrlimit(RLIMIT_NOFILE, &old), "setrlimit_restore");
  close(fd);
  printf("fs_fcntl done\n");
  return 0;
}
