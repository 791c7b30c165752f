// signals: rt_sigaction, rt_sigprocmask, sigaltstack (no delivery).
#include "check.h"

#include <signal.h>
#include <stdint.h>

// The kernel's struct sigaction on x86-64 (not glibc's).
struct ksigaction {
  void *handler;
  unsigned long flags;
  void *restorer;
  uint64_t mask;
};
#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif
#define BIT(sig) (1ull << ((sig) - 1))

static void handler(int sig) { (void)sig; }
static void restorer(void) {}

static long sigaction_raw(int sig, const struct ksigaction *act, struct ksigaction *old) {
  return syscall(SYS_rt_sigaction, sig, act, old, 8);
}
static long sigmask_raw(int how, const uint64_t *set, uint64_t *old) {
  return syscall(SYS_rt_sigprocmask, how, set, old, 8);
}

static void check_sigaction(void) {
  struct ksigaction old, act = {(void *)handler, SA_RESTORER | SA_SIGINFO | SA_RESTART,
                                (void *)restorer, BIT(SIGUSR2) | BIT(SIGTERM)};
  memset(&old, 0x55, sizeof old);
  CHECK_EQ(sigaction_raw(SIGUSR2, NULL, &old), 0, "sigaction_query_default");
  CHECK(old.handler == SIG_DFL, "sigaction_default_is_sig_dfl");
  CHECK_EQ(sigaction_raw(SIGUSR1, &act, NULL), 0, "sigaction_set");
  memset(&old, 0, sizeof old);
  CHECK_EQ(sigaction_raw(SIGUSR1, NULL, &old), 0, "sigaction_get");
  CHECK(old.handler == (void *)handler, "sigaction_roundtrip_handler");
  CHECK_EQ(old.flags, act.flags, "sigaction_roundtrip_flags");
  CHECK(old.restorer == (void *)restorer, "sigaction_roundtrip_restorer");
  CHECK_EQ(old.mask, act.mask, "sigaction_roundtrip_mask");
  // Setting returns the previous action.
  struct ksigaction ign = {SIG_IGN, SA_RESTORER, (void *)restorer, 0};
  memset(&old, 0, sizeof old);
  CHECK_EQ(sigaction_raw(SIGUSR1, &ign, &old), 0, "sigaction_set_returns_old");
  CHECK(old.handler == (void *)handler, "sigaction_old_is_previous");
  CHECK_EQ(sigaction_raw(SIGUSR1, NULL, &old), 0, "sigaction_get_ignored");
  CHECK(old.handler == SIG_IGN, "sigaction_sig_ign_roundtrip");
  // SIGKILL and SIGSTOP can't be blocked in sa_mask either: the kernel drops them.
  struct ksigaction full = {(void *)handler, SA_RESTORER, (void *)restorer, ~0ull};
  CHECK_EQ(sigaction_raw(SIGUSR2, &full, NULL), 0, "sigaction_full_mask");
  CHECK_EQ(sigaction_raw(SIGUSR2, NULL, &old), 0, "sigaction_get_full_mask");
  CHECK_EQ(old.mask, ~0ull & ~(BIT(SIGKILL) | BIT(SIGSTOP)),
           "sigaction_mask_drops_kill_and_stop");
  // Real-time signals up to 64 work.
  CHECK_EQ(sigaction_raw(64, &act, NULL), 0, "sigaction_signal_64");
  CHECK_EQ(sigaction_raw(SIGRTMIN, NULL, &old), 0, "sigaction_query_sigrtmin");
  // Errors.
  CHECK_ERR(sigaction_raw(0, &act, NULL), EINVAL, "sigaction_signal_0_einval");
  CHECK_ERR(sigaction_raw(65, &act, NULL), EINVAL, "sigaction_signal_65_einval");
  CHECK_ERR(sigaction_raw(-1, NULL, &old), EINVAL, "sigaction_negative_signal_einval");
  CHECK_ERR(sigaction_raw(SIGKILL, &act, NULL), EINVAL, "sigaction_sigkill_handler_einval");
  CHECK_ERR(sigaction_raw(SIGSTOP, &act, NULL), EINVAL, "sigaction_sigstop_handler_einval");
  CHECK_ERR(sigaction_raw(SIGKILL, &ign, NULL), EINVAL, "sigaction_sigkill_ignore_einval");
  CHECK_EQ(sigaction_raw(SIGKILL, NULL, &old), 0, "sigaction_sigkill_query_ok");
  CHECK(old.handler == SIG_DFL, "sigaction_sigkill_is_default");
  CHECK_ERR(syscall(SYS_rt_sigaction, SIGUSR1, &act, NULL, 4), EINVAL,
            "sigaction_bad_sigsetsize_einval");
  CHECK_ERR(sigaction_raw(SIGUSR1, (void *)1, NULL), EFAULT, "sigaction_bad_act_efault");
  CHECK_ERR(sigaction_raw(SIGUSR1, NULL, (void *)1), EFAULT, "sigaction_bad_oldact_efault");
  // libc path.
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  CHECK_EQ(sigaction(SIGTERM, &sa, NULL), 0, "libc_sigaction");
  struct sigaction sb;
  CHECK_EQ(sigaction(SIGTERM, NULL, &sb), 0, "libc_sigaction_get");
  CHECK(sb.sa_handler == handler, "libc_sigaction_roundtrip");
}

