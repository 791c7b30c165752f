// exec_repeat N PROGRAM [ARG...]: N rounds of fork + execve(PROGRAM) +
// waitpid, each child expected to exit 0. Prints "exec_repeat done N".
// The page-cache test runs it under --stats with different N: the rounds
// after the first must not read the program's files from the host again.
#include "check.h"

#include <sys/wait.h>

extern char **environ;

int main(int argc, char **argv) {
  if (argc < 3) check_fail("usage", "exec_repeat N PROGRAM [ARG...]");
  long rounds = atol(argv[1]);
  for (long i = 0; i < rounds; i++) {
    pid_t pid = CHECK_SYS(fork(), "fork");
    if (pid == 0) {
      execve(argv[2], argv + 2, environ);
      _exit(127);
    }
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid, "waitpid");
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exited 0");
  }
  printf("exec_repeat done %ld\n", rounds);
  return 0;
}
