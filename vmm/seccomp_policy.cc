#include "vmm/seccomp_policy.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ringfence::vmm {
namespace {

// Syscalls that would let a compromised VMM reach beyond the fds it holds:
// open files by path, run programs, make network endpoints, start processes,
// or inspect/modify other processes. AllowSyscall() refuses these; only two
// capability methods add rules for any of them, with their arguments checked:
// AllowThreadCreation() (clone) and AllowOpenBeneathDirectoryFds() (openat,
// openat2; never part of VmmPolicy()).
constexpr int kNeverAllowed[] = {
    SCMP_SYS(open),
    SCMP_SYS(openat),
    SCMP_SYS(openat2),
    SCMP_SYS(creat),
    SCMP_SYS(open_by_handle_at),
    SCMP_SYS(execve),
    SCMP_SYS(execveat),
    SCMP_SYS(socket),
    SCMP_SYS(socketpair),
    SCMP_SYS(connect),
    SCMP_SYS(bind),
    SCMP_SYS(fork),
    SCMP_SYS(vfork),
    SCMP_SYS(clone),
    SCMP_SYS(clone3),
    SCMP_SYS(ptrace),
    SCMP_SYS(process_vm_readv),
    SCMP_SYS(process_vm_writev),
};

// Syscalls whose danger lies in their arguments: AllowSyscall() refuses them
// without conditions so nobody allows "any ioctl" or "any mmap" by accident.
constexpr int kNeedsConditions[] = {
    SCMP_SYS(ioctl), SCMP_SYS(mmap),   SCMP_SYS(mprotect),
    SCMP_SYS(kill),  SCMP_SYS(tgkill),
};

template <size_t N>
bool Contains(const int (&list)[N], int syscall) {
  return std::find(std::begin(list), std::end(list), syscall) != std::end(list);
}

// The kernel's ioctl(2) takes `cmd` as an unsigned int: compare only the low
// 32 bits, so junk in the upper half neither bypasses nor trips the filter.
constexpr uint64_t kIoctlRequestMask = 0xffffffffull;
// Likewise an fd argument is an int: only its low 32 bits count.
constexpr uint64_t kIntArgMask = 0xffffffffull;

// glibc's fstat(fd) is newfstatat(fd, "", buf, AT_EMPTY_PATH). A dirfd is an
// int; bit 31 of the register is its sign, so "bit 31 clear" means dirfd >= 0
// as the kernel reads it, which excludes AT_FDCWD (-100).
constexpr uint64_t kIntSignBit = 0x80000000ull;

// clone's flags must name a thread of this process and no new namespace.
constexpr uint64_t kThreadCloneRequired =
    CLONE_VM | CLONE_SIGHAND | CLONE_THREAD;
constexpr uint64_t kThreadCloneForbidden =
    CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
    CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_VFORK;

constexpr IoctlRequest kDefaultVcpuIoctls[] = {
    {KVM_RUN, "KVM_RUN"},
    {KVM_GET_REGS, "KVM_GET_REGS"},
    {KVM_SET_REGS, "KVM_SET_REGS"},
    {KVM_GET_SREGS, "KVM_GET_SREGS"},
    {KVM_GET_FPU, "KVM_GET_FPU"},
    {KVM_GET_VCPU_EVENTS, "KVM_GET_VCPU_EVENTS"},
};

constexpr IoctlRequest kTerminalIoctls[] = {
    {TCGETS, "TCGETS"},
    {TIOCGWINSZ, "TIOCGWINSZ"},
};

SeccompRule Unconditional(int syscall) {
  SeccompRule rule;
  rule.syscall = syscall;
  return rule;
}

SeccompRule WithConditions(int syscall,
                           std::vector<SeccompArgCondition> conditions) {
  SeccompRule rule;
  rule.syscall = syscall;
  rule.conditions = std::move(conditions);
  return rule;
}

SeccompRule FailWith(int syscall, int errno_value) {
  SeccompRule rule;
  rule.syscall = syscall;
  rule.errno_value = errno_value;
  return rule;
}

SeccompArgCondition IsOwnPid(unsigned arg) {
  return {.arg = arg,
          .op = SCMP_CMP_EQ,
          .datum_is_own_pid = true,
          .note = "own pid"};
}

std::string SyscallName(int syscall) {
  char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, syscall);
  if (name == nullptr) return absl::StrCat("syscall_", syscall);
  std::string result = name;
  std::free(name);  // libseccomp returns a malloc'd string
  return result;
}

