// process_basic: fork, vfork, clone for processes, copy-on-write memory,
// exit statuses through wait4, zombies, orphans. Modes (argv[1]):
//   (none)       fork+wait statuses, getppid, COW isolation (data, heap,
//                stack, private mmap), MAP_SHARED anonymous shared across
//                fork, inherited fds share the file offset, vfork, wait4
//                errors and WNOHANG, zombies, __WCLONE/__WALL, a
//                multithreaded child's exit_group
//   orphans      a grandchild orphaned while this process is a child
//                subreaper comes back to it; prints "orphan_ppid_*" lines
//   init_orphan  without the subreaper: the orphan's parent is the init
//                process (prints "init_orphan_ppid <n>": 1 in the sandbox)
//   many N       N sequential fork+exit+wait (leaks show as MemFree drift:
//                prints "memfree_drift_kb <n>")
#include "check.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#define PAGE 4096

static int global_value = 1;

static pid_t raw_fork(void) { return (pid_t)syscall(SYS_fork); }

static pid_t wait_for(pid_t pid, int *status) {
  return (pid_t)syscall(SYS_wait4, pid, status, 0, NULL);
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  syscall(SYS_nanosleep, &ts, NULL);
}

static void *shared_page(void) {
  void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) check_fail("mmap_shared", "errno %d", errno);
  return p;
}

static void fork_statuses(void) {
  pid_t parent = getpid();
  pid_t child = raw_fork();
  if (child == 0) {
    if ((pid_t)syscall(SYS_getppid) != parent) _exit(100);
    if ((pid_t)syscall(SYS_getpid) == parent) _exit(101);
    _exit(42);
  }
  CHECK(child > 0 && child != parent, "fork_returns_child_pid");
  int status = 0;
  CHECK_EQ(wait_for(child, &status), child, "wait4_returns_child");
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 42, "wait4_exit_status_42");

  // Death by a fault signal: WIFSIGNALED with the signal.
  child = raw_fork();
  if (child == 0) {
    int *volatile bad = (int *)8;
    *bad = 1;  // dies of SIGSEGV
    _exit(0);
  }
  CHECK_EQ(wait_for(child, &status), child, "wait4_killed_child");
  CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "wait4_status_sigsegv");

  // exit_group's status is the low 8 bits.
  child = raw_fork();
  if (child == 0) syscall(SYS_exit_group, 0x1234);
  wait_for(child, &status);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0x34, "exit_status_low_byte");
}

static void copy_on_write(void) {
  int *heap = malloc(64 * sizeof(int));
  int stack_value = 5;
  char *anon = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  int *shared = shared_page();
  heap[0] = 10;
  anon[0] = 'p';
  anon[PAGE] = 'q';  // touched: a COW page; pages 2-3 stay untouched
  global_value = 1;
  pid_t child = raw_fork();
  if (child == 0) {
    // The child sees the parent's values, then writes its own.
    int ok = global_value == 1 && heap[0] == 10 && stack_value == 5 && anon[0] == 'p' &&
             anon[PAGE] == 'q' && anon[2 * PAGE] == 0;
    global_value = 2;
    heap[0] = 20;
    stack_value = 6;
    anon[0] = 'c';
    anon[3 * PAGE] = 'z';
    shared[0] = ok ? 77 : 66;
    shared[1] = global_value + heap[0] + stack_value;  // 28 if the writes stuck
    _exit(0);
  }
  // The parent writes the same page after fork: both sides copy.
  global_value = 3;
  int status;
  wait_for(child, &status);
  CHECK_EQ(shared[0], 77, "child_saw_parent_memory");
  CHECK_EQ(shared[1], 28, "child_writes_visible_to_child");
  CHECK_EQ(global_value, 3, "parent_data_isolated");
  CHECK_EQ(heap[0], 10, "parent_heap_isolated");
  CHECK_EQ(stack_value, 5, "parent_stack_isolated");
  CHECK(anon[0] == 'p' && anon[PAGE] == 'q' && anon[3 * PAGE] == 0, "parent_mmap_isolated");
  // After the child is gone the parent's page is no longer shared.
  anon[PAGE] = 'r';
  CHECK(anon[PAGE] == 'r', "parent_writes_after_child_exit");

  // Parent writes first, then the child reads: it must see the old value.
  heap[1] = 1;
  shared[2] = 0;
  child = raw_fork();
  if (child == 0) {
    while (__atomic_load_n(&shared[2], __ATOMIC_ACQUIRE) == 0) syscall(SYS_sched_yield);
    shared[3] = heap[1];
    _exit(0);
  }
  heap[1] = 2;
  __atomic_store_n(&shared[2], 1, __ATOMIC_RELEASE);
  wait_for(child, &status);
  CHECK_EQ(shared[3], 1, "child_isolated_from_parent_write");
  free(heap);
}

