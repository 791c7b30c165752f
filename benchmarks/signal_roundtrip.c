// signal_roundtrip: the cost of sending oneself a signal and running its
// handler: kill(2), frame setup on the way out, handler, rt_sigreturn.
//   signal_roundtrip [ROUNDS]   (default 100000)
// Prints "rounds N" and "ns_per_signal X" (CLOCK_MONOTONIC, after a warm-up
// of ROUNDS/10).
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile long g_handled;

static void on_signal(int sig) {
  (void)sig;
  g_handled++;
}

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 100000;
  if (n < 0) {
    fprintf(stderr, "usage: signal_roundtrip [ROUNDS>=0]\n");
    return 2;
  }
  struct sigaction sa = {0};
  sa.sa_handler = on_signal;
  sigaction(SIGUSR1, &sa, NULL);
  long pid = syscall(SYS_getpid);
  for (long i = 0; i < n / 10; i++) syscall(SYS_kill, pid, SIGUSR1);
  double t0 = now_ns();
  for (long i = 0; i < n; i++) syscall(SYS_kill, pid, SIGUSR1);
  double t1 = now_ns();
  if (g_handled != n + n / 10) {
    fprintf(stderr, "signal_roundtrip: %ld handler runs, expected %ld\n", g_handled, n + n / 10);
    return 1;
  }
  printf("rounds %ld\nns_per_signal %.1f\n", n, n > 0 ? (t1 - t0) / (double)n : 0.0);
  return 0;
}
