// fs_locks: flock(2) and fcntl record locks (F_GETLK/F_SETLK/F_SETLKW and
// F_OFD_*), between the descriptions and fds of one process, and their
// errors. argv[1]: the base directory (default /tmp). A wait that nobody
// ends is interrupted by a signal (EINTR); waits between processes are
// tests/programs/process_lockwait.c.
#include "fs_util.h"
#include "lock_util.h"

#include <signal.h>
#include <sys/file.h>
#include <sys/time.h>

static void on_alarm(int signal) { (void)signal; }

// SIGALRM in 50 ms, caught without SA_RESTART: it ends a blocking wait.
static void interrupt_soon(void) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_alarm;
  sigaction(SIGALRM, &action, NULL);
  struct itimerval in_50ms = {{0, 0}, {0, 50 * 1000}};
  setitimer(ITIMER_REAL, &in_50ms, NULL);
}

static void check_flock(void) {
  fs_write_file("f", "0123456789");
  int a = CHECK_SYS(open("f", O_RDONLY), "open_a");
  int b = CHECK_SYS(open("f", O_RDONLY), "open_b");
  CHECK_SYS(syscall(SYS_flock, a, LOCK_SH), "flock_sh_a");
  CHECK_SYS(syscall(SYS_flock, b, LOCK_SH | LOCK_NB), "flock_sh_b_shares");
  CHECK_ERR(syscall(SYS_flock, b, LOCK_EX | LOCK_NB), EWOULDBLOCK, "flock_ex_b_conflicts");
  // The failed upgrade dropped b's shared lock (conversions are not atomic),
  // so a can now upgrade.
  CHECK_SYS(syscall(SYS_flock, a, LOCK_EX | LOCK_NB), "flock_upgrade_a");
  CHECK_ERR(syscall(SYS_flock, b, LOCK_SH | LOCK_NB), EWOULDBLOCK, "flock_sh_b_vs_ex");
  interrupt_soon();
  CHECK_ERR(syscall(SYS_flock, b, LOCK_SH), EINTR, "flock_wait_interrupted_eintr");
  // A dup shares the description and so the lock; closing one copy keeps it.
  int a2 = CHECK_SYS(dup(a), "dup_a");
  close(a);
  CHECK_ERR(syscall(SYS_flock, b, LOCK_SH | LOCK_NB), EWOULDBLOCK, "flock_kept_by_dup");
  close(a2);
  CHECK_SYS(syscall(SYS_flock, b, LOCK_EX | LOCK_NB), "flock_released_on_last_close");
  CHECK_SYS(syscall(SYS_flock, b, LOCK_UN), "flock_unlock");
  CHECK_SYS(syscall(SYS_flock, b, LOCK_UN), "flock_unlock_again");
  CHECK_ERR(syscall(SYS_flock, b, LOCK_SH | LOCK_EX), EINVAL, "flock_bad_op_einval");
  CHECK_ERR(syscall(SYS_flock, b, 0), EINVAL, "flock_zero_einval");
  CHECK_ERR(syscall(SYS_flock, 999, LOCK_SH), EBADF, "flock_bad_fd_ebadf");
  int path_fd = CHECK_SYS(open("f", O_PATH), "open_o_path");
  CHECK_ERR(syscall(SYS_flock, path_fd, LOCK_SH), EBADF, "flock_o_path_ebadf");
  close(path_fd);
  // flock and record locks do not interact.
  int w = CHECK_SYS(open("f", O_RDWR), "open_w");
  CHECK_SYS(syscall(SYS_flock, b, LOCK_EX), "flock_ex_b");
  struct flock fl = lock_range(F_WRLCK, 0, 0);
  CHECK_SYS(syscall(SYS_fcntl, w, F_OFD_SETLK, &fl), "ofd_lock_ignores_flock");
  close(w);
  close(b);
}

static void check_ofd_locks(void) {
  int a = CHECK_SYS(open("f", O_RDWR), "ofd_open_a");
  int b = CHECK_SYS(open("f", O_RDWR), "ofd_open_b");
  struct flock fl = lock_range(F_WRLCK, 2, 3);  // bytes 2..4
  CHECK_SYS(syscall(SYS_fcntl, a, F_OFD_SETLK, &fl), "ofd_setlk_a");
  fl = lock_range(F_RDLCK, 4, 1);
  CHECK_ERR(syscall(SYS_fcntl, b, F_OFD_SETLK, &fl), EAGAIN, "ofd_overlap_eagain");
  fl = lock_range(F_WRLCK, 5, 10);
  CHECK_SYS(syscall(SYS_fcntl, b, F_OFD_SETLK, &fl), "ofd_adjacent_ok");
  fl = lock_range(F_RDLCK, 0, 0);
  CHECK_SYS(syscall(SYS_fcntl, b, F_OFD_GETLK, &fl), "ofd_getlk");
  CHECK(fl.l_type == F_WRLCK && fl.l_start == 2 && fl.l_len == 3 && fl.l_pid == -1,
        "ofd_getlk_reports_holder");
  fl = lock_range(F_WRLCK, 0, 2);
  CHECK_SYS(syscall(SYS_fcntl, b, F_OFD_GETLK, &fl), "ofd_getlk_free_range");
  CHECK_EQ(fl.l_type, F_UNLCK, "ofd_getlk_unlocked");
  fl = lock_range(F_WRLCK, 3, 1);
  interrupt_soon();
  CHECK_ERR(syscall(SYS_fcntl, b, F_OFD_SETLKW, &fl), EINTR, "ofd_wait_interrupted_eintr");
  // Unlocking the middle of a lock splits it.
  fl = lock_range(F_UNLCK, 3, 1);
  CHECK_SYS(syscall(SYS_fcntl, a, F_OFD_SETLK, &fl), "ofd_unlock_middle");
  fl = lock_range(F_WRLCK, 3, 1);
  CHECK_SYS(syscall(SYS_fcntl, b, F_OFD_SETLK, &fl), "ofd_lock_the_hole");
  fl = lock_range(F_RDLCK, 4, 1);
  CHECK_ERR(syscall(SYS_fcntl, b, F_OFD_SETLK, &fl), EAGAIN, "ofd_split_right_half_kept");
  fl = lock_range(F_WRLCK, 0, 0);
  fl.l_pid = 1;
  CHECK_ERR(syscall(SYS_fcntl, a, F_OFD_SETLK, &fl), EINVAL, "ofd_nonzero_pid_einval");
  // Closing the description releases its locks.
  close(a);
  fl = lock_range(F_WRLCK, 0, 5);
  CHECK_SYS(syscall(SYS_fcntl, b, F_OFD_SETLK, &fl), "ofd_released_by_close");
  close(b);
}

