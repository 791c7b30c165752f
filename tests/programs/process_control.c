// process_control: waitid, process groups and sessions, prctl, getrusage
// and times, and the limits fork and mmap enforce (RLIMIT_NPROC, RLIMIT_AS).
// Mode (argv[1]) "all": prints "process_control all done" when every check
// passed.
#include "check.h"

#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static pid_t raw_fork(void) { return (pid_t)syscall(SYS_fork); }

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  syscall(SYS_nanosleep, &ts, NULL);
}

static long raw_waitid(int type, int id, siginfo_t *info, int options) {
  return syscall(SYS_waitid, type, id, info, options, NULL);
}

static void waitid_variants(void) {
  siginfo_t info;
  CHECK_ERR(raw_waitid(P_ALL, 0, &info, 0), EINVAL, "waitid_no_event_einval");
  CHECK_ERR(raw_waitid(7, 0, &info, WEXITED), EINVAL, "waitid_bad_idtype_einval");
  CHECK_ERR(raw_waitid(P_ALL, 0, &info, WEXITED), ECHILD, "waitid_no_children_echild");

  pid_t child = raw_fork();
  if (child == 0) _exit(23);
  // WNOWAIT leaves the zombie for a later wait.
  memset(&info, 0xff, sizeof info);
  CHECK_SYS(raw_waitid(P_PID, child, &info, WEXITED | WNOWAIT), "waitid_wnowait");
  CHECK(info.si_signo == SIGCHLD && info.si_code == CLD_EXITED && info.si_pid == child &&
            info.si_status == 23 && info.si_errno == 0,
        "waitid_siginfo_exited");
  CHECK(info.si_uid == getuid(), "waitid_siginfo_uid");
  memset(&info, 0, sizeof info);
  CHECK_SYS(raw_waitid(P_PGID, 0, &info, WEXITED), "waitid_pgid_own_group");
  CHECK_EQ(info.si_pid, child, "waitid_pgid_found_child");
  CHECK_ERR(raw_waitid(P_PID, child, &info, WEXITED), ECHILD, "waitid_reaped");

  // WNOHANG with a live child: 0 and a zeroed si_pid.
  int *flag = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  child = raw_fork();
  if (child == 0) {
    while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) == 0) sleep_ms(5);
    int *volatile bad = (int *)8;
    *bad = 1;  // dies of SIGSEGV
    _exit(0);
  }
  memset(&info, 0xff, sizeof info);
  CHECK_EQ(raw_waitid(P_ALL, 0, &info, WEXITED | WNOHANG), 0, "waitid_wnohang_zero");
  CHECK(info.si_pid == 0 && info.si_signo == 0, "waitid_wnohang_zeroed_info");
  __atomic_store_n(flag, 1, __ATOMIC_RELEASE);
  CHECK_SYS(raw_waitid(P_ALL, 0, &info, WEXITED), "waitid_all");
  CHECK(info.si_pid == child && info.si_code == CLD_KILLED && info.si_status == SIGSEGV,
        "waitid_siginfo_killed");
  CHECK_ERR(raw_waitid(P_PID, 0, &info, WEXITED), EINVAL, "waitid_pid_0_einval");
  CHECK_ERR(raw_waitid(P_PIDFD + 10, 0, &info, WEXITED), EINVAL, "waitid_unknown_type");
}

