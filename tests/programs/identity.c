// identity: getpid/gettid/getppid/getuid/geteuid/getgid/getegid.
// Prints "<name> <value>" lines; the integration test compares them with the
// caller's ids (and pid 1 / ppid 0 inside the sandbox). Self-checks only
// Linux facts: a single-threaded process's tid is its pid, and ids are stable.
#include "check.h"

int main(void) {
  long pid = syscall(SYS_getpid), tid = syscall(SYS_gettid);
  long ppid = syscall(SYS_getppid);
  long uid = syscall(SYS_getuid), euid = syscall(SYS_geteuid);
  long gid = syscall(SYS_getgid), egid = syscall(SYS_getegid);
  printf("pid %ld\ntid %ld\nppid %ld\nuid %ld\neuid %ld\ngid %ld\negid %ld\n", pid, tid,
         ppid, uid, euid, gid, egid);
  CHECK(pid > 0, "pid_positive");
  CHECK(ppid >= 0, "ppid_non_negative");
  CHECK_EQ(tid, pid, "tid_equals_pid_single_threaded");
  CHECK_EQ(syscall(SYS_getpid), pid, "getpid_stable");
  CHECK_EQ(getpid(), pid, "libc_getpid_matches");
  CHECK_EQ(getuid(), uid, "libc_getuid_matches");
  CHECK(uid >= 0 && euid >= 0 && gid >= 0 && egid >= 0, "ids_non_negative");
  printf("identity done\n");
  return 0;
}