std::string DescribeCondition(const SeccompArgCondition& c) {
  std::string datum =
      c.datum_is_own_pid ? "getpid()" : absl::StrFormat("0x%x", c.datum_a);
  std::string text;
  switch (c.op) {
    case SCMP_CMP_MASKED_EQ:
      text =
          absl::StrFormat("arg%d & 0x%x == 0x%x", c.arg, c.datum_a, c.datum_b);
      break;
    case SCMP_CMP_EQ:
      text = absl::StrFormat("arg%d == %s", c.arg, datum);
      break;
    case SCMP_CMP_NE:
      text = absl::StrFormat("arg%d != %s", c.arg, datum);
      break;
    case SCMP_CMP_LT:
      text = absl::StrFormat("arg%d < %s", c.arg, datum);
      break;
    case SCMP_CMP_LE:
      text = absl::StrFormat("arg%d <= %s", c.arg, datum);
      break;
    case SCMP_CMP_GT:
      text = absl::StrFormat("arg%d > %s", c.arg, datum);
      break;
    case SCMP_CMP_GE:
      text = absl::StrFormat("arg%d >= %s", c.arg, datum);
      break;
    default:
      text = absl::StrFormat("arg%d ?op%d %s", c.arg, c.op, datum);
      break;
  }
  if (!c.note.empty()) absl::StrAppend(&text, " (", c.note, ")");
  return text;
}

absl::Status ErrnoStatus(int negative_errno, absl::string_view what) {
  return absl::ErrnoToStatus(-negative_errno, what);
}

}  // namespace

absl::Span<const IoctlRequest> DefaultVcpuIoctls() {
  return kDefaultVcpuIoctls;
}

// --- SeccompPolicy ---------------------------------------------------------

SeccompPolicy::SeccompPolicy(SeccompPolicy&& other) noexcept
    : ctx_(std::exchange(other.ctx_, nullptr)) {}

SeccompPolicy& SeccompPolicy::operator=(SeccompPolicy&& other) noexcept {
  if (this != &other) {
    if (ctx_ != nullptr) seccomp_release(ctx_);
    ctx_ = std::exchange(other.ctx_, nullptr);
  }
  return *this;
}

SeccompPolicy::~SeccompPolicy() {
  if (ctx_ != nullptr) seccomp_release(ctx_);
}

absl::Status SeccompPolicy::Install() {
  if (ctx_ == nullptr) {
    return absl::FailedPreconditionError("seccomp policy was moved from");
  }
  // Required for an unprivileged process to install a filter, and it also
  // stops any later exec (were one ever allowed) from gaining privileges.
  // libseccomp would set it too (SCMP_FLTATR_CTL_NNP); doing it explicitly
  // makes the failure visible on its own.
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return absl::ErrnoToStatus(errno, "prctl(PR_SET_NO_NEW_PRIVS)");
  }
  if (int rc = seccomp_load(ctx_); rc != 0) {
    return ErrnoStatus(rc, "seccomp_load");
  }
  return absl::OkStatus();
}

// --- SeccompPolicyBuilder --------------------------------------------------

void SeccompPolicyBuilder::SetError(absl::Status status) {
  if (status_.ok()) status_ = std::move(status);
}

void SeccompPolicyBuilder::AddRule(SeccompRule rule) {
  for (const SeccompArgCondition& c : rule.conditions) {
    if (c.arg > 5) {
      SetError(absl::InvalidArgumentError(
          absl::StrFormat("%s: argument index %d out of range",
                          SyscallName(rule.syscall), c.arg)));
      return;
    }
  }
  // Capabilities overlap (getpid, tgkill, rt_sigprocmask...); keep one copy
  // of each identical rule so Describe() and the filter stay minimal.
  if (std::find(rules_.begin(), rules_.end(), rule) != rules_.end()) return;
  rules_.push_back(std::move(rule));
}