static void check_sigprocmask(void) {
  uint64_t old = 0x1234, set;
  CHECK_EQ(sigmask_raw(SIG_BLOCK, NULL, &old), 0, "sigprocmask_get");
  printf("initial_mask %#llx\n", (unsigned long long)old);
  CHECK_EQ(old, 0, "sigprocmask_initially_empty");
  set = BIT(SIGUSR1) | BIT(SIGTERM);
  CHECK_EQ(sigmask_raw(SIG_BLOCK, &set, &old), 0, "sigprocmask_block");
  CHECK_EQ(old, 0, "sigprocmask_block_returns_old");
  CHECK_EQ(sigmask_raw(SIG_SETMASK, NULL, &old), 0, "sigprocmask_get_after_block");
  CHECK_EQ(old, BIT(SIGUSR1) | BIT(SIGTERM), "sigprocmask_blocked_set");
  set = BIT(SIGTERM);
  CHECK_EQ(sigmask_raw(SIG_UNBLOCK, &set, NULL), 0, "sigprocmask_unblock");
  CHECK_EQ(sigmask_raw(SIG_BLOCK, NULL, &old), 0, "sigprocmask_get_after_unblock");
  CHECK_EQ(old, BIT(SIGUSR1), "sigprocmask_unblocked_set");
  set = BIT(SIGHUP) | BIT(40);
  CHECK_EQ(sigmask_raw(SIG_SETMASK, &set, &old), 0, "sigprocmask_setmask");
  CHECK_EQ(old, BIT(SIGUSR1), "sigprocmask_setmask_returns_old");
  CHECK_EQ(sigmask_raw(SIG_BLOCK, NULL, &old), 0, "sigprocmask_get_after_setmask");
  CHECK_EQ(old, BIT(SIGHUP) | BIT(40), "sigprocmask_setmask_set");
  // SIGKILL and SIGSTOP are silently not blocked.
  set = ~0ull;
  CHECK_EQ(sigmask_raw(SIG_SETMASK, &set, NULL), 0, "sigprocmask_block_all");
  CHECK_EQ(sigmask_raw(SIG_BLOCK, NULL, &old), 0, "sigprocmask_get_all");
  CHECK_EQ(old, ~0ull & ~(BIT(SIGKILL) | BIT(SIGSTOP)), "sigprocmask_cannot_block_kill_stop");
  // how is ignored when set is NULL; invalid how with a set is EINVAL.
  CHECK_EQ(sigmask_raw(99, NULL, &old), 0, "sigprocmask_bad_how_null_set_ok");
  CHECK_ERR(sigmask_raw(99, &set, NULL), EINVAL, "sigprocmask_bad_how_einval");
  CHECK_ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 4), EINVAL,
            "sigprocmask_bad_sigsetsize_einval");
  CHECK_ERR(sigmask_raw(SIG_BLOCK, (void *)1, NULL), EFAULT, "sigprocmask_bad_set_efault");
  CHECK_ERR(sigmask_raw(SIG_BLOCK, NULL, (void *)1), EFAULT, "sigprocmask_bad_oldset_efault");
  set = 0;
  CHECK_EQ(sigmask_raw(SIG_SETMASK, &set, NULL), 0, "sigprocmask_clear");
  // libc path.
  sigset_t s, o;
  sigemptyset(&s);
  sigaddset(&s, SIGINT);
  CHECK_EQ(sigprocmask(SIG_BLOCK, &s, NULL), 0, "libc_sigprocmask_block");
  CHECK_EQ(sigprocmask(SIG_BLOCK, NULL, &o), 0, "libc_sigprocmask_get");
  CHECK(sigismember(&o, SIGINT) == 1 && sigismember(&o, SIGUSR1) == 0,
        "libc_sigprocmask_roundtrip");
  CHECK_EQ(sigprocmask(SIG_UNBLOCK, &s, NULL), 0, "libc_sigprocmask_unblock");
}

