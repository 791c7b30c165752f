// exitcode: ends in the way argv[1] selects. Prints "exiting <mode>" first.
//   exit0 -> 0, exit42 -> 42, exit_group7 -> 7 (raw exit_group),
//   exit_raw5 -> 5 (raw SYS_exit of the only thread), return3 -> 3,
//   exit256 -> 0 (status & 0xff), exit255 -> 255, atexit -> 0 after
//   printing "atexit handler ran" from the handler, buffered -> 0 with
//   "buffered output" flushed by exit().
#include "check.h"

static void on_exit_handler(void) { printf("atexit handler ran\n"); }

int main(int argc, char **argv) {
  const char *m = argc > 1 ? argv[1] : "return3";
  printf("exiting %s\n", m);
  if (!strcmp(m, "exit0")) exit(0);
  if (!strcmp(m, "exit42")) exit(42);
  if (!strcmp(m, "exit255")) exit(255);
  if (!strcmp(m, "exit256")) exit(256);
  if (!strcmp(m, "exit_group7")) syscall(SYS_exit_group, 7);
  if (!strcmp(m, "exit_raw5")) syscall(SYS_exit, 5);
  if (!strcmp(m, "atexit")) {
    atexit(on_exit_handler);
    exit(0);
  }
  if (!strcmp(m, "buffered")) {
    setvbuf(stdout, NULL, _IOFBF, 4096);
    printf("buffered output\n");
    exit(0);
  }
  if (!strcmp(m, "return3")) return 3;
  fprintf(stderr, "exitcode: unknown mode %s\n", m);
  return 2;
}