void SeccompPolicyBuilder::AddIoctlRule(const IoctlRequest& request) {
  AddRule(WithConditions(SCMP_SYS(ioctl),
                         {MaskedEquals(1, kIoctlRequestMask, request.request,
                                       std::string(request.name))}));
}

SeccompPolicyBuilder& SeccompPolicyBuilder::AllowKvmVcpuRun() {
  return AllowIoctls(kDefaultVcpuIoctls);
}

SeccompPolicyBuilder& SeccompPolicyBuilder::AllowIoctls(
    absl::Span<const IoctlRequest> requests) {
  if (requests.empty()) {
    SetError(absl::InvalidArgumentError("AllowIoctls: empty request set"));
    return *this;
  }
  for (const IoctlRequest& request : requests) AddIoctlRule(request);
  return *this;
}

SeccompPolicyBuilder& SeccompPolicyBuilder::AllowTerminalIoctls() {
  return AllowIoctls(kTerminalIoctls);
}

SeccompPolicyBuilder& SeccompPolicyBuilder::AllowHandleIo() {
  for (int syscall :
       {SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
        SCMP_SYS(pread64), SCMP_SYS(preadv), SCMP_SYS(pwrite64),
        SCMP_SYS(pwritev), SCMP_SYS(lseek), SCMP_SYS(close), SCMP_SYS(fstat)}) {
    AddRule(Unconditional(syscall));
  }
  AddRule(WithConditions(
      SCMP_SYS(newfstatat),
      {MaskedEquals(0, kIntSignBit, 0, "dirfd >= 0"),
       MaskedEquals(3, AT_EMPTY_PATH, AT_EMPTY_PATH, "AT_EMPTY_PATH")}));
  return *this;
}

SeccompPolicyBuilder& SeccompPolicyBuilder::AllowClocks() {
  for (int syscall : {SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday),
                      SCMP_SYS(nanosleep), SCMP_SYS(clock_nanosleep)}) {
    AddRule(Unconditional(syscall));
  }
  return *this;
}

SeccompPolicyBuilder& SeccompPolicyBuilder::AllowExit() {
  AddRule(Unconditional(SCMP_SYS(exit)));
  AddRule(Unconditional(SCMP_SYS(exit_group)));
  return *this;
}

SeccompPolicyBuilder& SeccompPolicyBuilder::AllowMemoryAllocation() {
  for (int syscall :
       {SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise)}) {
    AddRule(Unconditional(syscall));
  }
  // W^X for the host process: nothing the guest influences may ever become
  // host code. prot is argument 2 of both mmap and mprotect.
  for (int syscall : {SCMP_SYS(mmap), SCMP_SYS(mprotect)}) {
    AddRule(WithConditions(syscall,
                           {MaskedEquals(2, PROT_EXEC, 0, "no PROT_EXEC")}));
  }
  return *this;
}

SeccompPolicyBuilder& SeccompPolicyBuilder::AllowThreads() {
  for (int syscall : {SCMP_SYS(futex), SCMP_SYS(sched_yield), SCMP_SYS(gettid),
                      SCMP_SYS(getpid), SCMP_SYS(rt_sigprocmask),
                      SCMP_SYS(rt_sigreturn), SCMP_SYS(sigaltstack)}) {
    AddRule(Unconditional(syscall));
  }
  // Kicking a vCPU thread out of KVM_RUN: any thread, but of this process.
  AddRule(WithConditions(SCMP_SYS(tgkill), {IsOwnPid(0)}));
  return *this;
}

SeccompPolicyBuilder& SeccompPolicyBuilder::AllowThreadCreation() {
  AddRule(WithConditions(
      SCMP_SYS(clone),
      {MaskedEquals(0, kThreadCloneRequired | kThreadCloneForbidden,
                    kThreadCloneRequired,
                    "CLONE_VM|CLONE_SIGHAND|CLONE_THREAD, no namespaces")}));
  AddRule(FailWith(SCMP_SYS(clone3), ENOSYS));
  AddRule(Unconditional(SCMP_SYS(set_robust_list)));
  AddRule(Unconditional(SCMP_SYS(rseq)));
  return *this;
}