static void check_sigaltstack(void) {
  static char stack1[65536];
  stack_t old, ss;
  memset(&old, 0x55, sizeof old);
  CHECK_EQ(syscall(SYS_sigaltstack, NULL, &old), 0, "sigaltstack_get_initial");
  CHECK_EQ(old.ss_flags, SS_DISABLE, "sigaltstack_initially_disabled");
  ss.ss_sp = stack1;
  ss.ss_size = sizeof stack1;
  ss.ss_flags = 0;
  CHECK_EQ(syscall(SYS_sigaltstack, &ss, NULL), 0, "sigaltstack_set");
  memset(&old, 0, sizeof old);
  CHECK_EQ(syscall(SYS_sigaltstack, NULL, &old), 0, "sigaltstack_get");
  CHECK(old.ss_sp == stack1 && old.ss_size == sizeof stack1 && old.ss_flags == 0,
        "sigaltstack_roundtrip");
  // Setting returns the old one.
  stack_t ss2 = {.ss_sp = stack1 + 4096, .ss_flags = 0, .ss_size = 32768};
  memset(&old, 0, sizeof old);
  CHECK_EQ(syscall(SYS_sigaltstack, &ss2, &old), 0, "sigaltstack_replace");
  CHECK(old.ss_sp == stack1 && old.ss_size == sizeof stack1, "sigaltstack_replace_returns_old");
  // Errors.
  stack_t small = {.ss_sp = stack1, .ss_flags = 0, .ss_size = 1024};
  CHECK_ERR(syscall(SYS_sigaltstack, &small, NULL), ENOMEM, "sigaltstack_too_small_enomem");
  stack_t badflags = {.ss_sp = stack1, .ss_flags = 0x1234, .ss_size = sizeof stack1};
  CHECK_ERR(syscall(SYS_sigaltstack, &badflags, NULL), EINVAL, "sigaltstack_bad_flags_einval");
  CHECK_ERR(syscall(SYS_sigaltstack, (void *)1, NULL), EFAULT, "sigaltstack_bad_pointer_efault");
  CHECK_EQ(syscall(SYS_sigaltstack, NULL, &old), 0, "sigaltstack_get_after_errors");
  CHECK(old.ss_sp == stack1 + 4096 && old.ss_size == 32768, "sigaltstack_errors_change_nothing");
  // Disable: the size is ignored then.
  stack_t dis = {.ss_sp = NULL, .ss_flags = SS_DISABLE, .ss_size = 0};
  CHECK_EQ(syscall(SYS_sigaltstack, &dis, NULL), 0, "sigaltstack_disable");
  CHECK_EQ(syscall(SYS_sigaltstack, NULL, &old), 0, "sigaltstack_get_disabled");
  CHECK_EQ(old.ss_flags, SS_DISABLE, "sigaltstack_disabled");
}

int main(void) {
  check_sigaction();
  check_sigprocmask();
  check_sigaltstack();
  printf("signals done\n");
  return 0;
}
