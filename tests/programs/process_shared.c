// process_shared: futexes and what glibc builds on them, shared between
// processes through shared memory (what multiprocessing's locks and queues
// rely on). Modes (argv[1]):
//   futex     a shared futex in MAP_SHARED|MAP_ANONYMOUS memory: a child's
//             wait is woken by its parent (a FUTEX_PRIVATE_FLAG wake is not:
//             private futexes belong to one address space)
//   file      the same through a /dev/shm file that parent and child each
//             open and map at different addresses
//   private   a shared-flag wake in private (copy-on-write) memory does not
//             reach another process waiting at the same address
//   sem       POSIX semaphores: sem_open (named, /dev/shm) and sem_init
//             with pshared=1, several children blocking in sem_wait
//   mutex     process-shared pthread mutex and condition variable
#include "check.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#define PAGE 4096

static long futex(volatile uint32_t *word, int op, uint32_t value, const struct timespec *timeout) {
  return syscall(SYS_futex, word, op, value, timeout, NULL, 0);
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static void *map_shared_anonymous(size_t length) {
  void *p = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) check_fail("mmap_shared", "errno %d", errno);
  return p;
}

static void expect_child_exit(pid_t child, int code, const char *name) {
  int status = 0;
  if (waitpid(child, &status, 0) != child) check_fail(name, "waitpid errno %d", errno);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == code, name);
}

// A child blocks in a shared FUTEX_WAIT on `child_word` (which stays 0)
// and exits 0 once woken. The parent wakes it through `parent_word` (the
// same memory, possibly at another address): private wakes find no one, and
// a shared one finds exactly the child once it sleeps. `child_setup` (may be
// null) runs in the child first and returns the child's word.
static void wake_across_fork(volatile uint32_t *parent_word,
                             volatile uint32_t *(*child_setup)(void),
                             volatile uint32_t *child_word, const char *prefix) {
  char name[64];
  *parent_word = 0;
  pid_t child = fork();
  if (child == 0) {
    volatile uint32_t *word = child_setup != NULL ? child_setup() : child_word;
    long r;
    do {
      r = futex(word, FUTEX_WAIT, 0, NULL);
    } while (r != 0 && errno == EINTR);
    _exit(r == 0 ? 0 : 2);
  }
  CHECK(child > 0, "fork");
  // Until the child sleeps a wake finds no one; a private wake never does.
  long woken = 0;
  snprintf(name, sizeof name, "%s_private_wake_finds_no_one", prefix);
  for (int tries = 0; tries < 2000 && woken == 0; ++tries) {
    long private_woken = futex(parent_word, FUTEX_WAKE_PRIVATE, 1, NULL);
    if (private_woken != 0) check_fail(name, "woke %ld", private_woken);
    woken = futex(parent_word, FUTEX_WAKE, 1, NULL);
    if (woken == 0) sleep_ms(5);
  }
  check_ok(name);
  snprintf(name, sizeof name, "%s_shared_wake_wakes_child", prefix);
  CHECK_EQ(woken, 1, name);
  snprintf(name, sizeof name, "%s_child_woken", prefix);
  expect_child_exit(child, 0, name);
}

static void mode_futex(void) {
  volatile uint32_t *word = map_shared_anonymous(PAGE);
  wake_across_fork(word + 5, NULL, word + 5, "anonymous");
}

static const char kShmName[] = "/dev/shm/ringfence_process_shared";

// Maps the shm file's first page at an address other than the parent's (a
// padding mapping first takes the next free range).
static volatile uint32_t *child_maps_file(void) {
  (void)mmap(NULL, 16 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  int fd = open(kShmName, O_RDWR);
  if (fd < 0) _exit(4);
  void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) _exit(5);
  close(fd);
  return (volatile uint32_t *)p + 7;
}

static void mode_file(void) {
  int fd = CHECK_SYS(open(kShmName, O_RDWR | O_CREAT | O_TRUNC, 0600), "create_shm_file");
  CHECK_SYS(ftruncate(fd, PAGE), "ftruncate");
  void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(p != MAP_FAILED, "mmap_file_shared");
  close(fd);
  wake_across_fork((volatile uint32_t *)p + 7, child_maps_file, NULL, "file");
  CHECK_SYS(unlink(kShmName), "unlink");
}

