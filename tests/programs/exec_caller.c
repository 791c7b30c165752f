// exec_caller MODE REPORT: execve and execveat as the single process
// replacing itself. REPORT is exec_report's path. Modes:
//   errors    the failures that leave the caller running (ENOENT, ENOTDIR,
//             EACCES, ENOEXEC, E2BIG, EFAULT, ELOOP, EINVAL), then
//             "exec_caller errors done";
//   inherit   sets up fds, signal state and an alternate stack, then execs
//             REPORT with new argv and envp (exec_report prints what it got);
//   script    execs a #! script whose interpreter is REPORT;
//   fd        fexecve: execveat(O_PATH fd of REPORT, "", AT_EMPTY_PATH);
//   dirfd     execveat(fd of REPORT's directory, its name);
//   noargv    execve(REPORT, NULL, envp): Linux supplies argv[0] "".
#include "check.h"

#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <sys/stat.h>

static char scratch[64];
static char *report_argv[] = {"exec_report", "one", "two words", "", NULL};
static char *report_envp[] = {"EXEC_TEST_VAR=passed", NULL};

// void* parameters: some calls pass bad pointers on purpose.
static long sys_execve(const void *path, const void *argv, const void *envp) {
  return syscall(SYS_execve, path, argv, envp);
}

static long sys_execveat(int dirfd, const void *path, const void *argv, const void *envp,
                         int flags) {
  return syscall(SYS_execveat, dirfd, path, argv, envp, flags);
}

static const char *scratch_file(const char *name, const char *contents, mode_t mode) {
  static char path[128];
  snprintf(path, sizeof path, "%s/%s", scratch, name);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || write(fd, contents, strlen(contents)) != (ssize_t)strlen(contents)) {
    check_fail("scratch_file", "%s: %s", path, strerror(errno));
  }
  close(fd);
  if (chmod(path, mode) != 0) check_fail("scratch_chmod", "%s", strerror(errno));
  return path;
}


static void errors(const char *report) {
  CHECK_ERR(sys_execve("/nonexistent/exec_caller", report_argv, report_envp), ENOENT,
                   "missing_is_enoent");
  CHECK_ERR(sys_execve("", report_argv, report_envp), ENOENT, "empty_path_is_enoent");
  CHECK_ERR(sys_execve("/proc/self/exe/x", report_argv, report_envp), ENOTDIR,
                   "file_as_directory_is_enotdir");
  CHECK_ERR(sys_execve("/", report_argv, report_envp), EACCES, "directory_is_eacces");
  CHECK_ERR(sys_execve(scratch_file("plain", "data\n", 0644), report_argv, report_envp),
                   EACCES, "no_exec_bit_is_eacces");
  CHECK_ERR(
      sys_execve(scratch_file("garbage", "not a program\n", 0755), report_argv, report_envp),
      ENOEXEC, "garbage_is_enoexec");
  CHECK_ERR(sys_execve(scratch_file("bang", "#!\n", 0755), report_argv, report_envp),
                   ENOEXEC, "shebang_without_name_is_enoexec");
  // Without a newline the zero padding ends an empty name: Linux opens "".
  CHECK_ERR(sys_execve(scratch_file("bare", "#!", 0755), report_argv, report_envp), EACCES,
            "bare_shebang_is_eacces");
  char missing_interpreter[160];
  snprintf(missing_interpreter, sizeof missing_interpreter, "#!%s/absent\n", scratch);
  CHECK_ERR(sys_execve(scratch_file("script", missing_interpreter, 0755), report_argv,
                              report_envp),
                   ENOENT, "missing_interpreter_is_enoent");

  // Longer than MAX_ARG_STRLEN (32 pages), and 3 MiB in all (over a quarter
  // of the 8 MiB stack limit).
  size_t long_length = 33 * 4096;
  char *long_string = malloc(long_length + 1);
  memset(long_string, 'x', long_length);
  long_string[long_length] = '\0';
  char *too_long[] = {"exec_report", long_string, NULL};
  CHECK_ERR(sys_execve(report, too_long, report_envp), E2BIG, "long_string_is_e2big");
  CHECK_ERR(sys_execve(report, report_argv, too_long), E2BIG, "long_env_is_e2big");
  long_string[100 * 1024] = '\0';
  char *many[32];
  for (int i = 0; i < 31; i++) many[i] = long_string;
  many[31] = NULL;
  CHECK_ERR(sys_execve(report, many, report_envp), E2BIG, "too_much_is_e2big");
  free(long_string);

  CHECK_ERR(sys_execve((const char *)1, report_argv, report_envp), EFAULT,
                   "bad_path_is_efault");
  CHECK_ERR(sys_execve(report, (char **)1, report_envp), EFAULT, "bad_argv_is_efault");
  char *bad_string[] = {"exec_report", (char *)1, NULL};
  CHECK_ERR(sys_execve(report, bad_string, report_envp), EFAULT,
                   "bad_string_is_efault");
  CHECK_ERR(sys_execve(report, report_argv, (char **)1), EFAULT, "bad_envp_is_efault");
  // The file is opened before the arguments are read.
  CHECK_ERR(sys_execve("/nonexistent", (char **)1, report_envp), ENOENT,
                   "open_before_arguments");

  CHECK_ERR(sys_execveat(AT_FDCWD, report, report_argv, report_envp, 0x2),
                   EINVAL, "unknown_flag_is_einval");
  char link_path[128];
  snprintf(link_path, sizeof link_path, "%s/link", scratch);
  CHECK_EQ(symlink(report, link_path), 0, "symlink");
  CHECK_ERR(sys_execveat(AT_FDCWD, link_path, report_argv, report_envp,
                                AT_SYMLINK_NOFOLLOW),
                   ELOOP, "nofollow_symlink_is_eloop");
  int dir = open(scratch, O_RDONLY | O_DIRECTORY);
  CHECK_ERR(sys_execveat(dir, "", report_argv, report_envp, AT_EMPTY_PATH), EACCES,
                   "empty_path_directory_is_eacces");
  CHECK_ERR(sys_execveat(dir, "", report_argv, report_envp, 0), ENOENT,
                   "empty_path_without_flag_is_enoent");
  CHECK_ERR(sys_execveat(dir, "absent", report_argv, report_envp, 0), ENOENT,
                   "dirfd_relative_missing_is_enoent");
  close(dir);
  int data = open(scratch_file("data", "x", 0755), O_RDONLY);
  CHECK_ERR(sys_execveat(data, "x", report_argv, report_envp, 0), ENOTDIR,
                   "file_dirfd_is_enotdir");
  close(data);
  CHECK_ERR(sys_execveat(1, "", report_argv, report_envp, AT_EMPTY_PATH), EACCES,
                   "pipe_fd_is_eacces");
  CHECK_ERR(sys_execveat(99, "", report_argv, report_envp, AT_EMPTY_PATH), EBADF,
                   "bad_fd_is_ebadf");
  printf("exec_caller errors done\n");
}

