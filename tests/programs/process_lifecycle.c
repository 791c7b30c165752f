// process_lifecycle: execve from a thread that is not the group leader, and
// the wait status of a process killed by a core-dumping signal.
// Modes (argv[1]), each printing "process_lifecycle MODE done" when every
// check passed:
//   exec_thread  a second thread execs: the new program runs as the leader
//                (getpid() == gettid()), the old leader is gone, the parent's
//                wait sees the same pid; also after the leader has exited.
//   core_zero    SIGQUIT/SIGABRT/SIGSEGV deaths with RLIMIT_CORE 0 (no core
//                file): no WCOREDUMP, CLD_KILLED.
//   core_large   the same with RLIMIT_CORE unlimited (sandbox only: the
//                sandbox writes no core file, so still no WCOREDUMP).
//   etxtbsy      a copy of this program: exec while it is open for writing,
//                and open/truncate for writing while it runs, are ETXTBSY.
// Internal modes: exec_thread_child PID OLD_TID (the exec'd image's checks);
// txt_wait READY_FD GO_FD (runs until told to end).
#include "check.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

static const char *g_self;  // argv[0]: this program, for the exec
static int g_leader_exits;  // exec_thread: the leader ends before the exec

static pid_t raw_fork(void) { return (pid_t)syscall(SYS_fork); }
static long raw_gettid(void) { return syscall(SYS_gettid); }
static void *thread_tid(void *unused) {
  (void)unused;
  return (void *)raw_gettid();
}

static void *exec_from_thread(void *unused) {
  (void)unused;
  char pid[16], tid[16];
  snprintf(pid, sizeof pid, "%ld", (long)getpid());
  snprintf(tid, sizeof tid, "%ld", raw_gettid());
  // Time for the leader's exit(2) (a zombie leader still answers tgkill on
  // Linux, so there is nothing to poll).
  if (g_leader_exits) usleep(100 * 1000);
  // A POSIX timer (kernel id 0, the first) that exec must delete.
  struct sigevent event;
  memset(&event, 0, sizeof event);
  event.sigev_notify = SIGEV_NONE;
  int timer = -1;
  struct itimerspec in_an_hour = {{0, 0}, {3600, 0}};
  if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &event, &timer) != 0 || timer != 0 ||
      syscall(SYS_timer_settime, timer, 0, &in_an_hour, NULL) != 0) {
    _exit(97);
  }
  char *argv[] = {(char *)g_self, "exec_thread_child", pid, tid, NULL};
  char *envp[] = {NULL};
  syscall(SYS_execve, g_self, argv, envp);
  _exit(99);  // exec failed
}

// The exec'd image: it runs as the leader of the same process.
static int exec_thread_child(char **argv) {
  long pid = atol(argv[2]), old_tid = atol(argv[3]);
  CHECK_EQ(getpid(), pid, "exec_thread_same_pid");
  CHECK_EQ(raw_gettid(), pid, "exec_thread_tid_is_leader");
  CHECK(old_tid != pid, "exec_thread_was_not_leader");
  // Only the leader is left: the exec'ing thread's old tid is gone.
  CHECK_ERR(syscall(SYS_tgkill, pid, old_tid, 0), ESRCH, "exec_thread_old_tid_gone");
  CHECK_EQ(syscall(SYS_tgkill, pid, pid, 0), 0, "exec_thread_leader_tid_live");
  struct itimerspec left;
  CHECK_ERR(syscall(SYS_timer_gettime, 0, &left), EINVAL, "exec_deleted_posix_timers");
  // The process can make and end threads as usual afterwards.
  pthread_t thread;
  CHECK_EQ(pthread_create(&thread, NULL, thread_tid, NULL), 0,
           "exec_thread_new_thread");
  void *new_tid = NULL;
  CHECK_EQ(pthread_join(thread, &new_tid), 0, "exec_thread_join");
  CHECK((long)new_tid != pid, "exec_thread_new_thread_tid");
  return 42;
}

static void exec_thread_case(int leader_exits, const char *name) {
  printf("case %s\n", name);
  pid_t child = raw_fork();
  if (child == 0) {
    g_leader_exits = leader_exits;
    pthread_t thread;
    if (pthread_create(&thread, NULL, exec_from_thread, NULL) != 0) _exit(98);
    if (leader_exits) syscall(SYS_exit, 0);  // only this thread ends
    for (;;) pause();  // ended by the other thread's exec
  }
  int status = 0;
  CHECK_EQ(waitpid(child, &status, 0), child, "exec_thread_wait_same_pid");
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 42, "exec_thread_child_status");
}

// Death by `signal` of a child whose RLIMIT_CORE is `limit`; wait4 and
// waitid must report it as Linux does when no core file is written.
static void core_case(rlim_t limit, int signal) {
  printf("case limit %lld signal %d\n", (long long)limit, signal);
  pid_t child = raw_fork();
  if (child == 0) {
    struct rlimit core = {limit, limit};
    if (setrlimit(RLIMIT_CORE, &core) != 0) _exit(97);
    struct rlimit read_back;
    if (syscall(SYS_getrlimit, RLIMIT_CORE, &read_back) != 0 || read_back.rlim_cur != limit ||
        read_back.rlim_max != limit) {
      _exit(96);
    }
    if (signal == SIGSEGV) {
      int *volatile bad = (int *)8;
      *bad = 1;
    }
    syscall(SYS_kill, getpid(), signal);
    _exit(95);
  }
  siginfo_t info;
  memset(&info, 0, sizeof info);
  CHECK_SYS(syscall(SYS_waitid, P_PID, child, &info, WEXITED | WNOWAIT, NULL), "core_waitid");
  CHECK_EQ(info.si_code, CLD_KILLED, "core_waitid_cld_killed");
  CHECK_EQ(info.si_status, signal, "core_waitid_signal");
  int status = 0;
  CHECK_EQ(wait4(child, &status, 0, NULL), child, "core_wait4");
  CHECK(WIFSIGNALED(status) && WTERMSIG(status) == signal, "core_killed_by_signal");
  CHECK(!WCOREDUMP(status), "core_no_coredump_flag");
  CHECK_EQ(status, signal, "core_status_is_signal");
}

