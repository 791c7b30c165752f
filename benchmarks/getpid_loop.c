// getpid_loop: the cost of a trivial system call.
//   getpid_loop [ITERATIONS]   (default 1000000)
// Prints "iterations N" and "ns_per_call X" (CLOCK_MONOTONIC, after a warm-up
// of ITERATIONS/10 calls).
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  if (n <= 0) {
    fprintf(stderr, "usage: getpid_loop [ITERATIONS>0]\n");
    return 2;
  }
  for (long i = 0; i < n / 10; i++) syscall(SYS_getpid);
  double t0 = now_ns();
  for (long i = 0; i < n; i++) syscall(SYS_getpid);
  double t1 = now_ns();
  printf("iterations %ld\nns_per_call %.1f\n", n, (t1 - t0) / (double)n);
  return 0;
}