static void on_signal(int signal) { (void)signal; }

// The state exec_report checks: fd 10 stays, fd 11 (close-on-exec) goes,
// SIGUSR1/SIGINT handlers reset, SIGUSR2 ignored stays, SIGTERM blocked
// stays, the alternate stack goes.
static void set_up_inheritance(void) {
  int fd = open(scratch_file("inherited", "kept", 0644), O_RDONLY);
  CHECK(dup2(fd, 10) == 10, "dup2_10");
  CHECK(dup3(fd, 11, O_CLOEXEC) == 11, "dup3_11_cloexec");
  close(fd);
  struct sigaction action = {0};
  action.sa_handler = on_signal;
  action.sa_flags = SA_RESTART;
  CHECK_EQ(sigaction(SIGUSR1, &action, NULL), 0, "catch_sigusr1");
  CHECK_EQ(sigaction(SIGINT, &action, NULL), 0, "catch_sigint");
  action.sa_handler = SIG_IGN;
  CHECK_EQ(sigaction(SIGUSR2, &action, NULL), 0, "ignore_sigusr2");
  sigset_t blocked;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGTERM);
  CHECK_EQ(sigprocmask(SIG_BLOCK, &blocked, NULL), 0, "block_sigterm");
  static char alt[65536];
  stack_t stack = {.ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0};
  CHECK_EQ(sigaltstack(&stack, NULL), 0, "sigaltstack");
}

int main(int argc, char **argv) {
  if (argc != 3) check_fail("usage", "exec_caller MODE REPORT");
  const char *mode = argv[1], *report = argv[2];
  snprintf(scratch, sizeof scratch, "/tmp/exec_caller.XXXXXX");
  if (mkdtemp(scratch) == NULL) check_fail("mkdtemp", "%s", strerror(errno));

  if (strcmp(mode, "errors") == 0) {
    errors(report);
    return 0;
  }
  if (strcmp(mode, "inherit") == 0) {
    set_up_inheritance();
    sys_execve(report, report_argv, report_envp);
  } else if (strcmp(mode, "script") == 0) {
    char line[4200];
    snprintf(line, sizeof line, "#!%s -x\n", report);
    const char *script = scratch_file("script", line, 0755);
    char *script_argv[] = {"ignored-argv0", "a", NULL};
    sys_execve(script, script_argv, report_envp);
  } else if (strcmp(mode, "fd") == 0) {
    int fd = open(report, O_PATH);
    CHECK(fd >= 0, "open_o_path");
    sys_execveat(fd, "", report_argv, report_envp, AT_EMPTY_PATH);
  } else if (strcmp(mode, "dirfd") == 0) {
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", report);
    int dir = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    CHECK(dir >= 0, "open_directory");
    snprintf(copy, sizeof copy, "%s", report);
    sys_execveat(dir, basename(copy), report_argv, report_envp, 0);
  } else if (strcmp(mode, "noargv") == 0) {
    sys_execve(report, NULL, report_envp);
  } else {
    check_fail("mode", "unknown mode %s", mode);
  }
  check_fail("exec", "%s: %s", mode, strerror(errno));
}
