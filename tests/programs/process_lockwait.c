// process_lockwait: blocking lock waits between processes: F_SETLKW,
// F_OFD_SETLKW and flock without LOCK_NB sleep until the holder releases,
// a signal interrupts them (EINTR, or a restart with SA_RESTART), and a
// POSIX lock wait that would close a cycle of processes is EDEADLK.
// Mode (argv[1]) "all" prints "process_lockwait all done" when every check
// passed. argv[2]: the directory for the lock file (default /tmp).
#include "check.h"
#include "lock_util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/time.h>
#include <sys/wait.h>

static char g_path[256];

static pid_t raw_fork(void) { return (pid_t)syscall(SYS_fork); }

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (syscall(SYS_nanosleep, &ts, &ts) != 0 && errno == EINTR) {
  }
}

static long set_lock(int fd, int command, short type, off_t start, off_t length) {
  struct flock fl = lock_range(type, start, length);
  return syscall(SYS_fcntl, fd, command, &fl);
}

static int open_file(void) {
  int fd = open(g_path, O_RDWR);
  if (fd < 0) check_fail("open", "%s: errno %d", g_path, errno);
  return fd;
}

// Whether `fd` has something to read now.
static int readable(int fd) {
  struct pollfd entry = {fd, POLLIN, 0};
  return poll(&entry, 1, 0) == 1;
}

static void expect_child_ok(pid_t child, const char *name) {
  int status = 0;
  CHECK_EQ(waitpid(child, &status, 0), child, name);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, name);
}

static volatile sig_atomic_t g_alarms;
static void on_alarm(int signal) {
  (void)signal;
  ++g_alarms;
}

// SIGALRM after `ms`, with or without SA_RESTART.
static void alarm_in(long ms, int restart) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_alarm;
  action.sa_flags = restart ? SA_RESTART : 0;
  sigaction(SIGALRM, &action, NULL);
  struct itimerval timer = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};
  setitimer(ITIMER_REAL, &timer, NULL);
}

// A child waits (F_SETLKW or flock) for what the parent holds and reports
// "got" through a pipe; the parent releases after a while.
static void wait_until_released(int use_flock) {
  printf("case wait_until_released flock=%d\n", use_flock);
  int fd = open_file();
  if (use_flock) {
    CHECK_SYS(flock(fd, LOCK_EX), "parent_flock");
  } else {
    CHECK_SYS(set_lock(fd, F_SETLK, F_WRLCK, 0, 1), "parent_setlk");
  }
  int report[2];
  CHECK_EQ(pipe(report), 0, "pipe");
  pid_t child = raw_fork();
  if (child == 0) {
    int own = open_file();  // flock: its own description
    long r = use_flock ? flock(own, LOCK_EX) : set_lock(own, F_SETLKW, F_WRLCK, 0, 1);
    if (r != 0) _exit(1);
    (void)!write(report[1], "g", 1);
    _exit(0);
  }
  sleep_ms(200);
  CHECK(!readable(report[0]), "child_still_waiting");
  if (use_flock) {
    CHECK_SYS(flock(fd, LOCK_UN), "parent_unlock");
  } else {
    close(fd);  // closing any fd drops the process's record locks
  }
  char byte = 0;
  CHECK_EQ(read(report[0], &byte, 1), 1, "child_got_lock");
  expect_child_ok(child, "wait_child_status");
  if (use_flock) close(fd);
  close(report[0]);
  close(report[1]);
}

