// thread_sync: futex(2) semantics through raw syscalls, and contention
// through glibc's mutexes and condition variables. Modes (argv[1]):
//   (none)      futex error cases, wake/requeue/wake-op counts, timeouts,
//               robust list release at thread exit
//   contention  8 threads incrementing under one mutex + a condvar relay
//   stress N    N threads hammering 4 futex-based locks (must finish)
#include "check.h"

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

static long futex(void *addr, int op, uint32_t val, const void *timeout_or_val2, void *addr2,
                  uint32_t val3) {
  return syscall(SYS_futex, addr, op, val, timeout_or_val2, addr2, val3);
}

static int64_t now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

// A waiter thread: waits on word (value 0) and records the result.
struct waiter {
  _Atomic uint32_t *word;
  int op;
  uint32_t bitset;
  atomic_int ready;
  atomic_int done;
  long result;
  int error;
};

static void *waiter_main(void *arg) {
  struct waiter *w = arg;
  errno = 0;
  atomic_store(&w->ready, 1);
  w->result = futex((void *)w->word, w->op, 0, NULL, NULL, w->bitset);
  w->error = errno;
  atomic_store(&w->done, 1);
  return NULL;
}

// Lets the waiters reach their futex call, then gives them ample time to
// enter it (the only step a wait in user space cannot observe).
static void settle(struct waiter *w, int n) {
  for (int i = 0; i < n; i++) {
    while (!atomic_load(&w[i].ready)) syscall(SYS_sched_yield);
  }
  struct timespec ts = {0, 50 * 1000 * 1000};
  nanosleep(&ts, NULL);
}

static void start_waiters(struct waiter *w, pthread_t *t, int n, _Atomic uint32_t *word, int op,
                          uint32_t bitset) {
  for (int i = 0; i < n; i++) {
    w[i].word = word;
    w[i].op = op;
    w[i].bitset = bitset;
    atomic_store(&w[i].ready, 0);
    atomic_store(&w[i].done, 0);
    pthread_create(&t[i], NULL, waiter_main, &w[i]);
  }
  settle(w, n);
}

static int count_done(struct waiter *w, int n) {
  int done = 0;
  for (int i = 0; i < n; i++) done += atomic_load(&w[i].done);
  return done;
}

