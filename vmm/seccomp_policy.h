// The VMM's seccomp allow-list, built from capability-named pieces.
//
// In the spirit of sandbox2's PolicyBuilder: each Allow...() method documents
// exactly which system calls and argument values it permits, so the policy can
// be reviewed one capability at a time. Anything not allowed kills the whole
// process (SCMP_ACT_KILL_PROCESS). Some syscalls can never be allowed through
// AllowSyscall() (see kNeverAllowed in the .cc: opening files, exec, sockets,
// new processes, ptrace, process_vm_*): asking for one is an error. The only
// ways in for any of them are capability methods that check their arguments
// (clone via AllowThreadCreation(), openat/openat2 via
// AllowOpenBeneathDirectoryFds(), which VmmPolicy() never calls). Options
// that weaken the policy are named Danger...().
//
// Errors (an unknown capability argument, a forbidden syscall) do not throw
// or abort: the builder keeps the first one and Build()/Install() return it,
// so a policy is assembled with plain chained calls and checked once.
//
// Usage:
//   absl::Status s = VmmPolicy().Install();  // before the first guest insn
#ifndef RINGFENCE_VMM_SECCOMP_POLICY_H_
#define RINGFENCE_VMM_SECCOMP_POLICY_H_

#include <seccomp.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace ringfence::vmm {

// One comparison on a syscall argument, as libseccomp's scmp_arg_cmp, plus a
// note for Describe(). For SCMP_CMP_MASKED_EQ, `datum_a` is the mask and
// `datum_b` the value; for the other operators only `datum_a` is used.
struct SeccompArgCondition {
  unsigned arg = 0;  // 0..5
  scmp_compare op = SCMP_CMP_EQ;
  uint64_t datum_a = 0;
  uint64_t datum_b = 0;
  // When set, datum_a is replaced at Build() time by the pid of the building
  // process, so "only to myself" rules stay right in a forked child.
  bool datum_is_own_pid = false;
  std::string note;  // e.g. "KVM_RUN"; shown in Describe()

  bool operator==(const SeccompArgCondition&) const = default;
};

// Conditions by name: (argument `arg` & mask) == value, and argument == value.
SeccompArgCondition MaskedEquals(unsigned arg, uint64_t mask, uint64_t value,
                                 std::string note);
SeccompArgCondition ArgEquals(unsigned arg, uint64_t value, std::string note);

// One allow rule: the syscall is permitted when all conditions hold. Several
// rules for one syscall are alternatives. `errno_value` != 0 makes the rule
// fail the call with that errno instead of allowing it.
struct SeccompRule {
  int syscall = 0;
  std::vector<SeccompArgCondition> conditions;
  int errno_value = 0;

  bool operator==(const SeccompRule&) const = default;
};

// An ioctl request the policy may allow, with its name for Describe().
struct IoctlRequest {
  uint32_t request;
  absl::string_view name;
};

// The vCPU ioctls the exit loop and the crash report use once the VM is
// running: KVM_RUN, KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS, KVM_GET_FPU,
// KVM_GET_VCPU_EVENTS. VM setup (KVM_CREATE_VM, KVM_SET_USER_MEMORY_REGION,
// KVM_SET_SREGS, KVM_SET_CPUID2, ...) happens before the filter is installed
// and is deliberately absent.
absl::Span<const IoctlRequest> DefaultVcpuIoctls();

// A built filter, ready to load. Move-only owner of a libseccomp context.
class SeccompPolicy {
 public:
  SeccompPolicy(SeccompPolicy&& other) noexcept;
  SeccompPolicy& operator=(SeccompPolicy&& other) noexcept;
  SeccompPolicy(const SeccompPolicy&) = delete;
  SeccompPolicy& operator=(const SeccompPolicy&) = delete;
  ~SeccompPolicy();

  // Sets no_new_privs and loads the filter into every thread of the process
  // (SCMP_FLTATR_CTL_TSYNC). Irreversible. Keep this object alive afterwards:
  // its destructor frees memory, which needs the syscalls of
  // AllowMemoryAllocation().
  absl::Status Install();

 private:
  friend class SeccompPolicyBuilder;
  explicit SeccompPolicy(scmp_filter_ctx ctx) : ctx_(ctx) {}
  scmp_filter_ctx ctx_ = nullptr;
};

class SeccompPolicyBuilder {
 public:
  SeccompPolicyBuilder() = default;