// Copies this program to `path` (mode 0755).
static void copy_self(const char *path) {
  int in = open(g_self, O_RDONLY);
  int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
  CHECK(in >= 0 && out >= 0, "copy_open");
  char buffer[65536];
  ssize_t got;
  while ((got = read(in, buffer, sizeof buffer)) > 0) {
    CHECK_EQ(write(out, buffer, (size_t)got), got, "copy_write");
  }
  close(in);
  close(out);
}

// Runs `path` txt_wait in a child; returns its pid once it runs.
static pid_t start_waiting_copy(const char *path, int *go_fd) {
  int ready[2], go[2];
  CHECK_EQ(pipe(ready), 0, "pipe_ready");
  CHECK_EQ(pipe(go), 0, "pipe_go");
  pid_t child = raw_fork();
  if (child == 0) {
    char ready_fd[16], go_fd_text[16];
    snprintf(ready_fd, sizeof ready_fd, "%d", ready[1]);
    snprintf(go_fd_text, sizeof go_fd_text, "%d", go[0]);
    char *argv[] = {(char *)path, "txt_wait", ready_fd, go_fd_text, NULL};
    char *envp[] = {NULL};
    syscall(SYS_execve, path, argv, envp);
    _exit(99);
  }
  close(ready[1]);
  close(go[0]);
  char byte = 0;
  CHECK_EQ(read(ready[0], &byte, 1), 1, "copy_running");
  close(ready[0]);
  *go_fd = go[1];
  return child;
}

static void etxtbsy(void) {
  char dir[] = "/tmp/process_lifecycle_XXXXXX";
  CHECK(mkdtemp(dir) != NULL, "mkdtemp");
  char path[64];
  snprintf(path, sizeof path, "%s/prog", dir);
  copy_self(path);

  // execve of a file open for writing.
  int writer = open(path, O_WRONLY);
  CHECK(writer >= 0, "open_for_write");
  pid_t child = raw_fork();
  if (child == 0) {
    char *argv[] = {path, "txt_wait", "-1", "-1", NULL};
    char *envp[] = {NULL};
    syscall(SYS_execve, path, argv, envp);
    _exit(errno == ETXTBSY ? 0 : 1);
  }
  int status = 0;
  CHECK_EQ(waitpid(child, &status, 0), child, "wait_exec_child");
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exec_of_open_for_write_etxtbsy");
  close(writer);

  // Writing a file a process runs.
  int go = -1;
  child = start_waiting_copy(path, &go);
  CHECK_ERR(open(path, O_WRONLY), ETXTBSY, "open_wronly_running_etxtbsy");
  CHECK_ERR(open(path, O_RDWR), ETXTBSY, "open_rdwr_running_etxtbsy");
  CHECK_ERR(open(path, O_RDONLY | O_TRUNC), ETXTBSY, "open_trunc_running_etxtbsy");
  CHECK_ERR(truncate(path, 0), ETXTBSY, "truncate_running_etxtbsy");
  int reader = open(path, O_RDONLY);
  CHECK(reader >= 0, "open_rdonly_running_ok");
  close(reader);
  CHECK_EQ(write(go, "x", 1), 1, "release_copy");
  CHECK_EQ(waitpid(child, &status, 0), child, "wait_copy");
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "copy_exit_status");
  // Once it has exited, the file may be written again.
  writer = open(path, O_WRONLY);
  CHECK(writer >= 0, "open_for_write_after_exit");
  close(writer);
  CHECK_EQ(unlink(path), 0, "unlink");
  CHECK_EQ(rmdir(dir), 0, "rmdir");
}

int main(int argc, char **argv) {
  g_self = argv[0];
  const char *mode = argc > 1 ? argv[1] : "";
  if (strcmp(mode, "exec_thread_child") == 0 && argc == 4) return exec_thread_child(argv);
  if (strcmp(mode, "txt_wait") == 0 && argc == 4) {
    char byte = 0;
    if (write(atoi(argv[2]), "r", 1) != 1 || read(atoi(argv[3]), &byte, 1) != 1) return 2;
    return 0;
  }
  if (strcmp(mode, "exec_thread") == 0) {
    exec_thread_case(0, "leader_alive");
    exec_thread_case(1, "leader_exited");
  } else if (strcmp(mode, "core_zero") == 0) {
    core_case(0, SIGQUIT);
    core_case(0, SIGABRT);
    core_case(0, SIGSEGV);
  } else if (strcmp(mode, "etxtbsy") == 0) {
    etxtbsy();
  } else if (strcmp(mode, "core_large") == 0) {
    core_case(RLIM_INFINITY, SIGQUIT);
    core_case(RLIM_INFINITY, SIGSEGV);
  } else {
    check_fail("mode", "unknown mode '%s'", mode);
  }
  printf("process_lifecycle %s done\n", mode);
  return 0;
}
