// pipe_pingpong: the round trip of one byte over two pipes between two
// threads (the shell-pipeline hand-over: write, wake the reader, switch).
//   pipe_pingpong [ROUND_TRIPS]   (default 20000)
// Both threads are pinned to CPU 0, as in thread_pingpong. Prints:
//   pipe_ns_per_round_trip  A writes, B reads and answers, A reads the answer
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "pingpong_util.h"

static int ping[2], pong[2];
static long rounds;

static void transfer(int fd, int write_side) {
  char byte = 'x';
  long n = write_side ? syscall(SYS_write, fd, &byte, 1) : syscall(SYS_read, fd, &byte, 1);
  if (n != 1) {
    perror("pipe_pingpong transfer");
    exit(1);
  }
}

static void *partner(void *arg) {
  (void)arg;
  pin_to_cpu0();
  for (long i = 0; i < rounds; i++) {
    transfer(ping[0], 0);
    transfer(pong[1], 1);
  }
  return NULL;
}

int main(int argc, char **argv) {
  rounds = argc > 1 ? atol(argv[1]) : 20000;
  if (rounds <= 0) {
    fprintf(stderr, "usage: pipe_pingpong [ROUND_TRIPS>0]\n");
    return 2;
  }
  if (pipe(ping) != 0 || pipe(pong) != 0) {
    perror("pipe");
    return 1;
  }
  pin_to_cpu0();
  pthread_t thread;
  pthread_create(&thread, NULL, partner, NULL);
  double t0 = now_ns();
  for (long i = 0; i < rounds; i++) {
    transfer(ping[1], 1);
    transfer(pong[0], 0);
  }
  double t1 = now_ns();
  pthread_join(thread, NULL);
  printf("round_trips %ld\n", rounds);
  printf("pipe_ns_per_round_trip %.1f\n", (t1 - t0) / (double)rounds);
  return 0;
}