static void shared_memory_and_files(void) {
  int *shared = shared_page();
  shared[0] = 0;
  char path[] = "/tmp/process_basic_XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0, "mkstemp");
  unlink(path);
  pid_t child = raw_fork();
  if (child == 0) {
    shared[0] = 1234;
    if (write(fd, "hello", 5) != 5) _exit(1);
    _exit(0);
  }
  int status;
  wait_for(child, &status);
  CHECK_EQ(shared[0], 1234, "map_shared_anonymous_shared_across_fork");
  CHECK_EQ(lseek(fd, 0, SEEK_CUR), 5, "fork_shares_file_offset");
  close(fd);
}

static volatile int vfork_value;

static int vfork_child_main(void *arg) {
  vfork_value = *(int *)arg;
  return 3;  // glibc's clone wrapper exits with it
}

static void vfork_runs_child_first(void) {
  // glibc's vfork keeps its return address out of the shared stack.
  vfork_value = 0;
  pid_t parent = getpid();
  pid_t child = vfork();
  if (child == 0) {
    // Shares the parent's memory until it exits.
    vfork_value = (pid_t)syscall(SYS_getppid) == parent ? 1 : 2;
    _exit(9);
  }
  CHECK_EQ(vfork_value, 1, "vfork_child_ran_first_in_shared_memory");
  int status;
  CHECK_EQ(wait_for(child, &status), child, "vfork_wait");
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 9, "vfork_exit_status");

  // clone(CLONE_VM | CLONE_VFORK) as posix_spawn does, on its own stack.
  char *stack = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  int five = 5;
  int r = clone(vfork_child_main, stack + 16 * PAGE, CLONE_VM | CLONE_VFORK | SIGCHLD, &five);
  CHECK(r > 0, "clone_vm_vfork");
  CHECK_EQ(vfork_value, 5, "clone_vm_vfork_shared_memory");
  CHECK_EQ(wait_for(r, &status), r, "clone_vfork_wait");
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3, "clone_vfork_status");
}

static void wait_errors_and_zombies(void) {
  int status;
  CHECK_ERR(syscall(SYS_wait4, -1, &status, 0, NULL), ECHILD, "wait4_no_children_echild");
  CHECK_ERR(syscall(SYS_wait4, -1, &status, 0x100, NULL), EINVAL, "wait4_bad_option_einval");
  CHECK_ERR(syscall(SYS_wait4, getpid(), &status, 0, NULL), ECHILD, "wait4_self_echild");

  int *shared = shared_page();
  pid_t child = raw_fork();
  if (child == 0) {
    while (__atomic_load_n(&shared[0], __ATOMIC_ACQUIRE) == 0) sleep_ms(5);
    _exit(7);
  }
  CHECK_EQ(syscall(SYS_wait4, child, &status, WNOHANG, NULL), 0, "wnohang_running_child_0");
  __atomic_store_n(&shared[0], 1, __ATOMIC_RELEASE);
  long reaped = 0;
  for (int i = 0; i < 1000 && reaped == 0; i++) {
    reaped = syscall(SYS_wait4, child, &status, WNOHANG, NULL);
    if (reaped == 0) sleep_ms(5);
  }
  CHECK_EQ(reaped, child, "wnohang_reaps_exited_child");
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7, "wnohang_exit_status");
  CHECK_ERR(syscall(SYS_getpgid, child), ESRCH, "reaped_child_gone");

  child = raw_fork();
  if (child == 0) _exit(8);
  sleep_ms(50);
  CHECK_EQ(syscall(SYS_getpgid, child), getpgid(0), "zombie_still_has_group");
  struct rusage usage;
  memset(&usage, 0xff, sizeof usage);
  CHECK_EQ(syscall(SYS_wait4, -1, &status, 0, &usage), child, "wait4_any_reaps_zombie");
  CHECK(usage.ru_utime.tv_usec >= 0 && usage.ru_utime.tv_usec < 1000000, "wait4_rusage_written");
  CHECK_ERR(syscall(SYS_wait4, child, &status, 0, NULL), ECHILD, "zombie_reaped_once");

  // A parent ignoring SIGCHLD leaves no zombies: wait ends with ECHILD.
  signal(SIGCHLD, SIG_IGN);
  child = raw_fork();
  if (child == 0) _exit(1);
  CHECK_ERR(syscall(SYS_wait4, -1, &status, 0, NULL), ECHILD, "sigchld_ignored_autoreaps");
  signal(SIGCHLD, SIG_DFL);
}