static void groups_and_sessions(void) {
  pid_t self = getpid();
  CHECK_EQ(syscall(SYS_getpgid, 0), syscall(SYS_getpgrp), "getpgid_0_is_getpgrp");
  CHECK_EQ(syscall(SYS_getsid, 0), syscall(SYS_getsid, self), "getsid_0_is_self");
  CHECK_ERR(syscall(SYS_getpgid, 0x3fffffff), ESRCH, "getpgid_unknown_esrch");
  CHECK_ERR(syscall(SYS_getsid, 0x3fffffff), ESRCH, "getsid_unknown_esrch");
  CHECK_ERR(syscall(SYS_setpgid, 0, -1), EINVAL, "setpgid_negative_einval");
  CHECK_ERR(syscall(SYS_setpgid, 0x3fffffff, 0), ESRCH, "setpgid_unknown_esrch");

  int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  pid_t child = raw_fork();
  if (child == 0) {
    pid_t me = getpid();
    shared[0] = (int)syscall(SYS_setsid);
    shared[1] = (int)syscall(SYS_getsid, 0) == me && (int)syscall(SYS_getpgid, 0) == me;
    errno = 0;
    shared[2] = syscall(SYS_setsid) == -1 ? errno : 0;          // EPERM: a group leader
    errno = 0;
    shared[3] = syscall(SYS_setpgid, 0, 0) == -1 ? errno : 0;   // EPERM: session leader
    _exit(0);
  }
  int status;
  syscall(SYS_wait4, child, &status, 0, NULL);
  CHECK_EQ(shared[0], child, "setsid_returns_new_sid");
  CHECK_EQ(shared[1], 1, "setsid_leads_session_and_group");
  CHECK_EQ(shared[2], EPERM, "setsid_twice_eperm");
  CHECK_EQ(shared[3], EPERM, "setpgid_session_leader_eperm");

  // The parent moves its child into a new group, then into its own again.
  shared[0] = 0;
  child = raw_fork();
  if (child == 0) {
    while (__atomic_load_n(&shared[0], __ATOMIC_ACQUIRE) == 0) sleep_ms(2);
    _exit(0);
  }
  CHECK_SYS(syscall(SYS_setpgid, child, 0), "setpgid_child_new_group");
  CHECK_EQ(syscall(SYS_getpgid, child), child, "child_leads_new_group");
  CHECK_ERR(syscall(SYS_setpgid, child, 0x3ffffff0), EPERM, "setpgid_missing_group_eperm");
  CHECK_SYS(syscall(SYS_setpgid, child, getpgid(0)), "setpgid_back_to_parent_group");
  CHECK_EQ(syscall(SYS_getpgid, child), getpgid(0), "child_back_in_parent_group");
  __atomic_store_n(&shared[0], 1, __ATOMIC_RELEASE);
  syscall(SYS_wait4, child, &status, 0, NULL);
  CHECK_ERR(syscall(SYS_setpgid, child, 0), ESRCH, "setpgid_reaped_child_esrch");
}

static void prctl_calls(void) {
  char name[32];
  CHECK_SYS(prctl(PR_SET_NAME, "process-control-long-name"), "pr_set_name");
  memset(name, 'x', sizeof name);
  CHECK_SYS(prctl(PR_GET_NAME, name), "pr_get_name");
  CHECK(strcmp(name, "process-control") == 0 && name[16] == 'x', "name_truncated_to_15");
  int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  CHECK_SYS(prctl(PR_SET_PDEATHSIG, SIGUSR1), "pr_set_pdeathsig");
  int signal_number = 0;
  CHECK_SYS(prctl(PR_GET_PDEATHSIG, &signal_number), "pr_get_pdeathsig");
  CHECK_EQ(signal_number, SIGUSR1, "pdeathsig_value");
  CHECK_ERR(prctl(PR_SET_PDEATHSIG, 65), EINVAL, "pdeathsig_invalid_einval");
  int subreaper = -1;
  CHECK_SYS(prctl(PR_SET_CHILD_SUBREAPER, 1), "pr_set_child_subreaper");
  CHECK_SYS(prctl(PR_GET_CHILD_SUBREAPER, &subreaper), "pr_get_child_subreaper");
  CHECK_EQ(subreaper, 1, "subreaper_value");
  pid_t child = raw_fork();
  if (child == 0) {
    // fork keeps the name, clears the death signal and the subreaper flag.
    char child_name[16];
    int death = -1, reaper = -1;
    prctl(PR_GET_NAME, child_name);
    prctl(PR_GET_PDEATHSIG, &death);
    prctl(PR_GET_CHILD_SUBREAPER, &reaper);
    shared[0] = strcmp(child_name, "process-control") == 0 && death == 0 && reaper == 0;
    _exit(0);
  }
  int status;
  syscall(SYS_wait4, child, &status, 0, NULL);
  CHECK_EQ(shared[0], 1, "fork_inherits_name_not_pdeathsig");
  prctl(PR_SET_PDEATHSIG, 0);
  prctl(PR_SET_CHILD_SUBREAPER, 0);
  CHECK_ERR(prctl(0x7fff0000), EINVAL, "prctl_unknown_einval");
}

