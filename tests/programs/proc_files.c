// /proc from the inside: a process reading its own /proc/self files and
// the system-wide ones, one mode per run (argv[1]). Every expectation is
// derived from what the process knows about itself (getpid, its argv and
// environment, its own mappings), so it holds on Linux too.
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>


extern char **environ;

// The whole content of `path` (NUL-terminated) into a static buffer.
static char file_buffer[1 << 16];
static const char *slurp(const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) check_fail(path, "open: %s", strerror(errno));
  size_t used = 0;
  for (;;) {
    // Small reads: the content must stay consistent across them.
    ssize_t got = read(fd, file_buffer + used, 100);
    if (got < 0) check_fail(path, "read: %s", strerror(errno));
    if (got == 0) break;
    used += (size_t)got;
    if (used + 100 >= sizeof(file_buffer)) check_fail(path, "too large");
  }
  close(fd);
  file_buffer[used] = '\0';
  return file_buffer;
}

// The value after "Key:\t" in a status-style text, up to the newline.
static const char *field(const char *text, const char *key, char *out, size_t size) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\n%s:\t", key);
  const char *at = strstr(text, pattern);
  if (at == NULL && strncmp(text, pattern + 1, strlen(pattern + 1)) == 0) at = text - 1;
  if (at == NULL) check_fail(key, "no %s line in\n%s", key, text);
  at += strlen(pattern);
  size_t n = strcspn(at, "\n");
  if (n >= size) n = size - 1;
  memcpy(out, at, n);
  out[n] = '\0';
  return out;
}

