// thread_basic: pthreads on top of clone/clone3, exit, futex and the
// CLONE_CHILD_CLEARTID wake. Modes (argv[1]):
//   (none)        create/join 8 threads; distinct tids; per-thread TLS and
//                 FPU state; clear-tid wake (join); affinity; getcpu;
//                 preemption of a thread spinning in user space
//   exit_group    a secondary thread calls exit_group(7) while main blocks
//   main_exit     main thread exits with exit(3) first; the last thread's
//                 exit(9) ends the process, with its status
#include "check.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>

#define kThreads 8

static _Thread_local int tls_value;
static atomic_int started;

struct worker {
  int index;
  pid_t tid;
  int tls_seen;
  double fpu_result;
};

static void *worker_main(void *arg) {
  struct worker *w = arg;
  w->tid = (pid_t)syscall(SYS_gettid);
  tls_value = 1000 + w->index;
  atomic_fetch_add(&started, 1);
  // Floating point across yields: another thread's FPU state must not leak.
  double x = w->index;
  for (int i = 0; i < 2000; i++) {
    x = x * 1.0000001 + 0.5;
    if (i % 200 == 0) syscall(SYS_sched_yield);
  }
  w->fpu_result = x;
  w->tls_seen = tls_value;
  return (void *)(intptr_t)(w->index * 3);
}

static double expected_fpu(int index) {
  double x = index;
  for (int i = 0; i < 2000; i++) x = x * 1.0000001 + 0.5;
  return x;
}

// A thread that never enters the kernel must not keep the others from
// running (on one CPU, only timer preemption lets the setter in). Both
// keep floating-point values live in registers across the preemptions, so
// a switch that lost FPU state would change their results.
static atomic_int spin_flag;
static double fp_chain(double x, long n) {
  for (long i = 0; i < n; i++) x = x * 1.0000001 + 0.25;
  return x;
}
static void *set_flag_main(void *arg) {
  double *result = arg;
  *result = fp_chain(3.0, 3000000);  // long enough to span time slices
  atomic_store(&spin_flag, 1);
  return NULL;
}

static void preemption(void) {
  pthread_t thread;
  double other = 0;
  CHECK_EQ(pthread_create(&thread, NULL, set_flag_main, &other), 0, "pthread_create");
  double mine = 1.0;
  long rounds = 0;
  while (!atomic_load_explicit(&spin_flag, memory_order_relaxed)) {
    mine = mine * 1.0000001 + 0.25;
    rounds++;
  }
  CHECK_EQ(pthread_join(thread, NULL), 0, "spinner_was_preempted");
  CHECK(other == fp_chain(3.0, 3000000), "preempted_thread_fpu_intact");
  CHECK(mine == fp_chain(1.0, rounds), "spinning_thread_fpu_intact");
}

// struct clone_args (Linux 5.7 layout), declared here: <linux/sched.h>
// clashes with glibc's <sched.h>.
struct clone3_args {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
  uint64_t set_tid, set_tid_size, cgroup;
};

static void clone3_errors(void) {
  const uint64_t thread_flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD;
  struct clone3_args args = {0};
  args.flags = thread_flags;
  CHECK_ERR(syscall(SYS_clone3, &args, 8), EINVAL, "clone3_size_too_small");
  CHECK_ERR(syscall(SYS_clone3, &args, 8192), E2BIG, "clone3_size_above_page");
  args.exit_signal = SIGCHLD;
  CHECK_ERR(syscall(SYS_clone3, &args, sizeof(args)), EINVAL, "clone3_thread_with_exit_signal");
  args.exit_signal = 0;
  args.stack = 0x10000;
  CHECK_ERR(syscall(SYS_clone3, &args, sizeof(args)), EINVAL, "clone3_stack_without_size");
  args.stack = 0xffffffffffff0000ull;
  args.stack_size = 0x20000;
  CHECK_ERR(syscall(SYS_clone3, &args, sizeof(args)), EINVAL, "clone3_stack_wraps");
  args.stack = 0;
  args.stack_size = 0;
  CHECK_ERR(syscall(SYS_clone3, NULL, sizeof(args)), EFAULT, "clone3_null_args");
}