// A child whose exit signal is not SIGCHLD is a "clone" child.
static void clone_children(void) {
  long child = syscall(SYS_clone, 0, NULL, NULL, NULL, 0);  // exit signal 0
  if (child == 0) syscall(SYS_exit, 4);
  int status;
  sleep_ms(30);
  CHECK_ERR(syscall(SYS_wait4, child, &status, 0, NULL), ECHILD, "clone_child_needs_wclone");
  CHECK_EQ(syscall(SYS_wait4, child, &status, __WALL, NULL), child, "wall_finds_clone_child");
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 4, "clone_child_status");
  signal(SIGUSR1, SIG_IGN);  // this child's exit signal
  child = syscall(SYS_clone, SIGUSR1, NULL, NULL, NULL, 0);
  if (child == 0) syscall(SYS_exit, 6);
  CHECK_EQ(syscall(SYS_wait4, -1, &status, __WCLONE, NULL), child, "wclone_finds_clone_child");
  signal(SIGUSR1, SIG_DFL);
  CHECK_ERR(syscall(SYS_clone, CLONE_SIGHAND, NULL, NULL, NULL, 0), EINVAL,
            "clone_sighand_without_vm_einval");
  CHECK_ERR(syscall(SYS_clone, CLONE_THREAD, NULL, NULL, NULL, 0), EINVAL,
            "clone_thread_without_sighand_einval");
}

static void *blocked_thread(void *arg) {
  (void)arg;
  for (;;) sleep_ms(1000);
  return NULL;
}

static void multithreaded_child_exit(void) {
  pid_t child = raw_fork();
  if (child == 0) {
    pthread_t threads[4];
    for (int i = 0; i < 4; i++) pthread_create(&threads[i], NULL, blocked_thread, NULL);
    sleep_ms(20);
    syscall(SYS_exit_group, 5);
  }
  int status;
  CHECK_EQ(wait_for(child, &status), child, "multithreaded_child_reaped");
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 5, "multithreaded_exit_group_status");
}

// The grandchild reports its parent after its own parent has exited.
static pid_t orphan_parent(int *shared) {
  shared[0] = shared[1] = 0;
  pid_t child = raw_fork();
  if (child == 0) {
    pid_t grandchild = raw_fork();
    if (grandchild == 0) {
      while ((pid_t)syscall(SYS_getppid) == shared[1] || shared[1] == 0) sleep_ms(2);
      shared[0] = (int)syscall(SYS_getppid);
      _exit(0);
    }
    shared[1] = getpid();
    _exit(0);
  }
  int status;
  wait_for(child, &status);
  for (int i = 0; i < 1000 && __atomic_load_n(&shared[0], __ATOMIC_ACQUIRE) == 0; i++) {
    sleep_ms(5);
  }
  return shared[0];
}

static void orphans(void) {
  int *shared = shared_page();
  CHECK_SYS(prctl(PR_SET_CHILD_SUBREAPER, 1), "set_subreaper");
  pid_t ppid = orphan_parent(shared);
  CHECK_EQ(ppid, getpid(), "orphan_goes_to_subreaper");
  int status;
  CHECK(wait_for(-1, &status) > 0, "subreaper_reaps_orphan");
  printf("orphan_ppid_is_self %d\n", ppid == getpid());
}

static void init_orphan(void) {
  int *shared = shared_page();
  printf("init_orphan_ppid %d\n", orphan_parent(shared));
}

static long mem_free_kb(void) {
  FILE *f = fopen("/proc/meminfo", "r");
  if (f == NULL) return -1;
  char line[256];
  long kb = -1;
  while (fgets(line, sizeof line, f)) {
    if (sscanf(line, "MemFree: %ld kB", &kb) == 1) break;
  }
  fclose(f);
  return kb;
}

static void many_forks(int count) {
  long before = mem_free_kb();
  for (int i = 0; i < count; i++) {
    pid_t child = raw_fork();
    if (child == 0) _exit(i & 0xff);
    int status;
    if (wait_for(child, &status) != child || WEXITSTATUS(status) != (i & 0xff)) {
      check_fail("many_forks", "iteration %d", i);
    }
  }
  check_ok("many_forks");
  long after = mem_free_kb();
  printf("memfree_drift_kb %ld\n", before - after);
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  if (strcmp(mode, "orphans") == 0) {
    orphans();
  } else if (strcmp(mode, "init_orphan") == 0) {
    init_orphan();
  } else if (strcmp(mode, "many") == 0) {
    many_forks(argc > 2 ? atoi(argv[2]) : 200);
  } else {
    fork_statuses();
    copy_on_write();
    shared_memory_and_files();
    vfork_runs_child_first();
    wait_errors_and_zombies();
    clone_children();
    multithreaded_child_exit();
  }
  printf("process_basic %s done\n", mode);
  return 0;
}
