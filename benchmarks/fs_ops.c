// fs_ops: one file-system operation, timed, for benchmarks/run.sh.
//   fs_ops OP DIR COUNT
// OP:
//   stat        COUNT stat(2) calls on DIR/fs_ops.small
//   open_read   COUNT open + read(4 KiB) + close of DIR/fs_ops.small
//   write       writes COUNT MiB sequentially (1 MiB writes) to DIR/fs_ops.big
//   read        writes COUNT MiB to DIR/fs_ops.big untimed, then reads it back
//               sequentially (1 MiB reads), timed
// Prints "op OP count COUNT ns_per_op N mib_per_s M" (mib_per_s for the
// streaming ops, 0 otherwise). COUNT 0 does the setup only: run.sh subtracts
// that run's VM exits to get the exits the operations themselves cost.
// Files it creates are removed before it exits.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { kSmallSize = 4096, kChunk = 1 << 20 };

static char g_buffer[kChunk];

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void die(const char *what, const char *path) {
  fprintf(stderr, "fs_ops: %s %s: %s\n", what, path, strerror(errno));
  exit(1);
}

static void write_file(const char *path, long chunks, size_t chunk_size) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) die("open", path);
  for (long i = 0; i < chunks; i++) {
    if (write(fd, g_buffer, chunk_size) != (ssize_t)chunk_size) die("write", path);
  }
  if (close(fd) != 0) die("close", path);
}

static double bench_stat(const char *path, long count) {
  struct stat st;
  double start = now_ns();
  for (long i = 0; i < count; i++) {
    if (stat(path, &st) != 0) die("stat", path);
  }
  return now_ns() - start;
}

static double bench_open_read(const char *path, long count) {
  double start = now_ns();
  for (long i = 0; i < count; i++) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) die("open", path);
    if (read(fd, g_buffer, kSmallSize) != kSmallSize) die("read", path);
    close(fd);
  }
  return now_ns() - start;
}

static double bench_read(const char *path, long mib) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) die("open", path);
  double start = now_ns();
  for (long i = 0; i < mib; i++) {
    if (read(fd, g_buffer, kChunk) != kChunk) die("read", path);
  }
  double elapsed = now_ns() - start;
  close(fd);
  return elapsed;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: fs_ops stat|open_read|write|read DIR COUNT\n");
    return 2;
  }
  const char *op = argv[1];
  long count = strtol(argv[3], NULL, 10);
  char small[4096], big[4096];
  snprintf(small, sizeof small, "%s/fs_ops.small", argv[2]);
  snprintf(big, sizeof big, "%s/fs_ops.big", argv[2]);
  memset(g_buffer, 'x', sizeof g_buffer);

  double elapsed = 0;
  int streaming = 0;
  if (strcmp(op, "stat") == 0 || strcmp(op, "open_read") == 0) {
    write_file(small, 1, kSmallSize);
    elapsed = op[0] == 's' ? bench_stat(small, count) : bench_open_read(small, count);
    unlink(small);
  } else if (strcmp(op, "write") == 0) {
    streaming = 1;
    double start = now_ns();
    write_file(big, count, kChunk);
    elapsed = now_ns() - start;
    unlink(big);
  } else if (strcmp(op, "read") == 0) {
    streaming = 1;
    write_file(big, count, kChunk);
    elapsed = bench_read(big, count);
    unlink(big);
  } else {
    fprintf(stderr, "fs_ops: unknown op %s\n", op);
    return 2;
  }
  double ns_per_op = count > 0 ? elapsed / (double)count : 0;
  double mib_per_s = streaming && elapsed > 0 ? (double)count / (elapsed / 1e9) : 0;
  printf("op %s count %ld ns_per_op %.1f mib_per_s %.1f\n", op, count, ns_per_op, mib_per_s);
  return 0;
}