SeccompPolicyBuilder& SeccompPolicyBuilder::AllowRandom() {
  AddRule(Unconditional(SCMP_SYS(getrandom)));
  return *this;
}

SeccompPolicyBuilder& SeccompPolicyBuilder::AllowOpenBeneathDirectoryFds() {
  const SeccompArgCondition dirfd_not_cwd =
      MaskedEquals(0, kIntSignBit, 0, "dirfd >= 0");
  AddRule(WithConditions(
      SCMP_SYS(openat),
      {dirfd_not_cwd, MaskedEquals(2, O_NOFOLLOW, O_NOFOLLOW, "O_NOFOLLOW")}));
  // openat2's flags and resolve mode are in memory seccomp cannot read.
  AddRule(WithConditions(SCMP_SYS(openat2), {dirfd_not_cwd}));
  return *this;
}

SeccompPolicyBuilder& SeccompPolicyBuilder::AllowGoferChannels(
    absl::Span<const int> socket_fds) {
  for (int fd : socket_fds) {
    if (fd < 0) {
      SetError(absl::InvalidArgumentError("AllowGoferChannels: negative fd"));
      return *this;
    }
    uint64_t socket = static_cast<uint64_t>(fd);
    AddRule(WithConditions(SCMP_SYS(sendto),
                           {MaskedEquals(0, kIntArgMask, socket, "gofer socket"),
                            MaskedEquals(4, ~0ull, 0, "no address")}));
    AddRule(WithConditions(SCMP_SYS(recvmsg),
                           {MaskedEquals(0, kIntArgMask, socket, "gofer socket")}));
  }
  return *this;
}

SeccompPolicyBuilder& SeccompPolicyBuilder::AllowReapingChildren(
    absl::Span<const int> pids) {
  for (int pid : pids) {
    if (pid <= 0) {
      SetError(absl::InvalidArgumentError("AllowReapingChildren: pid must be > 0"));
      return *this;
    }
    AddRule(WithConditions(
        SCMP_SYS(wait4),
        {MaskedEquals(0, kIntArgMask, static_cast<uint64_t>(pid), "gofer pid")}));
  }
  return *this;
}

SeccompPolicyBuilder& SeccompPolicyBuilder::AllowSignalSelf() {
  AddRule(WithConditions(SCMP_SYS(tgkill), {IsOwnPid(0)}));
  AddRule(WithConditions(SCMP_SYS(kill), {IsOwnPid(0)}));
  for (int syscall : {SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask),
                      SCMP_SYS(getpid), SCMP_SYS(gettid)}) {
    AddRule(Unconditional(syscall));
  }
  return *this;
}

SeccompPolicyBuilder& SeccompPolicyBuilder::AllowSyscall(
    int syscall, std::vector<SeccompArgCondition> conditions) {
  if (Contains(kNeverAllowed, syscall)) {
    SetError(absl::PermissionDeniedError(absl::StrCat(
        SyscallName(syscall), " is never allowed in the VMM's policy")));
    return *this;
  }
  if (conditions.empty() && Contains(kNeedsConditions, syscall)) {
    SetError(absl::InvalidArgumentError(absl::StrCat(
        SyscallName(syscall), " may only be allowed with argument checks")));
    return *this;
  }
  AddRule(WithConditions(syscall, std::move(conditions)));
  return *this;
}

SeccompPolicyBuilder& SeccompPolicyBuilder::DangerLogInsteadOfKill() {
  log_instead_of_kill_ = true;
  return *this;
}

