// Processes, signals and IPC across vCPUs: what one vCPU does to threads
// running or blocked on another. Modes (each prints "<mode> done" unless it
// ends the process itself):
//   exit_group   threads spin in ring 3 and block in a futex on CPU 1; main
//                on CPU 0 calls exit_group(7): the process must end with 7
//   exec         the same, then main execs this program ("exec_target"),
//                which prints "exec_target done"
//   fork_cow     a thread on CPU 1 keeps writing a counter while main forks:
//                the child's copy must never change afterwards (the parent's
//                writable TLB entries on CPU 1 were shot down)
//   wakeups      a thread on CPU 1 blocks and one on CPU 0 wakes it, N times
//                each: pipe read, epoll_wait, eventfd read, timerfd read, and
//                an ITIMER_REAL SIGALRM only the CPU 1 thread takes
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#include "check.h"
#include "pin_cpu.h"

static void start_thread(void *(*fn)(void *), void *arg) {
  pthread_t thread;
  CHECK_EQ(pthread_create(&thread, NULL, fn, arg), 0, "create");
}

// --- exit_group / exec with threads busy on another vCPU --------------------
static atomic_int g_started;
static _Atomic uint32_t g_never;  // futex word nobody wakes

static void *spinner_main(void *arg) {
  (void)arg;
  pin_to(1);
  atomic_fetch_add(&g_started, 1);
  for (;;) {
  }
  return NULL;
}