static void errors(void) {
  uint32_t word = 1;
  struct timespec zero = {0, 0};
  CHECK_ERR(futex(&word, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0), EAGAIN, "wait_value_mismatch");
  CHECK_ERR(futex((char *)&word + 1, FUTEX_WAIT, 1, NULL, NULL, 0), EINVAL, "wait_misaligned");
  CHECK_ERR(futex(NULL, FUTEX_WAIT, 0, NULL, NULL, 0), EFAULT, "wait_null");
  CHECK_ERR(futex(&word, FUTEX_WAIT_BITSET, 1, NULL, NULL, 0), EINVAL, "wait_bitset_zero");
  CHECK_ERR(futex(&word, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0), EINVAL, "wake_bitset_zero");
  struct timespec bad = {0, 1000000000};
  CHECK_ERR(futex(&word, FUTEX_WAIT, 1, &bad, NULL, 0), EINVAL, "wait_bad_timeout");
  struct timespec negative = {-1, 0};
  CHECK_ERR(futex(&word, FUTEX_WAIT, 1, &negative, NULL, 0), EINVAL, "wait_negative_timeout");
  CHECK_ERR(futex(&word, FUTEX_WAIT, 1, &zero, NULL, 0), ETIMEDOUT, "wait_zero_timeout");
  CHECK_ERR(futex(&word, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0), ENOSYS,
            "wake_clock_realtime");
  CHECK_ERR(futex(&word, 99, 1, NULL, NULL, 0), ENOSYS, "unknown_op");
  CHECK_EQ(futex(&word, FUTEX_WAKE, 1, NULL, NULL, 0), 0, "wake_nobody");
  uint32_t other = 0;
  CHECK_ERR(futex(&word, FUTEX_CMP_REQUEUE, 1, (void *)1, &other, 5), EAGAIN,
            "cmp_requeue_mismatch");
  CHECK_ERR(futex(&word, FUTEX_REQUEUE, (uint32_t)-1, (void *)1, &other, 0), EINVAL,
            "requeue_negative_wake");
  CHECK_ERR(futex(&word, FUTEX_WAKE_OP, 1, (void *)1, &other, 0x70000000), ENOSYS,
            "wake_op_bad_op");

  // Relative timeout: at least the time asked for (lower bound only).
  struct timespec ms30 = {0, 30 * 1000 * 1000};
  int64_t before = now_ns(CLOCK_MONOTONIC);
  CHECK_ERR(futex(&word, FUTEX_WAIT_PRIVATE, 1, &ms30, NULL, 0), ETIMEDOUT, "wait_timeout");
  CHECK(now_ns(CLOCK_MONOTONIC) - before >= 30 * 1000 * 1000, "wait_timeout_not_early");
  // Absolute timeouts for WAIT_BITSET, monotonic and CLOCK_REALTIME.
  int64_t deadline = now_ns(CLOCK_MONOTONIC) + 20 * 1000 * 1000;
  struct timespec abs_mono = {deadline / 1000000000, deadline % 1000000000};
  CHECK_ERR(futex(&word, FUTEX_WAIT_BITSET, 1, &abs_mono, NULL, FUTEX_BITSET_MATCH_ANY),
            ETIMEDOUT, "wait_bitset_abs_monotonic");
  CHECK(now_ns(CLOCK_MONOTONIC) >= deadline, "wait_bitset_abs_monotonic_not_early");
  int64_t real_deadline = now_ns(CLOCK_REALTIME) + 20 * 1000 * 1000;
  struct timespec abs_real = {real_deadline / 1000000000, real_deadline % 1000000000};
  CHECK_ERR(futex(&word, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 1, &abs_real, NULL,
                  FUTEX_BITSET_MATCH_ANY),
            ETIMEDOUT, "wait_bitset_abs_realtime");
  CHECK(now_ns(CLOCK_REALTIME) >= real_deadline, "wait_bitset_abs_realtime_not_early");
  struct timespec past = {1, 0};
  CHECK_ERR(futex(&word, FUTEX_WAIT_BITSET, 1, &past, NULL, FUTEX_BITSET_MATCH_ANY), ETIMEDOUT,
            "wait_bitset_past_deadline");
}

static void wakes(void) {
  static _Atomic uint32_t word, target;
  struct waiter w[4];
  pthread_t t[4];

  // FUTEX_WAKE counts, oldest first.
  start_waiters(w, t, 3, &word, FUTEX_WAIT_PRIVATE, 0);
  CHECK_EQ(count_done(w, 3), 0, "waiters_blocked");
  CHECK_EQ(futex(&word, FUTEX_WAKE_PRIVATE, 2, NULL, NULL, 0), 2, "wake_two");
  CHECK_EQ(futex(&word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 1, "wake_rest");
  for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
  for (int i = 0; i < 3; i++) CHECK_EQ(w[i].result, 0, "woken_wait_returns_0");

  // Bitsets: only matching waiters wake.
  start_waiters(w, t, 2, &word, FUTEX_WAIT_BITSET_PRIVATE, 0x1);
  start_waiters(w + 2, t + 2, 2, &word, FUTEX_WAIT_BITSET_PRIVATE, 0x2);
  CHECK_EQ(futex(&word, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 0x2), 2,
           "wake_bitset_matching");
  for (int i = 2; i < 4; i++) pthread_join(t[i], NULL);
  CHECK_EQ(count_done(w, 2), 0, "wake_bitset_others_still_blocked");
  CHECK_EQ(futex(&word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 2, "wake_any_bitset");
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);

  // CMP_REQUEUE: wake 1, move 2 to target; the moved ones wake from there.
  start_waiters(w, t, 3, &word, FUTEX_WAIT_PRIVATE, 0);
  CHECK_EQ(futex(&word, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)2, (void *)&target, 0), 3,
           "cmp_requeue_total");
  CHECK_EQ(futex(&word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 0, "requeued_left_word");
  CHECK_EQ(futex(&target, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 2, "requeued_on_target");
  for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);

  // WAKE_OP: target = old + 1; wake 1 on word, and on target if old == 0.
  start_waiters(w, t, 1, &word, FUTEX_WAIT_PRIVATE, 0);
  start_waiters(w + 1, t + 1, 1, &target, FUTEX_WAIT_PRIVATE, 0);
  atomic_store(&target, 0);
  uint32_t op = FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_EQ, 0);
  CHECK_EQ(futex(&word, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, (void *)&target, op), 2,
           "wake_op_both");
  CHECK_EQ(atomic_load(&target), 1, "wake_op_applied");
  pthread_join(t[0], NULL);
  pthread_join(t[1], NULL);
  // Comparison false: only the first futex is woken.
  op = FUTEX_OP(FUTEX_OP_SET, 5, FUTEX_OP_CMP_GT, 3);
  CHECK_EQ(futex(&word, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, (void *)&target, op), 0,
           "wake_op_cmp_false");
  CHECK_EQ(atomic_load(&target), 5, "wake_op_set");
}

