// measure: run a command RUNS times; report its wall time and peak RSS.
//   measure [-n RUNS] [-q] -- COMMAND [ARGS...]
// -q sends the command's stdout and stderr to /dev/null.
// Prints one line on stdout:
//   runs R wall_ms_median M wall_ms_min A wall_ms_max B maxrss_kb K status S
// maxrss_kb is the largest ru_maxrss from wait4(2) over the runs: the peak
// RSS of the command and of every descendant it waited for (Linux reports
// the maximum over the reaped subtree). status is the last run's shell-style
// status (code, or 128+signal).
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  int runs = 1, quiet = 0, i = 1;
  for (; i < argc; i++) {
    if (!strcmp(argv[i], "-n") && i + 1 < argc) {
      runs = atoi(argv[++i]);
    } else if (!strcmp(argv[i], "-q")) {
      quiet = 1;
    } else if (!strcmp(argv[i], "--")) {
      i++;
      break;
    } else {
      break;
    }
  }
  if (i >= argc || runs < 1) {
    fprintf(stderr, "usage: measure [-n RUNS] [-q] -- COMMAND [ARGS...]\n");
    return 2;
  }
  double *wall = calloc((size_t)runs, sizeof *wall);
  long maxrss = 0;
  int status = -1;
  for (int r = 0; r < runs; r++) {
    double t0 = now_ms();
    pid_t pid = fork();
    if (pid < 0) {
      perror("measure: fork");
      return 2;
    }
    if (pid == 0) {
      if (quiet) {
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, 1);
        dup2(fd, 2);
      }
      execv(argv[i], argv + i);
      perror("measure: execv");
      _exit(127);
    }
    int ws;
    struct rusage ru;
    if (wait4(pid, &ws, 0, &ru) < 0) {
      perror("measure: wait4");
      return 2;
    }
    wall[r] = now_ms() - t0;
    if (ru.ru_maxrss > maxrss) maxrss = ru.ru_maxrss;
    status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
  }
  qsort(wall, (size_t)runs, sizeof *wall, cmp);
  double median = runs % 2 ? wall[runs / 2] : (wall[runs / 2 - 1] + wall[runs / 2]) / 2;
  printf("runs %d wall_ms_median %.2f wall_ms_min %.2f wall_ms_max %.2f maxrss_kb %ld status %d\n",
         runs, median, wall[0], wall[runs - 1], maxrss, status);
  return 0;
}