static void check_posix_locks(void) {
  int a = CHECK_SYS(open("f", O_RDWR), "posix_open_a");
  int ro = CHECK_SYS(open("f", O_RDONLY), "posix_open_ro");
  struct flock fl = lock_range(F_WRLCK, 0, 0);
  CHECK_SYS(syscall(SYS_fcntl, a, F_SETLK, &fl), "posix_setlk");
  // The same process owns it through every fd: no conflict with itself.
  fl = lock_range(F_RDLCK, 0, 4);
  CHECK_SYS(syscall(SYS_fcntl, ro, F_SETLK, &fl), "posix_same_process_no_conflict");
  fl = lock_range(F_WRLCK, 0, 0);
  CHECK_SYS(syscall(SYS_fcntl, a, F_GETLK, &fl), "posix_getlk_own");
  CHECK_EQ(fl.l_type, F_UNLCK, "posix_own_locks_invisible");
  // An OFD lock is another owner.
  int o = CHECK_SYS(open("f", O_RDWR), "posix_open_ofd");
  fl = lock_range(F_RDLCK, 6, 1);
  CHECK_ERR(syscall(SYS_fcntl, o, F_OFD_SETLK, &fl), EAGAIN, "ofd_vs_posix_eagain");
  fl = lock_range(F_WRLCK, 0, 1);
  CHECK_SYS(syscall(SYS_fcntl, o, F_OFD_GETLK, &fl), "ofd_getlk_sees_posix");
  CHECK(fl.l_type == F_RDLCK && fl.l_pid == getpid(), "getlk_posix_owner_pid");
  // Closing any fd of the file drops the process's POSIX locks.
  int other = CHECK_SYS(open("f", O_RDONLY), "posix_open_other");
  close(other);
  fl = lock_range(F_WRLCK, 0, 0);
  CHECK_SYS(syscall(SYS_fcntl, o, F_OFD_SETLK, &fl), "posix_released_by_any_close");
  fl = lock_range(F_UNLCK, 0, 0);
  CHECK_SYS(syscall(SYS_fcntl, o, F_OFD_SETLK, &fl), "ofd_unlock_all");
  // Access-mode and argument errors.
  fl = lock_range(F_WRLCK, 0, 1);
  CHECK_ERR(syscall(SYS_fcntl, ro, F_SETLK, &fl), EBADF, "posix_wrlck_read_only_ebadf");
  fl = lock_range(5, 0, 1);
  CHECK_ERR(syscall(SYS_fcntl, a, F_SETLK, &fl), EINVAL, "posix_bad_type_einval");
  fl = lock_range(F_RDLCK, -5, 1);
  CHECK_ERR(syscall(SYS_fcntl, a, F_SETLK, &fl), EINVAL, "posix_negative_start_einval");
  fl = lock_range(F_RDLCK, 0, 1);
  fl.l_whence = 7;
  CHECK_ERR(syscall(SYS_fcntl, a, F_SETLK, &fl), EINVAL, "posix_bad_whence_einval");
  CHECK_ERR(syscall(SYS_fcntl, a, F_SETLK, FS_BAD_ADDRESS), EFAULT, "posix_bad_pointer_efault");
  // SEEK_CUR / SEEK_END and a negative length.
  CHECK_EQ(lseek(a, 8, SEEK_SET), 8, "seek_8");
  fl = lock_range(F_WRLCK, -2, -3);  // from position 8: start 6 - 3 = bytes 3..5
  fl.l_whence = SEEK_CUR;
  CHECK_SYS(syscall(SYS_fcntl, a, F_SETLK, &fl), "posix_seek_cur_negative_len");
  fl = lock_range(F_WRLCK, 0, 0);
  CHECK_SYS(syscall(SYS_fcntl, o, F_OFD_GETLK, &fl), "getlk_relative_lock");
  CHECK(fl.l_type == F_WRLCK && fl.l_start == 3 && fl.l_len == 3, "relative_range_resolved");
  close(o);
  close(ro);
  close(a);
}

int main(int argc, char **argv) {
  fs_setup(argc, argv, "fs_locks");
  check_flock();
  check_ofd_locks();
  check_posix_locks();
  printf("fs_locks done\n");
  return 0;
}