static const char *basename_of(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

static void handler(int signal) { (void)signal; }

static void mode_status(const char *argv0) {
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  CHECK_SYS(sigprocmask(SIG_BLOCK, &block, NULL), "block SIGUSR1");
  CHECK_SYS(signal(SIGPIPE, SIG_IGN) == SIG_ERR ? -1 : 0, "ignore SIGPIPE");
  CHECK_SYS(signal(SIGUSR2, handler) == SIG_ERR ? -1 : 0, "catch SIGUSR2");

  const char *status = slurp("/proc/self/status");
  char value[256], expected[256];
  snprintf(expected, sizeof expected, "%.15s", basename_of(argv0));
  CHECK(strcmp(field(status, "Name", value, sizeof value), expected) == 0, "status Name");
  CHECK_EQ(atoi(field(status, "Pid", value, sizeof value)), getpid(), "status Pid");
  CHECK_EQ(atoi(field(status, "Tgid", value, sizeof value)), getpid(), "status Tgid");
  CHECK_EQ(atoi(field(status, "PPid", value, sizeof value)), getppid(), "status PPid");
  snprintf(expected, sizeof expected, "%u\t%u\t%u\t%u", getuid(), geteuid(), geteuid(),
           geteuid());
  CHECK(strcmp(field(status, "Uid", value, sizeof value), expected) == 0, "status Uid");
  snprintf(expected, sizeof expected, "%u\t%u\t%u\t%u", getgid(), getegid(), getegid(),
           getegid());
  CHECK(strcmp(field(status, "Gid", value, sizeof value), expected) == 0, "status Gid");
  CHECK(field(status, "State", value, sizeof value)[0] == 'R', "status State running");
  CHECK_EQ(atoi(field(status, "Threads", value, sizeof value)), 1, "status Threads");
  CHECK(atol(field(status, "VmSize", value, sizeof value)) > 0, "status VmSize");
  CHECK(strstr(value, " kB") != NULL, "status VmSize in kB");
  CHECK(atol(field(status, "VmRSS", value, sizeof value)) > 0, "status VmRSS");
  CHECK(atol(field(status, "VmStk", value, sizeof value)) > 0, "status VmStk");
  CHECK(atoi(field(status, "FDSize", value, sizeof value)) >= 64, "status FDSize");
  unsigned long long blocked = strtoull(field(status, "SigBlk", value, sizeof value), NULL, 16);
  CHECK_EQ(strlen(value), 16, "status SigBlk width");
  CHECK(blocked & (1ull << (SIGUSR1 - 1)), "status SigBlk has SIGUSR1");
  unsigned long long ignored = strtoull(field(status, "SigIgn", value, sizeof value), NULL, 16);
  CHECK(ignored & (1ull << (SIGPIPE - 1)), "status SigIgn has SIGPIPE");
  unsigned long long caught = strtoull(field(status, "SigCgt", value, sizeof value), NULL, 16);
  CHECK(caught & (1ull << (SIGUSR2 - 1)), "status SigCgt has SIGUSR2");
  CHECK(!(caught & (1ull << (SIGPIPE - 1))), "status SigCgt lacks SIGPIPE");
  field(status, "SigQ", value, sizeof value);
  CHECK(strchr(value, '/') != NULL, "status SigQ");
  field(status, "Cpus_allowed_list", value, sizeof value);
  CHECK(value[0] == '0', "status Cpus_allowed_list");

  // stat: "pid (comm) state ppid ...", 52 fields.
  const char *stat = slurp("/proc/self/stat");
  char comm[64], state;
  int pid, ppid;
  CHECK_EQ(sscanf(stat, "%d (%63[^)]) %c %d", &pid, comm, &state, &ppid), 4, "stat parses");
  CHECK_EQ(pid, getpid(), "stat pid");
  CHECK_EQ(ppid, getppid(), "stat ppid");
  snprintf(expected, sizeof expected, "%.15s", basename_of(argv0));
  CHECK(strcmp(comm, expected) == 0, "stat comm");
  int fields = 0;
  for (const char *c = stat; *c; ++c) fields += (*c == ' ');
  CHECK_EQ(fields + 1, 52, "stat field count");

  snprintf(expected, sizeof expected, "%.15s\n", basename_of(argv0));
  CHECK(strcmp(slurp("/proc/self/comm"), expected) == 0, "comm");
  const char *limits = slurp("/proc/self/limits");
  CHECK(strncmp(limits, "Limit                     Soft Limit", 36) == 0, "limits header");
  CHECK(strstr(limits, "\nMax open files            ") != NULL, "limits nofile row");
  printf("status done\n");
}

// Finds the maps line covering `address`; returns its permissions.
static int maps_line_for(const char *maps, unsigned long address, char *line, size_t size) {
  for (const char *at = maps; *at;) {
    const char *end = strchr(at, '\n');
    if (end == NULL) break;
    unsigned long start, stop;
    if (sscanf(at, "%lx-%lx", &start, &stop) == 2 && address >= start && address < stop) {
      size_t n = (size_t)(end - at) < size - 1 ? (size_t)(end - at) : size - 1;
      memcpy(line, at, n);
      line[n] = '\0';
      return 1;
    }
    at = end + 1;
  }
  return 0;
}

static void mode_maps(void) {
  long page = sysconf(_SC_PAGESIZE);
  char *region = mmap(NULL, 3 * page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(region != MAP_FAILED, "mmap 3 pages");
  CHECK(sbrk(page) != (void *)-1, "sbrk");
  int local = 0;
  const char *maps = slurp("/proc/self/maps");
  char line[512];
  CHECK(maps_line_for(maps, (unsigned long)region, line, sizeof line), "region in maps");
  unsigned long start, end, offset, inode;
  char perms[8];
  unsigned major, minor;
  CHECK_EQ(sscanf(line, "%lx-%lx %7s %lx %x:%x %lu", &start, &end, perms, &offset, &major,
                  &minor, &inode),
           7, "maps line parses");
  CHECK(start <= (unsigned long)region && end >= (unsigned long)region + 3 * page,
        "region bounds");
  CHECK(strcmp(perms, "r--p") == 0, "region perms r--p");
  CHECK_EQ(inode, 0, "anonymous inode 0");
  CHECK(maps_line_for(maps, (unsigned long)&local, line, sizeof line), "stack in maps");
  CHECK(strstr(line, " rw-p ") != NULL, "stack rw-p");
  CHECK(strstr(line, "[stack]") != NULL, "stack named [stack]");
  // The name column starts at offset 73 as Linux pads it.
  CHECK_EQ(strstr(line, "[stack]") - line, 73, "name column");
  CHECK(strstr(maps, "[heap]") != NULL, "heap named [heap]");
  CHECK(maps_line_for(maps, (unsigned long)&mode_maps, line, sizeof line), "code in maps");
  CHECK(line[20] == 'x' || strstr(line, "r-xp") != NULL, "code executable");
  CHECK_SYS(mprotect(region + page, page, PROT_READ | PROT_WRITE), "mprotect middle");
  maps = slurp("/proc/self/maps");
  CHECK(maps_line_for(maps, (unsigned long)region + page, line, sizeof line), "split in maps");
  CHECK(strstr(line, " rw-p ") != NULL, "split middle rw-p");
  printf("maps done\n");
}

static void mode_args(int argc, char **argv) {
  // cmdline: argv's strings, each with its NUL.
  int fd = open("/proc/self/cmdline", O_RDONLY);
  CHECK(fd >= 0, "open cmdline");
  static char cmdline[8192], expected[8192];
  ssize_t got = read(fd, cmdline, sizeof cmdline);
  close(fd);
  size_t length = 0;
  for (int i = 0; i < argc; ++i) {
    size_t n = strlen(argv[i]) + 1;
    memcpy(expected + length, argv[i], n);
    length += n;
  }
  CHECK_EQ(got, length, "cmdline length");
  CHECK(memcmp(cmdline, expected, length) == 0, "cmdline bytes");
  // environ: the initial environment, likewise.
  fd = open("/proc/self/environ", O_RDONLY);
  CHECK(fd >= 0, "open environ");
  static char env[65536], env_expected[65536];
  size_t env_got = 0;
  for (ssize_t n; (n = read(fd, env + env_got, 7)) > 0;) env_got += (size_t)n;
  close(fd);
  length = 0;
  for (char **e = environ; *e; ++e) {
    size_t n = strlen(*e) + 1;
    memcpy(env_expected + length, *e, n);
    length += n;
  }
  CHECK_EQ(env_got, length, "environ length");
  CHECK(memcmp(env, env_expected, length) == 0, "environ bytes");
  CHECK(memmem(env, env_got, "PROC_TEST_MARK=here", 20) != NULL, "environ has the mark");
  printf("args done\n");
}

static void mode_links(const char *argv0) {
  char target[4096], expected[4096];
  ssize_t n = readlink("/proc/self", target, sizeof target - 1);
  CHECK(n > 0, "readlink /proc/self");
  target[n] = '\0';
  CHECK_EQ(atoi(target), getpid(), "/proc/self is the pid");
  snprintf(expected, sizeof expected, "/proc/%d/status", getpid());
  struct stat by_pid, by_self;
  CHECK_SYS(stat(expected, &by_pid), "stat /proc/<pid>/status");
  CHECK_SYS(stat("/proc/self/status", &by_self), "stat /proc/self/status");
  CHECK(S_ISREG(by_self.st_mode) && by_self.st_size == 0, "status is an empty-sized file");

  n = readlink("/proc/self/exe", target, sizeof target - 1);
  CHECK(n > 0, "readlink exe");
  target[n] = '\0';
  CHECK(strcmp(target, argv0) == 0, "exe is the program");

  CHECK(getcwd(expected, sizeof expected) != NULL, "getcwd");
  n = readlink("/proc/self/cwd", target, sizeof target - 1);
  CHECK(n > 0, "readlink cwd");
  target[n] = '\0';
  CHECK(strcmp(target, expected) == 0, "cwd link is getcwd");
  n = readlink("/proc/self/root", target, sizeof target - 1);
  CHECK(n == 1 && target[0] == '/', "root link is /");

  // The links reach the directories themselves.
  struct stat dot, via_cwd, slash, via_root, up;
  CHECK_SYS(stat(".", &dot), "stat .");
  CHECK_SYS(stat("/proc/self/cwd/.", &via_cwd), "stat cwd/.");
  CHECK(dot.st_ino == via_cwd.st_ino && dot.st_dev == via_cwd.st_dev, "cwd link is .");
  CHECK_SYS(stat("/", &slash), "stat /");
  CHECK_SYS(stat("/proc/self/root/", &via_root), "stat root/");
  CHECK(slash.st_ino == via_root.st_ino && slash.st_dev == via_root.st_dev, "root link is /");
  CHECK_SYS(stat("/proc/self/root/../..", &up), "stat root/../..");
  CHECK(slash.st_ino == up.st_ino && slash.st_dev == up.st_dev, ".. stays in the root");
  struct stat link;
  CHECK_SYS(lstat("/proc/self/cwd", &link), "lstat cwd");
  CHECK(S_ISLNK(link.st_mode), "cwd is a link");
  printf("links done\n");
}

static void mode_fds(void) {
  char path[64], target[256];
  // A file of our own, with a position.
  char name[] = "/tmp/proc_files_XXXXXX";
  int fd = CHECK_SYS(mkstemp(name), "mkstemp");
  CHECK_EQ(write(fd, "hello", 5), 5, "write 5");
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(path, target, sizeof target - 1);
  CHECK(n > 0, "readlink fd");
  target[n] = '\0';
  CHECK(strcmp(target, name) == 0, "fd link is the file's path");

  snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
  int info = CHECK_SYS(open(path, O_RDONLY), "open fdinfo");
  char text[512] = {0};
  CHECK(read(info, text, sizeof text - 1) > 0, "read fdinfo");
  close(info);
  CHECK(strncmp(text, "pos:\t5\nflags:\t0", 15) == 0, "fdinfo pos and flags");
  CHECK(strstr(text, "\nmnt_id:\t") != NULL, "fdinfo mnt_id");
  unsigned flags = (unsigned)strtoul(text + 14, NULL, 8);
  CHECK_EQ(flags & O_ACCMODE, O_RDWR, "fdinfo access mode");
  CHECK(!(flags & O_CLOEXEC), "fdinfo no O_CLOEXEC");
  CHECK_SYS(fcntl(fd, F_SETFD, FD_CLOEXEC), "set FD_CLOEXEC");
  info = CHECK_SYS(open(path, O_RDONLY), "reopen fdinfo");
  CHECK(read(info, text, sizeof text - 1) > 0, "reread fdinfo");
  close(info);
  flags = (unsigned)strtoul(text + 14, NULL, 8);
  CHECK(flags & O_CLOEXEC, "fdinfo shows O_CLOEXEC");

  // Reopening through the link gives a new description of the same file.
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  int again = CHECK_SYS(open(path, O_RDONLY), "reopen via fd link");
  char data[8] = {0};
  CHECK_EQ(read(again, data, sizeof data), 5, "reopened reads from the start");
  CHECK(memcmp(data, "hello", 5) == 0, "reopened content");
  CHECK_EQ(lseek(fd, 0, SEEK_CUR), 5, "original position unchanged");
  struct stat a, b;
  CHECK_SYS(fstat(fd, &a), "fstat original");
  CHECK_SYS(fstat(again, &b), "fstat reopened");
  CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev, "same file");

  // The listing shows exactly the open descriptors.
  DIR *dir = opendir("/proc/self/fd");
  CHECK(dir != NULL, "opendir fd");
  int seen = 0, listed[4] = {0};
  for (struct dirent *e; (e = readdir(dir)) != NULL;) {
    if (e->d_name[0] == '.') continue;
    int number = atoi(e->d_name);
    CHECK(e->d_type == DT_LNK, "fd entries are links");
    CHECK(fcntl(number, F_GETFD) >= 0 || number == dirfd(dir), "listed fd is open");
    if (number == 0) listed[0] = 1;
    if (number == 1) listed[1] = 1;
    if (number == fd) listed[2] = 1;
    if (number == again) listed[3] = 1;
    ++seen;
  }
  closedir(dir);
  CHECK(listed[0] && listed[1] && listed[2] && listed[3], "fd listing has our fds");
  close(again);
  snprintf(path, sizeof path, "/proc/self/fd/%d", again);
  CHECK_ERR(readlink(path, target, sizeof target), ENOENT, "closed fd link is gone");

  // Writing through /dev/stdout reaches our stdout (a pipe here).
  int out = CHECK_SYS(open("/dev/stdout", O_WRONLY), "open /dev/stdout");
  CHECK_EQ(write(out, "via-dev-stdout\n", 15), 15, "write /dev/stdout");
  close(out);
  // As a shell's "> /dev/stdout" opens it.
  out = CHECK_SYS(open("/dev/stdout", O_WRONLY | O_CREAT | O_TRUNC, 0666), "creat /dev/stdout");
  CHECK_EQ(write(out, "via-creat\n", 10), 10, "write creat /dev/stdout");
  close(out);
  n = readlink("/proc/self/fd/1", target, sizeof target - 1);
  CHECK(n > 0, "readlink fd 1");
  target[n] = '\0';
  CHECK(strncmp(target, "pipe:[", 6) == 0, "stdout is a pipe");
  unlink(name);
  printf("fds done\n");
}

static int count_lines_starting(const char *text, const char *prefix) {
  int count = 0;
  size_t length = strlen(prefix);
  for (const char *at = text; at && *at;) {
    if (strncmp(at, prefix, length) == 0) ++count;
    at = strchr(at, '\n');
    if (at) ++at;
  }
  return count;
}

static void mode_system(void) {
  struct utsname u;
  CHECK_SYS(uname(&u), "uname");
  char expected[512];
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  CHECK(cpus >= 1, "online cpus");
  const char *cpuinfo = slurp("/proc/cpuinfo");
  CHECK_EQ(count_lines_starting(cpuinfo, "processor\t: "), cpus, "cpuinfo one block per cpu");
  CHECK(strstr(cpuinfo, "\nflags\t\t: fpu ") != NULL, "cpuinfo flags");
  CHECK(strstr(cpuinfo, " sse2 ") != NULL, "cpuinfo sse2");
  CHECK(strstr(cpuinfo, "\nvendor_id\t: ") != NULL, "cpuinfo vendor");

  const char *online = slurp("/sys/devices/system/cpu/online");
  snprintf(expected, sizeof expected, cpus == 1 ? "0\n" : "0-%ld\n", cpus - 1);
  CHECK(strcmp(online, expected) == 0, "sys cpu online");
  CHECK(strstr(slurp("/sys/kernel/mm/transparent_hugepage/enabled"), "never") != NULL,
        "sys thp enabled");

  struct timespec boot;
  clock_gettime(CLOCK_BOOTTIME, &boot);
  double up = 0, idle = -1;
  CHECK_EQ(sscanf(slurp("/proc/uptime"), "%lf %lf", &up, &idle), 2, "uptime parses");
  CHECK(up > 0 && idle >= 0, "uptime values");
  double booted = boot.tv_sec + boot.tv_nsec / 1e9;
  CHECK(up >= booted - 0.02 && up < booted + 2, "uptime matches CLOCK_BOOTTIME");

  const char *meminfo = slurp("/proc/meminfo");
  unsigned long total = 0, free_kb = 0;
  CHECK_EQ(sscanf(meminfo, "MemTotal: %lu kB\nMemFree: %lu kB", &total, &free_kb), 2,
           "meminfo parses");
  CHECK(total > 0 && free_kb <= total, "meminfo values");
  CHECK(strstr(meminfo, "\nMemAvailable:") != NULL, "meminfo MemAvailable");

  float l1, l5, l15;
  int running, total_tasks, last;
  CHECK_EQ(sscanf(slurp("/proc/loadavg"), "%f %f %f %d/%d %d", &l1, &l5, &l15, &running,
                  &total_tasks, &last),
           6, "loadavg parses");
  CHECK(running >= 1 && total_tasks >= 1, "loadavg counts");

  const char *stat = slurp("/proc/stat");
  CHECK(strncmp(stat, "cpu  ", 5) == 0, "stat cpu line");
  CHECK_EQ(count_lines_starting(stat, "cpu"), cpus + 1, "stat per-cpu lines");
  CHECK(strstr(stat, "\nbtime ") != NULL, "stat btime");

  snprintf(expected, sizeof expected, "Linux version %s ", u.release);
  CHECK(strncmp(slurp("/proc/version"), expected, strlen(expected)) == 0, "version");
  snprintf(expected, sizeof expected, "%s\n", u.release);
  CHECK(strcmp(slurp("/proc/sys/kernel/osrelease"), expected) == 0, "osrelease");
  snprintf(expected, sizeof expected, "%s\n", u.nodename);
  CHECK(strcmp(slurp("/proc/sys/kernel/hostname"), expected) == 0, "hostname");
  CHECK(strcmp(slurp("/proc/sys/kernel/ostype"), "Linux\n") == 0, "ostype");

  const char *filesystems = slurp("/proc/filesystems");
  CHECK(strstr(filesystems, "nodev\tproc\n") != NULL, "filesystems proc");
  CHECK(strstr(filesystems, "nodev\ttmpfs\n") != NULL, "filesystems tmpfs");
  CHECK(strstr(slurp("/proc/mounts"), " /proc proc ") != NULL, "mounts has /proc");
  const char *mountinfo = slurp("/proc/self/mountinfo");
  const char *proc_line = strstr(mountinfo, " /proc ");
  CHECK(proc_line != NULL, "mountinfo has /proc");
  CHECK(strstr(proc_line, " - proc ") != NULL, "mountinfo proc type");
  int id, parent;
  unsigned major, minor;
  CHECK_EQ(sscanf(mountinfo, "%d %d %u:%u", &id, &parent, &major, &minor), 4,
           "mountinfo parses");

  // /proc lists our pid.
  DIR *dir = opendir("/proc");
  CHECK(dir != NULL, "opendir /proc");
  int found = 0, self = 0;
  for (struct dirent *e; (e = readdir(dir)) != NULL;) {
    if (atoi(e->d_name) == getpid() && e->d_type == DT_DIR) found = 1;
    if (strcmp(e->d_name, "self") == 0) self = 1;
  }
  closedir(dir);
  CHECK(found && self, "/proc lists our pid and self");
  printf("system done\n");
}

int main(int argc, char **argv) {
  if (argc < 2) check_fail("usage", "proc_files MODE");
  const char *mode = argv[1];
  if (strcmp(mode, "status") == 0) mode_status(argv[0]);
  else if (strcmp(mode, "maps") == 0) mode_maps();
  else if (strcmp(mode, "args") == 0) mode_args(argc, argv);
  else if (strcmp(mode, "links") == 0) mode_links(argv[0]);
  else if (strcmp(mode, "fds") == 0) mode_fds();
  else if (strcmp(mode, "system") == 0) mode_system();
  else check_fail("usage", "unknown mode %s", mode);
  return 0;
}
