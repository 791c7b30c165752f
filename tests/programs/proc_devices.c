// /dev from the inside: the memory devices' numbers and semantics, the
// standard links, /dev/shm, and /dev/tty (argv[1] selects the mode).
#include "check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>


static void expect_node(const char *path, unsigned major_number, unsigned minor_number,
                        unsigned mode) {
  struct stat st;
  CHECK_SYS(stat(path, &st), path);
  CHECK(S_ISCHR(st.st_mode), "is a character device");
  CHECK_EQ(major(st.st_rdev), major_number, "major");
  CHECK_EQ(minor(st.st_rdev), minor_number, "minor");
  CHECK_EQ(st.st_mode & 0777, mode, "permissions");
  CHECK_EQ(st.st_size, 0, "size 0");
}

static int all_bytes(const unsigned char *data, size_t n, unsigned char value) {
  for (size_t i = 0; i < n; ++i) {
    if (data[i] != value) return 0;
  }
  return 1;
}

static void mode_memory(void) {
  expect_node("/dev/null", 1, 3, 0666);
  expect_node("/dev/zero", 1, 5, 0666);
  expect_node("/dev/full", 1, 7, 0666);
  expect_node("/dev/random", 1, 8, 0666);
  expect_node("/dev/urandom", 1, 9, 0666);
  expect_node("/dev/tty", 5, 0, 0666);

  unsigned char buffer[10000];
  int null = CHECK_SYS(open("/dev/null", O_RDWR), "open null");
  CHECK_EQ(read(null, buffer, sizeof buffer), 0, "null reads EOF");
  CHECK_EQ(write(null, buffer, sizeof buffer), sizeof buffer, "null swallows writes");
  CHECK_EQ(lseek(null, 1234, SEEK_SET), 0, "null lseek is 0");
  CHECK_EQ(pwrite(null, buffer, 10, 99), 10, "null pwrite");
  close(null);

  int zero = CHECK_SYS(open("/dev/zero", O_RDWR), "open zero");
  memset(buffer, 0x55, sizeof buffer);
  CHECK_EQ(read(zero, buffer, sizeof buffer), sizeof buffer, "zero fills the buffer");
  CHECK(all_bytes(buffer, sizeof buffer, 0), "zero gives zeros");
  memset(buffer, 0x55, 100);
  CHECK_EQ(pread(zero, buffer, 100, 4096), 100, "zero pread");
  CHECK(all_bytes(buffer, 100, 0), "zero pread gives zeros");
  CHECK_EQ(write(zero, buffer, 100), 100, "zero swallows writes");
  CHECK_EQ(lseek(zero, 4096, SEEK_SET), 0, "zero lseek is 0");
  close(zero);

  int full = CHECK_SYS(open("/dev/full", O_RDWR), "open full");
  CHECK_ERR(write(full, "x", 1), ENOSPC, "full write is ENOSPC");
  memset(buffer, 0x55, 64);
  CHECK_EQ(read(full, buffer, 64), 64, "full reads");
  CHECK(all_bytes(buffer, 64, 0), "full gives zeros");
  close(full);

  for (int i = 0; i < 2; ++i) {
    const char *path = i == 0 ? "/dev/urandom" : "/dev/random";
    int random = CHECK_SYS(open(path, O_RDONLY), path);
    unsigned char a[32], b[32];
    CHECK_EQ(read(random, a, sizeof a), sizeof a, "random read a");
    CHECK_EQ(read(random, b, sizeof b), sizeof b, "random read b");
    CHECK(memcmp(a, b, sizeof a) != 0, "random reads differ");
    CHECK(!all_bytes(a, sizeof a, 0), "random is not zeros");
    close(random);
  }
  CHECK_ERR(open("/dev/null", O_RDONLY | O_DIRECTORY), ENOTDIR, "null is no directory");
  printf("memory done\n");
}

static void mode_links(void) {
  char target[256];
  struct {
    const char *link, *target;
  } const links[] = {{"/dev/fd", "/proc/self/fd"},
                     {"/dev/stdin", "/proc/self/fd/0"},
                     {"/dev/stdout", "/proc/self/fd/1"},
                     {"/dev/stderr", "/proc/self/fd/2"}};
  for (size_t i = 0; i < sizeof links / sizeof links[0]; ++i) {
    ssize_t n = readlink(links[i].link, target, sizeof target - 1);
    CHECK(n > 0, links[i].link);
    target[n] = '\0';
    CHECK(strcmp(target, links[i].target) == 0, links[i].target);
  }
  // /dev/fd/N reaches the same files.
  struct stat a, b;
  CHECK_SYS(fstat(1, &a), "fstat 1");
  CHECK_SYS(stat("/dev/fd/1", &b), "stat /dev/fd/1");
  CHECK(a.st_ino == b.st_ino && S_ISFIFO(b.st_mode), "/dev/fd/1 is our stdout pipe");
  int err = CHECK_SYS(open("/dev/stderr", O_WRONLY), "open /dev/stderr");
  CHECK_EQ(write(err, "to-stderr\n", 10), 10, "write /dev/stderr");
  close(err);

  struct stat shm;
  CHECK_SYS(stat("/dev/shm", &shm), "stat /dev/shm");
  CHECK(S_ISDIR(shm.st_mode) && (shm.st_mode & 07777) == 01777, "/dev/shm is sticky 1777");
  int file = CHECK_SYS(open("/dev/shm/proc_devices_test", O_CREAT | O_RDWR | O_TRUNC, 0600),
                       "create in /dev/shm");
  CHECK_EQ(write(file, "abc", 3), 3, "write in /dev/shm");
  close(file);
  CHECK_SYS(unlink("/dev/shm/proc_devices_test"), "unlink in /dev/shm");
  CHECK_ERR(open("/dev/ptmx_does_not_exist", O_RDONLY), ENOENT, "missing node");
  printf("links done\n");
}

// Prints what opening /dev/tty gives: the test knows whether the run has
// a controlling terminal.
static void mode_tty(void) {
  int fd = open("/dev/tty", O_RDWR);
  if (fd >= 0) {
    printf("tty open\n");
    close(fd);
  } else {
    printf("tty %s\n", errno == ENXIO ? "ENXIO" : strerror(errno));
  }
}

int main(int argc, char **argv) {
  if (argc < 2) check_fail("usage", "proc_devices MODE");
  if (strcmp(argv[1], "memory") == 0) mode_memory();
  else if (strcmp(argv[1], "links") == 0) mode_links();
  else if (strcmp(argv[1], "tty") == 0) mode_tty();
  else check_fail("usage", "unknown mode %s", argv[1]);
  return 0;
}
