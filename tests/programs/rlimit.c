// rlimit: getrlimit / prlimit64 get and set (lowering only).
#include "check.h"

#include <sys/resource.h>

static const struct {
  int res;
  const char *name;
} kLimits[] = {
    {RLIMIT_CPU, "cpu"},       {RLIMIT_FSIZE, "fsize"},   {RLIMIT_DATA, "data"},
    {RLIMIT_STACK, "stack"},   {RLIMIT_CORE, "core"},     {RLIMIT_RSS, "rss"},
    {RLIMIT_NPROC, "nproc"},   {RLIMIT_NOFILE, "nofile"}, {RLIMIT_MEMLOCK, "memlock"},
    {RLIMIT_AS, "as"},         {RLIMIT_LOCKS, "locks"},   {RLIMIT_SIGPENDING, "sigpending"},
    {RLIMIT_MSGQUEUE, "msgqueue"}, {RLIMIT_NICE, "nice"}, {RLIMIT_RTPRIO, "rtprio"},
    {RLIMIT_RTTIME, "rttime"},
};

int main(void) {
  for (size_t i = 0; i < sizeof kLimits / sizeof kLimits[0]; i++) {
    struct rlimit a = {1, 2}, b = {3, 4};
    char name[80];
    snprintf(name, sizeof name, "getrlimit_%s", kLimits[i].name);
    CHECK_EQ(syscall(SYS_getrlimit, kLimits[i].res, &a), 0, name);
    snprintf(name, sizeof name, "prlimit64_get_%s", kLimits[i].name);
    CHECK_EQ(syscall(SYS_prlimit64, 0, kLimits[i].res, NULL, &b), 0, name);
    snprintf(name, sizeof name, "getrlimit_matches_prlimit64_%s", kLimits[i].name);
    CHECK(a.rlim_cur == b.rlim_cur && a.rlim_max == b.rlim_max, name);
    snprintf(name, sizeof name, "soft_at_most_hard_%s", kLimits[i].name);
    CHECK(a.rlim_cur <= a.rlim_max, name);
  }
  struct rlimit nofile, stack, lim;
  CHECK_EQ(syscall(SYS_getrlimit, RLIMIT_NOFILE, &nofile), 0, "getrlimit_nofile");
  CHECK(nofile.rlim_cur >= 3 && nofile.rlim_cur != RLIM_INFINITY, "nofile_soft_finite");
  CHECK_EQ(syscall(SYS_getrlimit, RLIMIT_STACK, &stack), 0, "getrlimit_stack");
  CHECK(stack.rlim_cur >= 65536, "stack_soft_at_least_64k");
  // prlimit64 on our own pid works too.
  CHECK_EQ(syscall(SYS_prlimit64, syscall(SYS_getpid), RLIMIT_NOFILE, NULL, &lim), 0,
           "prlimit64_own_pid");
  CHECK(lim.rlim_cur == nofile.rlim_cur, "prlimit64_own_pid_matches");

  // Lowering the soft limit works and is visible; the old value comes back.
  struct rlimit lower = {nofile.rlim_cur > 64 ? 64 : nofile.rlim_cur - 1, nofile.rlim_max};
  struct rlimit old = {0, 0};
  CHECK_EQ(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &lower, &old), 0, "prlimit64_lower_nofile");
  CHECK(old.rlim_cur == nofile.rlim_cur && old.rlim_max == nofile.rlim_max,
        "prlimit64_set_returns_old");
  CHECK_EQ(syscall(SYS_getrlimit, RLIMIT_NOFILE, &lim), 0, "getrlimit_after_lower");
  CHECK(lim.rlim_cur == lower.rlim_cur && lim.rlim_max == lower.rlim_max,
        "lowered_nofile_visible");
  // Lowering the hard limit too (always allowed), then soft > hard is EINVAL.
  struct rlimit core = {0, 0};
  CHECK_EQ(syscall(SYS_prlimit64, 0, RLIMIT_CORE, &core, NULL), 0, "prlimit64_core_zero");
  CHECK_EQ(syscall(SYS_getrlimit, RLIMIT_CORE, &lim), 0, "getrlimit_core");
  CHECK(lim.rlim_cur == 0 && lim.rlim_max == 0, "core_zero_visible");
  struct rlimit inverted = {100, 50};
  CHECK_ERR(syscall(SYS_prlimit64, 0, RLIMIT_DATA, &inverted, NULL), EINVAL,
            "prlimit64_soft_above_hard_einval");
  // libc setrlimit (prlimit64 underneath) lowers the stack soft limit.
  struct rlimit st = {stack.rlim_cur > (1 << 20) ? (1 << 20) : stack.rlim_cur, stack.rlim_max};
  CHECK_EQ(setrlimit(RLIMIT_STACK, &st), 0, "libc_setrlimit_stack");
  CHECK_EQ(getrlimit(RLIMIT_STACK, &lim), 0, "libc_getrlimit_stack");
  CHECK_EQ(lim.rlim_cur, st.rlim_cur, "stack_lowered_visible");

  // Errors.
  CHECK_ERR(syscall(SYS_getrlimit, 100, &lim), EINVAL, "getrlimit_bad_resource_einval");
  CHECK_ERR(syscall(SYS_prlimit64, 0, 100, NULL, &lim), EINVAL, "prlimit64_bad_resource_einval");
  CHECK_ERR(syscall(SYS_getrlimit, RLIMIT_NOFILE, (void *)1), EFAULT,
            "getrlimit_bad_pointer_efault");
  CHECK_ERR(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, (void *)1, NULL), EFAULT,
            "prlimit64_bad_new_pointer_efault");
  CHECK_ERR(syscall(SYS_prlimit64, 0x3fffffff, RLIMIT_NOFILE, NULL, &lim), ESRCH,
            "prlimit64_no_such_pid_esrch");
  printf("rlimit done\n");
  return 0;
}
