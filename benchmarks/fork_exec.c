// fork_exec [N] [PROGRAM]: N rounds of fork + execve(PROGRAM) + waitpid
// (PROGRAM defaults to /bin/true, which is dynamically linked: each round
// also maps ld.so and libc). Prints ns_per_op (CLOCK_MONOTONIC); exits 1 if
// a round fails.
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
  long rounds = argc > 1 ? atol(argv[1]) : 1000;
  const char *program = argc > 2 ? argv[2] : "/bin/true";
  char *child_argv[] = {(char *)program, NULL};
  char *child_envp[] = {NULL};
  long long start = now_ns();
  for (long i = 0; i < rounds; i++) {
    pid_t pid = fork();
    if (pid < 0) {
      perror("fork");
      return 1;
    }
    if (pid == 0) {
      execve(program, child_argv, child_envp);
      _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "fork_exec: round %ld: child status 0x%x\n", i, status);
      return 1;
    }
  }
  long long elapsed = now_ns() - start;
  printf("rounds %ld\n", rounds);
  printf("ns_per_op %lld\n", rounds > 0 ? elapsed / rounds : 0);
  return 0;
}