static void usage_and_times(void) {
  volatile double x = 1;
  pid_t child = raw_fork();
  if (child == 0) {
    for (long i = 0; i < 30000000; i++) x = x * 1.0000001;
    _exit(0);
  }
  int status;
  syscall(SYS_wait4, child, &status, 0, NULL);
  struct rusage usage;
  CHECK_SYS(syscall(SYS_getrusage, RUSAGE_CHILDREN, &usage), "getrusage_children");
  long child_us = usage.ru_utime.tv_sec * 1000000L + usage.ru_utime.tv_usec +
                  usage.ru_stime.tv_sec * 1000000L + usage.ru_stime.tv_usec;
  CHECK(child_us > 1000, "children_cpu_time_counted");
  CHECK_SYS(syscall(SYS_getrusage, RUSAGE_SELF, &usage), "getrusage_self");
  CHECK_SYS(syscall(SYS_getrusage, RUSAGE_THREAD, &usage), "getrusage_thread");
  CHECK_ERR(syscall(SYS_getrusage, 5, &usage), EINVAL, "getrusage_bad_who_einval");
  struct tms t;
  long ticks = syscall(SYS_times, &t);
  CHECK(ticks > 0 && t.tms_cutime + t.tms_cstime >= 0, "times");
}

static void limits(void) {
  pid_t child = raw_fork();
  if (child == 0) {
    struct rlimit as = {64 << 20, 64 << 20};
    if (setrlimit(RLIMIT_AS, &as) != 0) _exit(10);
    void *big = mmap(NULL, 128 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (big != MAP_FAILED || errno != ENOMEM) _exit(11);
    void *small = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (small == MAP_FAILED) _exit(12);
    void *brk_now = (void *)syscall(SYS_brk, 0);
    void *brk_big = (void *)syscall(SYS_brk, (char *)brk_now + (100 << 20));
    if (brk_big != brk_now) _exit(13);  // brk keeps the old break
    _exit(0);
  }
  int status;
  syscall(SYS_wait4, child, &status, 0, NULL);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "rlimit_as_mmap_and_brk");

  // prlimit64 on another process (a child of the same user).
  int *flag = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  child = raw_fork();
  if (child == 0) {
    while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) == 0) sleep_ms(2);
    struct rlimit mine;
    getrlimit(RLIMIT_NOFILE, &mine);
    _exit(mine.rlim_cur == 77 ? 0 : 1);
  }
  struct rlimit set = {77, 1024}, old;
  CHECK_SYS(syscall(SYS_prlimit64, child, RLIMIT_NOFILE, &set, &old), "prlimit64_other_pid");
  __atomic_store_n(flag, 1, __ATOMIC_RELEASE);
  syscall(SYS_wait4, child, &status, 0, NULL);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "prlimit64_changed_child");
  CHECK_ERR(syscall(SYS_prlimit64, 0x3fffffff, RLIMIT_NOFILE, NULL, &old), ESRCH,
            "prlimit64_unknown_esrch");

  // RLIMIT_NPROC binds users without CAP_SYS_RESOURCE only.
  if (getuid() != 0) {
    child = raw_fork();
    if (child == 0) {
      struct rlimit none = {0, 0};
      setrlimit(RLIMIT_NPROC, &none);
      _exit(raw_fork() == -1 && errno == EAGAIN ? 0 : 1);
    }
    syscall(SYS_wait4, child, &status, 0, NULL);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "rlimit_nproc_eagain");
  } else {
    printf("nproc_check skipped_for_root\n");
  }
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "all";
  waitid_variants();
  groups_and_sessions();
  prctl_calls();
  usage_and_times();
  limits();
  printf("process_control %s done\n", mode);
  return 0;
}
