// fork_exit_wait: the cost of creating a process, ending it and reaping it.
//   fork_exit_wait [ITERATIONS]   (default 2000; 0 runs only the setup)
// Each iteration: fork(2), the child _exit(0)s at once, the parent wait4s.
// The parent first touches 4 MiB of private memory so that fork has pages
// to share copy-on-write, as a real program would. Prints "iterations N"
// and "ns_per_fork X" (CLOCK_MONOTONIC, after a warm-up of N/10 forks).
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void fork_exit_wait(void) {
  pid_t child = (pid_t)syscall(SYS_fork);
  if (child == 0) syscall(SYS_exit_group, 0);
  int status;
  if (child < 0 || syscall(SYS_wait4, child, &status, 0, NULL) != child || status != 0) {
    fprintf(stderr, "fork_exit_wait: fork or wait failed\n");
    exit(1);
  }
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 2000;
  if (n < 0) {
    fprintf(stderr, "usage: fork_exit_wait [ITERATIONS>=0]\n");
    return 2;
  }
  size_t bytes = 4 << 20;
  char *memory = malloc(bytes);
  memset(memory, 1, bytes);
  for (long i = 0; i < n / 10; i++) fork_exit_wait();
  double t0 = now_ns();
  for (long i = 0; i < n; i++) fork_exit_wait();
  double t1 = now_ns();
  printf("iterations %ld\nns_per_fork %.1f\n", n, n > 0 ? (t1 - t0) / (double)n : 0.0);
  free(memory);
  return 0;
}
