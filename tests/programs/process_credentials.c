// process_credentials: the set*id calls (setuid, setgid, setreuid,
// setregid, setresuid, setresgid) and getresuid/getresgid, as a root
// process drops and regains ids (posix_spawn's POSIX_SPAWN_RESETIDS does
// seteuid(getuid())). Each scenario runs in a child so ids stay root here.
// Modes (argv[1]):
//   ids     the set*id rules above.
//   groups  getgroups/setgroups (sorted list, size rules, CAP_SETGID, fork
//           inherits it) and file access through a supplementary group.
//   threads credentials are per thread: a raw set*id call changes only its
//           caller's (and the threads it then creates, and the files it
//           makes); glibc's wrappers change every thread's.
// Started by a non-root user they check nothing.
#include "check.h"

#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sys/stat.h>
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

// Checks that the supplementary groups are exactly `expected` (sorted).
static void expect_groups(const gid_t *expected, int count, const char *name) {
  gid_t got[16];
  long n = syscall(SYS_getgroups, 16, got);
  if (n != count) check_fail(name, "getgroups returned %ld, expected %d", n, count);
  for (int i = 0; i < count; i++) {
    if (got[i] != expected[i]) check_fail(name, "group %d is %u, expected %u", i, got[i], expected[i]);
  }
  check_ok(name);
}

static void group_list_rules(void) {
  gid_t unsorted[3] = {30, 10, 20}, sorted[3] = {10, 20, 30}, buffer[3];
  CHECK_SYS(syscall(SYS_setgroups, 3, unsorted), "setgroups_three");
  CHECK_EQ(syscall(SYS_getgroups, 0, NULL), 3, "getgroups_size_query");
  expect_groups(sorted, 3, "getgroups_sorted");
  char proc_status[4096] = {0};
  int status_fd = CHECK_SYS(open("/proc/self/status", O_RDONLY), "open_status");
  CHECK(read(status_fd, proc_status, sizeof proc_status - 1) > 0, "read_status");
  close(status_fd);
  CHECK(strstr(proc_status, "\nGroups:\t10 20 30 \n") != NULL, "proc_status_lists_groups");
  CHECK_ERR(syscall(SYS_getgroups, 2, buffer), EINVAL, "getgroups_too_small_einval");
  CHECK_ERR(syscall(SYS_getgroups, -1, buffer), EINVAL, "getgroups_negative_einval");
  CHECK_ERR(syscall(SYS_getgroups, 3, NULL), EFAULT, "getgroups_efault");
  CHECK_ERR(syscall(SYS_setgroups, 65537, buffer), EINVAL, "setgroups_over_ngroups_max_einval");
  CHECK_ERR(syscall(SYS_setgroups, -1, buffer), EINVAL, "setgroups_negative_einval");
  gid_t invalid = (gid_t)-1;
  CHECK_ERR(syscall(SYS_setgroups, 1, &invalid), EINVAL, "setgroups_minus_one_gid_einval");
  CHECK_ERR(syscall(SYS_setgroups, 1, NULL), EFAULT, "setgroups_efault");
  expect_groups(sorted, 3, "failed_calls_change_nothing");

  fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    expect_groups(sorted, 3, "fork_inherits_groups");
    exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child_saw_groups");

  CHECK_SYS(syscall(SYS_setgroups, 0, NULL), "setgroups_empty");
  CHECK_EQ(syscall(SYS_getgroups, 0, NULL), 0, "no_groups_left");
  CHECK_SYS(syscall(SYS_setgroups, 2, sorted), "setgroups_two");
  // CAP_SETGID goes with the effective root uid; EPERM is checked first.
  CHECK_SYS(syscall(SYS_setresuid, KEEP, 1000, KEEP), "seteuid_1000");
  CHECK_ERR(syscall(SYS_setgroups, 1, sorted), EPERM, "setgroups_unprivileged_eperm");
  CHECK_ERR(syscall(SYS_setgroups, -1, sorted), EPERM, "eperm_before_einval");
  expect_groups(sorted, 2, "groups_kept_when_unprivileged");
}

static char g_dir[64];
static char g_file[96];

// Becomes uid 1000 / gid 100 with `group` (if nonzero) as the only
// supplementary group, then tries the group-readable file.
static void open_as_user(gid_t group, int expect_readable) {
  CHECK_SYS(syscall(SYS_setgroups, group != 0 ? 1 : 0, &group), "setgroups_before_drop");
  CHECK_SYS(syscall(SYS_setresgid, 100, 100, 100), "setresgid_100");
  CHECK_SYS(syscall(SYS_setresuid, 1000, 1000, 1000), "setresuid_1000");
  if (expect_readable) {
    int fd = CHECK_SYS(open(g_file, O_RDONLY), "supplementary_group_grants_read");
    close(fd);
    CHECK_SYS(access(g_file, R_OK), "access_read_through_group");
    CHECK_ERR(open(g_file, O_WRONLY), EACCES, "group_has_no_write");
  } else {
    CHECK_ERR(open(g_file, O_RDONLY), EACCES, "no_group_no_read");
    CHECK_ERR(access(g_file, R_OK), EACCES, "access_denied_without_group");
  }
}