static void *sleeper_main(void *arg) {
  (void)arg;
  pin_to(1);
  atomic_fetch_add(&g_started, 1);
  for (;;) syscall(SYS_futex, &g_never, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
  return NULL;
}

static void start_busy_threads(void) {
  pin_to(0);
  start_thread(spinner_main, NULL);
  start_thread(sleeper_main, NULL);
  while (atomic_load(&g_started) != 2) sched_yield();
  // Let the sleeper block and the spinner run ring 3 on CPU 1.
  struct timespec pause = {0, 20 * 1000 * 1000};
  nanosleep(&pause, NULL);
}

static void exec_self(const char *self) {
  start_busy_threads();
  char *argv[] = {(char *)self, "exec_target", NULL};
  syscall(SYS_execve, self, argv, (char *[]){NULL});
  check_fail("execve", "errno %d", errno);
}

// --- fork_cow ---------------------------------------------------------------
static volatile uint64_t g_counter __attribute__((aligned(4096)));
static atomic_int g_stop;

static void *writer_main(void *arg) {
  (void)arg;
  pin_to(1);
  atomic_store(&g_started, 1);
  while (!atomic_load(&g_stop)) g_counter++;
  return NULL;
}

static void fork_cow(void) {
  pin_to(0);
  start_thread(writer_main, NULL);
  while (!atomic_load(&g_started)) sched_yield();
  for (int round = 0; round < 20; round++) {
    pid_t child = fork();
    CHECK(child >= 0, "fork");
    if (child == 0) {
      uint64_t first = g_counter;
      for (volatile long i = 0; i < 500000; i++) {
      }
      _exit(g_counter == first ? 0 : 1);
    }
    int status = 0;
    CHECK_EQ(waitpid(child, &status, 0), child, "waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      check_fail("child_copy_unchanged", "round %d status 0x%x", round, status);
    }
  }
  atomic_store(&g_stop, 1);
  printf("fork_cow done\n");
}

// --- wakeups ------------------------------------------------------------------
enum { kWakeRounds = 50 };
static int g_pipe[2], g_back[2], g_epoll, g_event, g_timer;
static atomic_int g_alarms;

static void on_alarm(int sig) {
  (void)sig;
  atomic_fetch_add(&g_alarms, 1);
}

static void ack(void) { CHECK_EQ(write(g_back[1], "k", 1), 1, "ack"); }
static void await_ack(void) {
  char c;
  CHECK_EQ(read(g_back[0], &c, 1), 1, "await_ack");
}

static void *blocker_main(void *arg) {
  (void)arg;
  pin_to(1);
  // SIGALRM stays blocked (inherited from main) except inside sigsuspend:
  // an alarm that comes before the wait stays pending instead of running
  // the handler between the check and the wait, which would then sleep on.
  sigset_t wait_mask;
  CHECK_EQ(pthread_sigmask(SIG_BLOCK, NULL, &wait_mask), 0, "get mask");
  sigdelset(&wait_mask, SIGALRM);
  ack();
  char c;
  for (int i = 0; i < kWakeRounds; i++) {
    CHECK_EQ(read(g_pipe[0], &c, 1), 1, "pipe_read");
    ack();
  }
  struct epoll_event event;
  for (int i = 0; i < kWakeRounds; i++) {
    CHECK_EQ(epoll_wait(g_epoll, &event, 1, -1), 1, "epoll_wait");
    CHECK_EQ(read(g_pipe[0], &c, 1), 1, "epoll_read");
    ack();
  }
  uint64_t value;
  for (int i = 0; i < kWakeRounds; i++) {
    CHECK_EQ(read(g_event, &value, 8), 8, "eventfd_read");
    ack();
  }
  for (int i = 0; i < 5; i++) {
    CHECK_EQ(read(g_timer, &value, 8), 8, "timerfd_read");
    ack();
  }
  for (int i = 0; i < 5; i++) {
    while (atomic_load(&g_alarms) <= i) sigsuspend(&wait_mask);
    ack();
  }
  return NULL;
}

static void wakeups(void) {
  pin_to(0);
  CHECK_EQ(pipe(g_pipe), 0, "pipe");
  CHECK_EQ(pipe(g_back), 0, "pipe_back");
  g_epoll = epoll_create1(0);
  struct epoll_event event = {.events = EPOLLIN};
  CHECK_EQ(epoll_ctl(g_epoll, EPOLL_CTL_ADD, g_pipe[0], &event), 0, "epoll_ctl");
  g_event = eventfd(0, 0);
  g_timer = timerfd_create(CLOCK_MONOTONIC, 0);
  CHECK(g_epoll >= 0 && g_event >= 0 && g_timer >= 0, "fds");
  signal(SIGALRM, on_alarm);
  sigset_t alarm_only;
  sigemptyset(&alarm_only);
  sigaddset(&alarm_only, SIGALRM);
  CHECK_EQ(pthread_sigmask(SIG_BLOCK, &alarm_only, NULL), 0, "block");
  start_thread(blocker_main, NULL);
  await_ack();
  struct timespec pause = {0, 2 * 1000 * 1000};  // lets the blocker block
  for (int i = 0; i < 2 * kWakeRounds; i++) {
    nanosleep(&pause, NULL);
    CHECK_EQ(write(g_pipe[1], "x", 1), 1, "pipe_write");
    await_ack();
  }
  uint64_t one = 1;
  for (int i = 0; i < kWakeRounds; i++) {
    nanosleep(&pause, NULL);
    CHECK_EQ(write(g_event, &one, 8), 8, "eventfd_write");
    await_ack();
  }
  struct itimerspec in_5ms = {{0, 0}, {0, 5 * 1000 * 1000}};
  for (int i = 0; i < 5; i++) {
    CHECK_EQ(timerfd_settime(g_timer, 0, &in_5ms, NULL), 0, "timerfd_settime");
    await_ack();
  }
  struct itimerval alarm_5ms = {{0, 0}, {0, 5000}};
  for (int i = 0; i < 5; i++) {
    CHECK_EQ(setitimer(ITIMER_REAL, &alarm_5ms, NULL), 0, "setitimer");
    await_ack();
  }
  printf("wakeups done\n");
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  if (strcmp(mode, "exit_group") == 0) {
    start_busy_threads();
    syscall(SYS_exit_group, 7);
  } else if (strcmp(mode, "exec") == 0) {
    exec_self(argv[0]);
  } else if (strcmp(mode, "exec_target") == 0) {
    printf("exec_target done\n");
  } else if (strcmp(mode, "fork_cow") == 0) {
    fork_cow();
  } else if (strcmp(mode, "wakeups") == 0) {
    wakeups();
  } else {
    fprintf(stderr, "usage: smp_process exit_group|exec|fork_cow|wakeups\n");
    return 2;
  }
  return 0;
}
