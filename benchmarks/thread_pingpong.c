// thread_pingpong: the cost of waking another thread and switching to it.
//   thread_pingpong [ROUND_TRIPS]   (default 100000)
// Both threads are pinned to CPU 0, so natively and in the sandbox every
// hand-over is a context switch on one CPU. Then, when CPU 1 exists, the
// partner moves to CPU 1: every hand-over wakes a thread on another CPU
// (natively an IPI; in the sandbox a wakeup IPI between vCPUs). Prints:
//   futex_ns_per_round_trip  two futex wake+wait hand-overs (A->B->A)
//   yield_ns_per_switch      sched_yield between two runnable threads
//   futex_cross_cpu_ns_per_round_trip  the futex ping-pong across CPUs 0 and 1
//                            ("n/a" with one CPU)
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "pingpong_util.h"

static _Atomic uint32_t turn;  // 0: main's turn, 1: partner's
static long rounds;

// Waits until `turn` is `mine`, then hands it over to the other side.
static void take_turn(uint32_t mine) {
  while (atomic_load(&turn) != mine) {
    syscall(SYS_futex, &turn, FUTEX_WAIT_PRIVATE, 1 - mine, NULL, NULL, 0);
  }
  atomic_store(&turn, 1 - mine);
  syscall(SYS_futex, &turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *futex_partner(void *arg) {
  (void)arg;
  pin_to_cpu0();
  for (long i = 0; i < rounds; i++) take_turn(1);
  return NULL;
}

static void *cross_cpu_partner(void *arg) {
  (void)arg;
  pin_to(1);
  for (long i = 0; i < rounds; i++) take_turn(1);
  return NULL;
}

static void *yield_partner(void *arg) {
  (void)arg;
  pin_to_cpu0();
  for (long i = 0; i < rounds; i++) syscall(SYS_sched_yield);
  return NULL;
}

int main(int argc, char **argv) {
  rounds = argc > 1 ? atol(argv[1]) : 100000;
  if (rounds <= 0) {
    fprintf(stderr, "usage: thread_pingpong [ROUND_TRIPS>0]\n");
    return 2;
  }
  cpu_set_t all;  // before pinning: which CPUs the process may use
  CPU_ZERO(&all);
  syscall(SYS_sched_getaffinity, 0, sizeof(all), &all);
  pin_to_cpu0();
  pthread_t partner;
  double t0 = now_ns();
  pthread_create(&partner, NULL, futex_partner, NULL);
  for (long i = 0; i < rounds; i++) take_turn(0);
  pthread_join(partner, NULL);
  double t1 = now_ns();

  pthread_create(&partner, NULL, yield_partner, NULL);
  double t2 = now_ns();
  for (long i = 0; i < rounds; i++) syscall(SYS_sched_yield);
  double t3 = now_ns();
  pthread_join(partner, NULL);
  printf("round_trips %ld\n", rounds);
  printf("futex_ns_per_round_trip %.1f\n", (t1 - t0) / (double)rounds);
  printf("yield_ns_per_switch %.1f\n", (t3 - t2) / (double)(2 * rounds));

  if (!CPU_ISSET(1, &all)) {
    printf("futex_cross_cpu_ns_per_round_trip n/a\n");
    return 0;
  }
  atomic_store(&turn, 0);
  double t4 = now_ns();
  pthread_create(&partner, NULL, cross_cpu_partner, NULL);
  for (long i = 0; i < rounds; i++) take_turn(0);
  pthread_join(partner, NULL);
  double t5 = now_ns();
  printf("futex_cross_cpu_ns_per_round_trip %.1f\n", (t5 - t4) / (double)rounds);
  return 0;
}
