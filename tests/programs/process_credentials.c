// process_credentials: the set*id calls (setuid, setgid, setreuid,
// setregid, setresuid, setresgid) and getresuid/getresgid, as a root
// process drops and regains ids (posix_spawn's POSIX_SPAWN_RESETIDS does
// seteuid(getuid())). Each scenario runs in a child so ids stay root here.
// Mode (argv[1]): ids. Started by a non-root user it checks nothing.
#include "check.h"

#include <sys/wait.h>

#define KEEP ((uid_t)-1)

// Checks the real, effective and saved ids that `getres_call`
// (SYS_getresuid or SYS_getresgid; uid_t and gid_t are both unsigned int)
// reports.
static void expect_ids(long getres_call, unsigned r, unsigned e, unsigned s, const char *name) {
  unsigned real = 0, effective = 0, saved = 0;
  if (syscall(getres_call, &real, &effective, &saved) != 0) check_fail(name, "getres*id");
  if (real != r || effective != e || saved != s) {
    check_fail(name, "ids %u %u %u, expected %u %u %u", real, effective, saved, r, e, s);
  }
  check_ok(name);
}

static void expect_uids(uid_t r, uid_t e, uid_t s, const char *name) {
  expect_ids(SYS_getresuid, r, e, s, name);
}

static void expect_gids(gid_t r, gid_t e, gid_t s, const char *name) {
  expect_ids(SYS_getresgid, r, e, s, name);
}

// Runs `scenario` in a child and checks it passed.
static void in_child(void (*scenario)(void), const char *name) {
  fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    scenario();
    exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, name);
}

static void drop_effective_and_regain(void) {
  CHECK_SYS(syscall(SYS_setresuid, KEEP, 0, KEEP), "seteuid_to_own_uid");
  expect_uids(0, 0, 0, "still_root");
  CHECK_SYS(syscall(SYS_setresuid, KEEP, 1000, KEEP), "seteuid_1000");
  expect_uids(0, 1000, 0, "effective_dropped");
  CHECK_EQ(syscall(SYS_geteuid), 1000, "geteuid_1000");
  CHECK_EQ(syscall(SYS_getuid), 0, "getuid_still_0");
  // Without privilege only the three current ids are allowed.
  CHECK_ERR(syscall(SYS_setresuid, KEEP, 2000, KEEP), EPERM, "other_uid_denied");
  CHECK_ERR(syscall(SYS_setresgid, KEEP, 2000, KEEP), EPERM, "setgid_needs_effective_root");
  CHECK_ERR(syscall(SYS_setuid, 2000), EPERM, "setuid_other_denied");
  expect_uids(0, 1000, 0, "unchanged_after_denials");
  // The real/saved root id brings privilege back.
  CHECK_SYS(syscall(SYS_setresuid, KEEP, 0, KEEP), "seteuid_back_to_0");
  CHECK_SYS(syscall(SYS_setresgid, 50, 51, 52), "setresgid_as_root");
  expect_gids(50, 51, 52, "gids_set");
  CHECK_ERR(syscall(SYS_getresuid, NULL, NULL, NULL), EFAULT, "getresuid_efault");
}

static void setreuid_rules(void) {
  CHECK_SYS(syscall(SYS_setreuid, 1000, 2000), "setreuid_as_root");
  expect_uids(1000, 2000, 2000, "saved_follows_effective");
  CHECK_ERR(syscall(SYS_setreuid, 0, KEEP), EPERM, "setreuid_unprivileged_denied");
  CHECK_SYS(syscall(SYS_setreuid, KEEP, 1000), "setreuid_effective_to_real");
  expect_uids(1000, 1000, 2000, "saved_kept_when_effective_is_real");
  CHECK_ERR(syscall(SYS_setreuid, 2000, KEEP), EPERM, "setreuid_real_to_saved_denied");
}

static void setuid_rules(void) {
  CHECK_SYS(syscall(SYS_setregid, 7, 8), "setregid_as_root");
  expect_gids(7, 8, 8, "setregid_saved");
  CHECK_SYS(syscall(SYS_setgid, 9), "setgid_as_root");
  expect_gids(9, 9, 9, "setgid_sets_all");
  CHECK_ERR(syscall(SYS_setuid, -1), EINVAL, "setuid_minus_one_einval");
  CHECK_SYS(syscall(SYS_setuid, 1000), "setuid_as_root");
  expect_uids(1000, 1000, 1000, "setuid_sets_all");
  CHECK_ERR(syscall(SYS_setuid, 0), EPERM, "root_gone_for_good");
  CHECK_SYS(syscall(SYS_setuid, 1000), "setuid_own_uid");
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  if (strcmp(mode, "ids") != 0) {
    fprintf(stderr, "usage: process_credentials ids\n");
    return 2;
  }
  if (getuid() == 0 && geteuid() == 0) {
    in_child(drop_effective_and_regain, "drop_effective_and_regain");
    in_child(setreuid_rules, "setreuid_rules");
    in_child(setuid_rules, "setuid_rules");
  }
  printf("process_credentials %s done\n", mode);
  return 0;
}