// Robust list: a thread dying with a robust mutex held marks it
// EOWNERDEAD for the next locker.
static pthread_mutex_t robust;
static void *hold_robust(void *arg) {
  (void)arg;
  pthread_mutex_lock(&robust);
  return NULL;  // exits holding it
}

static void robust_release(void) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(&robust, &attr);
  pthread_t t;
  pthread_create(&t, NULL, hold_robust, NULL);
  pthread_join(t, NULL);
  CHECK_EQ(pthread_mutex_lock(&robust), EOWNERDEAD, "robust_owner_died");
  CHECK_EQ(pthread_mutex_consistent(&robust), 0, "robust_consistent");
  CHECK_EQ(pthread_mutex_unlock(&robust), 0, "robust_unlock");
}

// --- contention ---------------------------------------------------------
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long counter;
static int turn;

static void *increment_main(void *arg) {
  (void)arg;
  for (int i = 0; i < 20000; i++) {
    pthread_mutex_lock(&mutex);
    counter++;
    pthread_mutex_unlock(&mutex);
  }
  return NULL;
}

// Threads take turns in order through one condvar.
static void *relay_main(void *arg) {
  int me = (int)(intptr_t)arg;
  for (int round = 0; round < 50; round++) {
    pthread_mutex_lock(&mutex);
    while (turn % 4 != me) pthread_cond_wait(&cond, &mutex);
    turn++;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&mutex);
  }
  return NULL;
}

static void contention(void) {
  pthread_t t[8];
  for (int i = 0; i < 8; i++) pthread_create(&t[i], NULL, increment_main, NULL);
  for (int i = 0; i < 8; i++) pthread_join(t[i], NULL);
  CHECK_EQ(counter, 8 * 20000, "mutex_counter");
  for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, relay_main, (void *)(intptr_t)i);
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  CHECK_EQ(turn, 4 * 50, "condvar_relay");
}

// --- stress: a hand-made futex lock (Drepper's mutex2) -------------------
static _Atomic uint32_t locks[4];
static long stress_counts[4];

static void lock(_Atomic uint32_t *l) {
  uint32_t c = 0;
  if (atomic_compare_exchange_strong(l, &c, 1)) return;
  if (c != 2) c = atomic_exchange(l, 2);
  while (c != 0) {
    futex((void *)l, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);
    c = atomic_exchange(l, 2);
  }
}

static void unlock(_Atomic uint32_t *l) {
  if (atomic_fetch_sub(l, 1) != 1) {
    atomic_store(l, 0);
    futex((void *)l, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
  }
}

static void *stress_main(void *arg) {
  int me = (int)(intptr_t)arg;
  for (int i = 0; i < 3000; i++) {
    int k = (me + i) % 4;
    lock(&locks[k]);
    stress_counts[k]++;
    if (i % 64 == 0) syscall(SYS_sched_yield);  // hold it across a switch
    unlock(&locks[k]);
  }
  return NULL;
}

static void stress(int n) {
  pthread_t t[64];
  if (n > 64) n = 64;
  for (int i = 0; i < n; i++) pthread_create(&t[i], NULL, stress_main, (void *)(intptr_t)i);
  for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
  long total = 0;
  for (int k = 0; k < 4; k++) total += stress_counts[k];
  CHECK_EQ(total, (long)n * 3000, "stress_total");
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  if (strcmp(mode, "contention") == 0) {
    contention();
  } else if (strcmp(mode, "stress") == 0) {
    stress(argc > 2 ? atoi(argv[2]) : 16);
  } else {
    errors();
    wakes();
    robust_release();
  }
  printf("thread_sync %s done\n", mode);
  return 0;
}