static void mode_private(void) {
  static volatile uint32_t word;  // private: copied on write after fork
  word = 0;
  pid_t child = fork();
  if (child == 0) {
    struct timespec timeout = {0, 300 * 1000000L};
    long r = futex(&word, FUTEX_WAIT, 0, &timeout);
    _exit(r == -1 && errno == ETIMEDOUT ? 0 : 1);
  }
  CHECK(child > 0, "fork");
  sleep_ms(100);
  CHECK_EQ(futex(&word, FUTEX_WAKE, 1, NULL), 0, "wake_in_private_memory_finds_no_one");
  expect_child_exit(child, 0, "child_wait_timed_out");
}

static void run_semaphore_children(sem_t *sem, const char *prefix) {
  enum { kChildren = 3 };
  char name[64];
  volatile uint32_t *done = map_shared_anonymous(PAGE);
  pid_t children[kChildren];
  for (int i = 0; i < kChildren; ++i) {
    children[i] = fork();
    if (children[i] == 0) {
      if (sem_wait(sem) != 0) _exit(2);
      __atomic_add_fetch(done, 1, __ATOMIC_SEQ_CST);
      _exit(0);
    }
  }
  sleep_ms(100);  // let them block
  snprintf(name, sizeof name, "%s_children_wait", prefix);
  CHECK_EQ(*done, 0, name);
  for (int i = 0; i < kChildren; ++i) sem_post(sem);
  for (int i = 0; i < kChildren; ++i) {
    snprintf(name, sizeof name, "%s_child_%d_got_semaphore", prefix, i);
    expect_child_exit(children[i], 0, name);
  }
  snprintf(name, sizeof name, "%s_all_passed", prefix);
  CHECK_EQ(*done, kChildren, name);
  int value = -1;
  sem_getvalue(sem, &value);
  snprintf(name, sizeof name, "%s_value_back_to_zero", prefix);
  CHECK_EQ(value, 0, name);
  munmap((void *)done, PAGE);
}

static void mode_sem(void) {
  sem_unlink("/ringfence_sem");
  sem_t *named = sem_open("/ringfence_sem", O_CREAT | O_EXCL, 0600, 0);
  CHECK(named != SEM_FAILED, "sem_open");
  run_semaphore_children(named, "named");
  CHECK_SYS(sem_close(named), "sem_close");
  CHECK_SYS(sem_unlink("/ringfence_sem"), "sem_unlink");

  sem_t *unnamed = map_shared_anonymous(PAGE);
  CHECK_SYS(sem_init(unnamed, 1, 0), "sem_init_pshared");
  run_semaphore_children(unnamed, "unnamed");
  CHECK_SYS(sem_destroy(unnamed), "sem_destroy");
}

struct SharedState {
  pthread_mutex_t mutex;
  pthread_cond_t cond;
  int turn;  // 0: the parent's, 1: the child's
  int rounds;
};

static void take_turns(struct SharedState *s, int me, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    pthread_mutex_lock(&s->mutex);
    while (s->turn != me) pthread_cond_wait(&s->cond, &s->mutex);
    ++s->rounds;
    s->turn = 1 - me;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->mutex);
  }
}

static void mode_mutex(void) {
  struct SharedState *s = map_shared_anonymous(PAGE);
  pthread_mutexattr_t mutex_attr;
  pthread_mutexattr_init(&mutex_attr);
  pthread_mutexattr_setpshared(&mutex_attr, PTHREAD_PROCESS_SHARED);
  CHECK_EQ(pthread_mutex_init(&s->mutex, &mutex_attr), 0, "mutex_init_pshared");
  pthread_condattr_t cond_attr;
  pthread_condattr_init(&cond_attr);
  pthread_condattr_setpshared(&cond_attr, PTHREAD_PROCESS_SHARED);
  CHECK_EQ(pthread_cond_init(&s->cond, &cond_attr), 0, "cond_init_pshared");
  enum { kRounds = 200 };
  pid_t child = fork();
  if (child == 0) {
    take_turns(s, 1, kRounds);
    _exit(0);
  }
  CHECK(child > 0, "fork");
  take_turns(s, 0, kRounds);
  expect_child_exit(child, 0, "child_took_its_turns");
  CHECK_EQ(s->rounds, 2 * kRounds, "turns_alternated");
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  if (strcmp(mode, "futex") == 0) {
    mode_futex();
  } else if (strcmp(mode, "file") == 0) {
    mode_file();
  } else if (strcmp(mode, "private") == 0) {
    mode_private();
  } else if (strcmp(mode, "sem") == 0) {
    mode_sem();
  } else if (strcmp(mode, "mutex") == 0) {
    mode_mutex();
  } else {
    fprintf(stderr, "usage: process_shared futex|file|private|sem|mutex\n");
    return 2;
  }
  printf("process_shared %s done\n", mode);
  return 0;
}