absl::StatusOr<SeccompPolicy> SeccompPolicyBuilder::Build() const {
  if (!status_.ok()) return status_;

  uint32_t default_action =
      log_instead_of_kill_ ? SCMP_ACT_LOG : SCMP_ACT_KILL_PROCESS;
  scmp_filter_ctx ctx = seccomp_init(default_action);
  if (ctx == nullptr) return absl::InternalError("seccomp_init failed");
  // From here on `policy` owns ctx and releases it on every error path.
  SeccompPolicy policy(ctx);

  // A syscall made through another ABI (i386 int 0x80, x32) would be looked
  // up by a different number: kill it outright, even in Danger mode.
  if (int rc =
          seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
      rc != 0) {
    return ErrnoStatus(rc, "seccomp_attr_set(ACT_BADARCH)");
  }
  // One policy for the whole process: vCPU threads started before Install()
  // get it too.
  if (int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1); rc != 0) {
    return ErrnoStatus(rc, "seccomp_attr_set(CTL_TSYNC)");
  }
  if (int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1); rc != 0) {
    return ErrnoStatus(rc, "seccomp_attr_set(CTL_NNP)");
  }

  const uint64_t own_pid = static_cast<uint64_t>(getpid());
  for (const SeccompRule& rule : rules_) {
    std::vector<scmp_arg_cmp> cmps;
    cmps.reserve(rule.conditions.size());
    for (const SeccompArgCondition& c : rule.conditions) {
      cmps.push_back({.arg = c.arg,
                      .op = c.op,
                      .datum_a = c.datum_is_own_pid ? own_pid : c.datum_a,
                      .datum_b = c.datum_b});
    }
    uint32_t action = rule.errno_value != 0 ? SCMP_ACT_ERRNO(rule.errno_value)
                                            : SCMP_ACT_ALLOW;
    // _exact: fail rather than let libseccomp silently rewrite the rule.
    int rc = seccomp_rule_add_exact_array(ctx, action, rule.syscall,
                                          cmps.size(), cmps.data());
    if (rc != 0) {
      return ErrnoStatus(rc, absl::StrCat("seccomp_rule_add(",
                                          SyscallName(rule.syscall), ")"));
    }
  }
  return policy;
}

absl::Status SeccompPolicyBuilder::Install() const {
  absl::StatusOr<SeccompPolicy> policy = Build();
  if (!policy.ok()) return policy.status();
  absl::Status status = policy->Install();
  if (status.ok()) {
    // Freeing the context after the filter is live would need whatever
    // syscalls free() happens to make, which the policy may not allow; the
    // filter lives as long as the process anyway, so drop the context.
    policy->ctx_ = nullptr;
  }
  return status;
}

std::string SeccompPolicyBuilder::Describe() const {
  std::string out = absl::StrCat(
      "default: ",
      log_instead_of_kill_ ? "log (DANGER: violations are not stopped)"
                           : "kill process",
      "\n");
  for (const SeccompRule& rule : rules_) {
    if (rule.errno_value != 0) {
      absl::StrAppend(&out, "fail ", SyscallName(rule.syscall), " with ",
                      strerrorname_np(rule.errno_value));
    } else {
      absl::StrAppend(&out, "allow ", SyscallName(rule.syscall));
    }
    for (size_t i = 0; i < rule.conditions.size(); ++i) {
      absl::StrAppend(&out, i == 0 ? " if " : " and ",
                      DescribeCondition(rule.conditions[i]));
    }
    out.push_back('\n');
  }
  if (!status_.ok()) {
    absl::StrAppend(&out, "error: ", status_.ToString(), "\n");
  }
  return out;
}

SeccompPolicyBuilder VmmPolicy(absl::Span<const int> gofer_sockets,
                               absl::Span<const int> gofer_pids) {
  SeccompPolicyBuilder builder;
  builder.AllowKvmVcpuRun()
      .AllowTerminalIoctls()
      .AllowHandleIo()
      .AllowClocks()
      .AllowExit()
      .AllowMemoryAllocation()
      .AllowThreads()
      .AllowThreadCreation()
      .AllowRandom()
      .AllowSignalSelf();
  if (!gofer_sockets.empty()) builder.AllowGoferChannels(gofer_sockets);
  if (!gofer_pids.empty()) builder.AllowReapingChildren(gofer_pids);
  return builder;
}

SeccompArgCondition MaskedEquals(unsigned arg, uint64_t mask, uint64_t value,
                                 std::string note) {
  return {.arg = arg,
          .op = SCMP_CMP_MASKED_EQ,
          .datum_a = mask,
          .datum_b = value,
          .note = std::move(note)};
}

SeccompArgCondition ArgEquals(unsigned arg, uint64_t value, std::string note) {
  return {.arg = arg,
          .op = SCMP_CMP_EQ,
          .datum_a = value,
          .note = std::move(note)};
}

}  // namespace ringfence::vmm