  // ioctl(fd, request, ...) with request == KVM_RUN or one of the other
  // DefaultVcpuIoctls(). The fd is not restricted (vCPU fds are created at
  // run time); the request is compared on its low 32 bits, which is all the
  // kernel looks at (ioctl's `cmd` is an unsigned int).
  SeccompPolicyBuilder& AllowKvmVcpuRun();
  // ioctl with request in `requests` (same matching as above). Error if
  // `requests` is empty.
  SeccompPolicyBuilder& AllowIoctls(absl::Span<const IoctlRequest> requests);
  // ioctl(fd, TCGETS | TIOCGWINSZ, ...) only: the two terminal queries the
  // kTerminalIoctl hypercall serves.
  SeccompPolicyBuilder& AllowTerminalIoctls();
  // I/O on fds the VMM already holds: read, write, readv, writev, pread64,
  // preadv, pwrite64, pwritev, lseek, close, fstat, and newfstatat only with
  // AT_EMPTY_PATH in flags and a non-negative dirfd (what glibc's fstat()
  // issues; AT_FDCWD is negative, so cwd-relative lookups are refused). The
  // path string itself cannot be checked by seccomp: a non-empty path relative
  // to a directory fd the VMM holds could still be stat'ed (metadata only).
  SeccompPolicyBuilder& AllowHandleIo();
  // clock_gettime, gettimeofday, nanosleep, clock_nanosleep (the vDSO usually
  // avoids the first two; these are its fallback).
  SeccompPolicyBuilder& AllowClocks();
  // exit (one thread), exit_group.
  SeccompPolicyBuilder& AllowExit();
  // What malloc needs, without ever making memory executable: brk, munmap,
  // mremap, madvise, and mmap/mprotect only with PROT_EXEC clear in `prot`.
  SeccompPolicyBuilder& AllowMemoryAllocation();
  // Synchronisation and signal plumbing between existing threads: futex,
  // sched_yield, gettid, getpid, rt_sigprocmask, rt_sigreturn, sigaltstack,
  // and tgkill only with tgid == this process's pid (vCPU kicks).
  SeccompPolicyBuilder& AllowThreads();
  // Creating threads (not processes): clone only with CLONE_VM, CLONE_SIGHAND
  // and CLONE_THREAD set and every namespace flag clear; clone3 fails with
  // ENOSYS (its flags live in memory seccomp cannot read, and glibc then falls
  // back to clone); set_robust_list and rseq, which glibc's thread start
  // issues.
  SeccompPolicyBuilder& AllowThreadCreation();
  // getrandom (any flags).
  SeccompPolicyBuilder& AllowRandom();
  // Talking to the Gofers over their sockets: sendto only on one of
  // `socket_fds` with no destination address (what send() issues on a
  // connected socket), and recvmsg only on one of them (donated fds arrive
  // as SCM_RIGHTS). Nothing creates, connects or accepts sockets.
  SeccompPolicyBuilder& AllowGoferChannels(absl::Span<const int> socket_fds);
  // Reaping the Gofer processes when the sandbox is done: wait4 only with
  // pid equal to one of `pids` (never -1 or a process group).
  SeccompPolicyBuilder& AllowReapingChildren(absl::Span<const int> pids);
  // Opening files relative to a directory fd the process already holds, never
  // by a cwd-relative path: openat only with a real directory fd (dirfd >= 0,
  // so not AT_FDCWD) and O_NOFOLLOW set in flags, and openat2 only with a real
  // directory fd. Nothing else: open, creat and open_by_handle_at stay
  // forbidden, and AllowSyscall() still refuses openat and openat2.
  // Limits: seccomp cannot read memory, so neither the path (a multi-component
  // or ".." path relative to the dirfd is not refused here) nor openat2's
  // struct open_how (flags, resolve) is checked. Callers must pass
  // RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS themselves and validate names, and
  // need a second wall (the Gofer's mount namespace) bounding what a
  // compromised process could reach. For the Gofer (gofer/seccomp_policy.h),
  // whose job is opening files; VmmPolicy() never calls it: the VMM must not
  // open files.
  SeccompPolicyBuilder& AllowOpenBeneathDirectoryFds();
  // What abort() needs to kill this process: tgkill and kill only with the
  // target pid == this process's pid, rt_sigaction (abort resets the SIGABRT
  // disposition), rt_sigprocmask, getpid, gettid.
  SeccompPolicyBuilder& AllowSignalSelf();

  // A syscall not covered above, by number (SCMP_SYS(name)). Error if it is
  // one the VMM must never make (openat and openat2 included, whatever else
  // the builder allows), or one that is only safe with argument
  // checks (ioctl, mmap, mprotect, kill, tgkill) and `conditions` is empty.
  SeccompPolicyBuilder& AllowSyscall(
      int syscall, std::vector<SeccompArgCondition> conditions = {});

  // DANGER: log violations (SCMP_ACT_LOG, to the kernel audit log) instead of
  // killing the process. For finding missing rules while debugging; never in
  // production. Syscalls for other architectures are still killed.
  SeccompPolicyBuilder& DangerLogInsteadOfKill();

  // The first error recorded by any method above, or OK.
  absl::Status status() const { return status_; }
  const std::vector<SeccompRule>& rules() const { return rules_; }

  // Compiles the rules with libseccomp.
  absl::StatusOr<SeccompPolicy> Build() const;
  // Build() then SeccompPolicy::Install(). After a successful install the
  // libseccomp context is deliberately not freed (see
  // SeccompPolicy::Install()), so this works even for policies without
  // AllowMemoryAllocation().
  absl::Status Install() const;

  // One line per rule, e.g.
  //   allow ioctl if arg1 & 0xffffffff == 0xae80 (KVM_RUN)
  // preceded by the default action. For `ringfence seccomp-policy`.
  std::string Describe() const;

 private:
  // Adds a rule without the never-allowed check; for the capability methods.
  void AddRule(SeccompRule rule);
  void AddIoctlRule(const IoctlRequest& request);
  void SetError(absl::Status status);

  std::vector<SeccompRule> rules_;
  bool log_instead_of_kill_ = false;
  absl::Status status_;
};

// The VMM's complete allow-list: vCPU and terminal ioctls, handle I/O, clocks,
// exit, memory allocation, threads (including creating vCPU threads), random,
// signalling itself, send/receive on the Gofer sockets `gofer_sockets`, and
// reaping the Gofer processes `gofer_pids`.
SeccompPolicyBuilder VmmPolicy(absl::Span<const int> gofer_sockets = {},
                               absl::Span<const int> gofer_pids = {});

}  // namespace ringfence::vmm

#endif  // RINGFENCE_VMM_SECCOMP_POLICY_H_