// Two processes each hold one byte and wait for the other's: exactly one
// wait closes the cycle and gets EDEADLK; it gives up, the other proceeds.
static void deadlock(void) {
  printf("case deadlock\n");
  int fd = open_file();
  CHECK_SYS(set_lock(fd, F_SETLK, F_WRLCK, 0, 1), "parent_lock_0");
  int ready[2], report[2];
  CHECK_EQ(pipe(ready), 0, "pipe_ready");
  CHECK_EQ(pipe(report), 0, "pipe_report");
  pid_t child = raw_fork();
  if (child == 0) {
    if (set_lock(fd, F_SETLK, F_WRLCK, 1, 1) != 0) _exit(1);
    (void)!write(ready[1], "r", 1);
    long r = set_lock(fd, F_SETLKW, F_WRLCK, 0, 1);
    char what = r == 0 ? 'g' : errno == EDEADLK ? 'd' : 'e';
    (void)!write(report[1], &what, 1);
    _exit(0);  // exit releases both bytes
  }
  char byte = 0;
  CHECK_EQ(read(ready[0], &byte, 1), 1, "child_holds_1");
  sleep_ms(100);  // usually the child is waiting by now; either order works
  int parent_deadlocks = 0;
  errno = 0;
  if (set_lock(fd, F_SETLKW, F_WRLCK, 1, 1) != 0) {
    CHECK_EQ(errno, EDEADLK, "parent_wait_edeadlk");
    parent_deadlocks = 1;
    CHECK_SYS(set_lock(fd, F_SETLK, F_UNLCK, 0, 1), "parent_gives_up");
  }
  CHECK_EQ(read(report[0], &byte, 1), 1, "child_report");
  CHECK(byte == 'g' || byte == 'd', "child_granted_or_deadlock");
  CHECK_EQ(parent_deadlocks + (byte == 'd'), 1, "exactly_one_deadlock");
  expect_child_ok(child, "deadlock_child_status");
  close(fd);
}

// A wait interrupted by a handler without SA_RESTART fails with EINTR; with
// SA_RESTART the handler runs and the wait goes on.
static void interrupted(void) {
  printf("case interrupted\n");
  int fd = open_file();
  CHECK_SYS(set_lock(fd, F_SETLK, F_WRLCK, 0, 1), "parent_lock");
  CHECK_SYS(flock(fd, LOCK_EX), "parent_flock");
  int phase[2];
  CHECK_EQ(pipe(phase), 0, "pipe_phase");
  pid_t child = raw_fork();
  if (child == 0) {
    int own = open_file();
    alarm_in(100, 0);
    errno = 0;
    CHECK_ERR(set_lock(own, F_SETLKW, F_WRLCK, 0, 1), EINTR, "setlkw_eintr");
    alarm_in(100, 0);
    CHECK_ERR(set_lock(own, F_OFD_SETLKW, F_RDLCK, 0, 1), EINTR, "ofd_setlkw_eintr");
    alarm_in(100, 0);
    CHECK_ERR(flock(own, LOCK_SH), EINTR, "flock_eintr");
    CHECK_EQ(g_alarms, 3, "handlers_ran");
    // SA_RESTART: the handler runs, the wait resumes until the release
    // (300 ms after this byte).
    (void)!write(phase[1], "r", 1);
    alarm_in(100, 1);
    CHECK_SYS(set_lock(own, F_SETLKW, F_WRLCK, 0, 1), "setlkw_restarted");
    CHECK_EQ(g_alarms, 4, "restart_handler_ran");
    _exit(0);
  }
  char byte = 0;
  CHECK_EQ(read(phase[0], &byte, 1), 1, "child_interrupted_thrice");
  sleep_ms(300);
  close(fd);  // releases the record lock and, as the last fd, the flock
  expect_child_ok(child, "interrupted_child_status");
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  const char *dir = argc > 2 ? argv[2] : "/tmp";
  if (strcmp(mode, "all") != 0) check_fail("mode", "unknown mode '%s'", mode);
  snprintf(g_path, sizeof g_path, "%s/process_lockwait_%d", dir, (int)getpid());
  int fd = open(g_path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  CHECK(fd >= 0, "create");
  close(fd);
  wait_until_released(0);
  wait_until_released(1);
  deadlock();
  interrupted();
  CHECK_EQ(unlink(g_path), 0, "unlink");
  printf("process_lockwait all done\n");
  return 0;
}
