// exec_report: what a program inherited through execve, printed as
// "name value" lines for the integration test (exec_test.cc) to compare:
// its arguments and environment, the fds the caller set up (10 without,
// 11 with close-on-exec), signal dispositions and mask, the alternate
// stack, and how /proc/self names it. Run directly it prints the same facts
// about a fresh start. Built static, static-pie and dynamic.
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/auxv.h>

static void print_fd(int fd) {
  char buffer[64];
  ssize_t n = pread(fd, buffer, sizeof buffer - 1, 0);
  if (n < 0) {
    printf("fd%d %s\n", fd, errno == EBADF ? "closed" : "unreadable");
    return;
  }
  buffer[n] = '\0';
  printf("fd%d <%s>\n", fd, buffer);
}

static const char *disposition(int signal) {
  struct sigaction action;
  if (sigaction(signal, NULL, &action) != 0) return "error";
  if (action.sa_handler == SIG_DFL) return "default";
  if (action.sa_handler == SIG_IGN) return "ignored";
  return "caught";
}

static void print_link(const char *name, const char *path) {
  char target[4096];
  ssize_t n = readlink(path, target, sizeof target - 1);
  if (n < 0) n = 0;
  target[n] = '\0';
  printf("%s <%s>\n", name, target);
}

// A /proc file's bytes with NULs shown as '|' and a trailing newline cut.
static void print_proc_file(const char *name, const char *path) {
  char text[4096];
  int fd = open(path, O_RDONLY);
  ssize_t n = fd >= 0 ? read(fd, text, sizeof text - 1) : 0;
  if (fd >= 0) close(fd);
  if (n < 0) n = 0;
  if (n > 0 && text[n - 1] == '\n') n--;
  for (ssize_t i = 0; i < n; i++) {
    if (text[i] == '\0') text[i] = '|';
  }
  text[n] = '\0';
  printf("%s <%s>\n", name, text);
}

int main(int argc, char **argv) {
  printf("argc %d\n", argc);
  for (int i = 0; i < argc; i++) printf("argv[%d] <%s>\n", i, argv[i]);
  const char *value = getenv("EXEC_TEST_VAR");
  printf("env <%s>\n", value != NULL ? value : "(unset)");
  printf("execfn <%s>\n", (const char *)getauxval(AT_EXECFN));
  printf("secure %lu\n", getauxval(AT_SECURE));
  print_fd(10);
  print_fd(11);
  printf("sigusr1 %s\n", disposition(SIGUSR1));
  printf("sigusr2 %s\n", disposition(SIGUSR2));
  printf("sigint %s\n", disposition(SIGINT));
  sigset_t blocked;
  sigprocmask(SIG_BLOCK, NULL, &blocked);
  printf("sigterm %s\n", sigismember(&blocked, SIGTERM) ? "blocked" : "unblocked");
  printf("sigquit %s\n", sigismember(&blocked, SIGQUIT) ? "blocked" : "unblocked");
  stack_t stack;
  sigaltstack(NULL, &stack);
  printf("altstack %s\n", (stack.ss_flags & SS_DISABLE) ? "disabled" : "enabled");
  print_link("exe", "/proc/self/exe");
  print_proc_file("comm", "/proc/self/comm");
  print_proc_file("cmdline", "/proc/self/cmdline");
  printf("exec_report done\n");
  return 0;
}