static void basic(void) {
  pthread_t threads[kThreads];
  struct worker workers[kThreads];
  tls_value = 42;
  for (int i = 0; i < kThreads; i++) {
    workers[i].index = i;
    CHECK_EQ(pthread_create(&threads[i], NULL, worker_main, &workers[i]), 0, "pthread_create");
  }
  for (int i = 0; i < kThreads; i++) {
    void *ret;
    CHECK_EQ(pthread_join(threads[i], &ret), 0, "pthread_join");
    CHECK_EQ((intptr_t)ret, i * 3, "join_return_value");
  }
  CHECK_EQ(atomic_load(&started), kThreads, "all_threads_ran");
  pid_t main_tid = (pid_t)syscall(SYS_gettid);
  CHECK_EQ(main_tid, getpid(), "main_tid_is_pid");
  for (int i = 0; i < kThreads; i++) {
    CHECK(workers[i].tid != main_tid && workers[i].tid > 0, "worker_tid_distinct_from_main");
    for (int j = 0; j < i; j++) CHECK(workers[i].tid != workers[j].tid, "worker_tids_distinct");
    CHECK_EQ(workers[i].tls_seen, 1000 + i, "worker_tls_private");
    CHECK(workers[i].fpu_result == expected_fpu(i), "worker_fpu_state_private");
  }
  CHECK_EQ(tls_value, 42, "main_tls_untouched");

  // Affinity: every CPU of the sandbox, and getcpu inside that range.
  cpu_set_t set;
  CPU_ZERO(&set);
  long bytes = CHECK_SYS(syscall(SYS_sched_getaffinity, 0, sizeof(set), &set), "getaffinity");
  CHECK(bytes >= 8 && bytes % 8 == 0, "getaffinity_returns_mask_bytes");
  printf("cpus %d\n", CPU_COUNT(&set));
  unsigned cpu = 9999, node = 9999;
  CHECK_EQ(syscall(SYS_getcpu, &cpu, &node, NULL), 0, "getcpu");
  CHECK(CPU_ISSET(cpu, &set), "getcpu_in_affinity");
  CHECK_EQ(node, 0, "getcpu_node_0");
  CHECK_ERR(syscall(SYS_sched_getaffinity, 0, 4, &set), EINVAL, "getaffinity_short_len");
  CHECK_ERR(syscall(SYS_sched_getaffinity, 0, 12, &set), EINVAL, "getaffinity_unaligned_len");
  CHECK_ERR(syscall(SYS_sched_getaffinity, -1, sizeof(set), &set), ESRCH, "getaffinity_neg_pid");
  CHECK_ERR(syscall(SYS_sched_getaffinity, 0x3fffffff, sizeof(set), &set), ESRCH,
            "getaffinity_no_such_thread");
  cpu_set_t none;
  CPU_ZERO(&none);
  CHECK_ERR(syscall(SYS_sched_setaffinity, 0, sizeof(none), &none), EINVAL, "setaffinity_empty");
  CHECK_EQ(syscall(SYS_sched_setaffinity, 0, sizeof(set), &set), 0, "setaffinity_all");

  // Flags Linux rejects outright.
  CHECK_ERR(syscall(SYS_clone, CLONE_THREAD | CLONE_VM, 0, 0, 0, 0), EINVAL,
            "clone_thread_without_sighand");
  CHECK_ERR(syscall(SYS_clone, CLONE_SIGHAND, 0, 0, 0, 0), EINVAL, "clone_sighand_without_vm");
  clone3_errors();
  preemption();
  printf("thread_basic done\n");
}

static void *exit_group_main(void *arg) {
  (void)arg;
  syscall(SYS_exit_group, 7);
  return NULL;
}

static void *last_thread_main(void *arg) {
  (void)arg;
  for (int i = 0; i < 10; i++) syscall(SYS_sched_yield);
  printf("last thread exiting\n");
  syscall(SYS_exit, 9);
  return NULL;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  if (strcmp(mode, "exit_group") == 0) {
    pthread_t thread;
    CHECK_EQ(pthread_create(&thread, NULL, exit_group_main, NULL), 0, "pthread_create");
    pthread_join(thread, NULL);  // never returns: the group exits
    printf("FAIL joined a thread that called exit_group\n");
    return 1;
  }
  if (strcmp(mode, "main_exit") == 0) {
    pthread_t thread;
    CHECK_EQ(pthread_create(&thread, NULL, last_thread_main, NULL), 0, "pthread_create");
    syscall(SYS_exit, 3);  // only this thread: the other keeps running
    return 1;
  }
  basic();
  return 0;
}