static void with_group(void) { open_as_user(4242, 1); }
static void without_group(void) { open_as_user(4243, 0); }

static void group_file_access(void) {
  strcpy(g_dir, "/tmp/credentials.XXXXXX");
  CHECK(mkdtemp(g_dir) != NULL, "mkdtemp");
  CHECK_SYS(chmod(g_dir, 0755), "chmod_dir");
  snprintf(g_file, sizeof g_file, "%s/group_readable", g_dir);
  int fd = CHECK_SYS(open(g_file, O_CREAT | O_WRONLY, 0640), "create_file");
  close(fd);
  CHECK_SYS(chown(g_file, 0, 4242), "chown_group_4242");
  CHECK_SYS(chmod(g_file, 0640), "chmod_0640");
  in_child(with_group, "read_through_supplementary_group");
  in_child(without_group, "other_group_denied");
  unlink(g_file);
  rmdir(g_dir);
}

static long raw_geteuid(void) { return syscall(SYS_geteuid); }

static void *report_euid(void *unused) {
  (void)unused;
  return (void *)raw_geteuid();
}

// A thread that drops its own effective uid with the raw syscall.
static void *drop_own_euid(void *unused) {
  (void)unused;
  CHECK_SYS(syscall(SYS_setresuid, KEEP, 1000, KEEP), "thread_raw_seteuid_1000");
  CHECK_EQ(raw_geteuid(), 1000, "thread_sees_own_change");
  pthread_t inner;
  void *inner_euid = NULL;
  CHECK_EQ(pthread_create(&inner, NULL, report_euid, NULL), 0, "inner_thread");
  CHECK_EQ(pthread_join(inner, &inner_euid), 0, "inner_join");
  CHECK_EQ((long)inner_euid, 1000, "new_thread_inherits_creators_ids");
  int fd = CHECK_SYS(open(g_file, O_CREAT | O_WRONLY, 0644), "thread_creates_file");
  close(fd);
  return NULL;
}

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_wake = PTHREAD_COND_INITIALIZER;
static int g_go;

// Waits for g_go, then reports its effective uid and groups.
static void *wait_then_report(void *unused) {
  (void)unused;
  pthread_mutex_lock(&g_lock);
  while (!g_go) pthread_cond_wait(&g_wake, &g_lock);
  pthread_mutex_unlock(&g_lock);
  gid_t groups[4];
  long n = syscall(SYS_getgroups, 4, groups);
  if (n != 1 || groups[0] != 77) return (void *)-1L;
  return (void *)raw_geteuid();
}

static void per_thread_ids(void) {
  pthread_t thread;
  CHECK_EQ(pthread_create(&thread, NULL, drop_own_euid, NULL), 0, "dropping_thread");
  CHECK_EQ(pthread_join(thread, NULL), 0, "dropping_join");
  CHECK_EQ(raw_geteuid(), 0, "raw_setuid_changes_only_its_thread");
  struct stat st;
  CHECK_SYS(stat(g_file, &st), "stat_thread_file");
  CHECK_EQ(st.st_uid, 1000, "file_owned_by_threads_euid");

  // glibc signals every thread to make the same call (SIGSETXID).
  CHECK_EQ(pthread_create(&thread, NULL, wait_then_report, NULL), 0, "waiting_thread");
  gid_t group = 77;
  CHECK_SYS(setgroups(1, &group), "glibc_setgroups");
  CHECK_SYS(seteuid(1000), "glibc_seteuid");
  pthread_mutex_lock(&g_lock);
  g_go = 1;
  pthread_cond_signal(&g_wake);
  pthread_mutex_unlock(&g_lock);
  void *seen = NULL;
  CHECK_EQ(pthread_join(thread, &seen), 0, "waiting_join");
  CHECK_EQ((long)seen, 1000, "glibc_set_ids_reach_every_thread");
}

static void thread_credentials(void) {
  strcpy(g_dir, "/tmp/credentials.XXXXXX");
  CHECK(mkdtemp(g_dir) != NULL, "mkdtemp");
  CHECK_SYS(chmod(g_dir, 0777), "chmod_dir");
  snprintf(g_file, sizeof g_file, "%s/made_by_thread", g_dir);
  in_child(per_thread_ids, "per_thread_ids");
  unlink(g_file);
  rmdir(g_dir);
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  int root = getuid() == 0 && geteuid() == 0;
  if (strcmp(mode, "ids") == 0) {
    if (root) {
      in_child(drop_effective_and_regain, "drop_effective_and_regain");
      in_child(setreuid_rules, "setreuid_rules");
      in_child(setuid_rules, "setuid_rules");
    }
  } else if (strcmp(mode, "groups") == 0) {
    if (root) {
      in_child(group_list_rules, "group_list_rules");
      group_file_access();
    }
  } else if (strcmp(mode, "threads") == 0) {
    if (root) thread_credentials();
  } else {
    fprintf(stderr, "usage: process_credentials ids|groups|threads\n");
    return 2;
  }
  printf("process_credentials %s done\n", mode);
  return 0;
}
