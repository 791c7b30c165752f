#include "gofer/seccomp_policy.h"

#include <fcntl.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ringfence::gofer {
namespace {

using vmm::SeccompArgCondition;
using vmm::SeccompRule;

// A dirfd is an int: bit 31 clear means >= 0, which excludes AT_FDCWD.
constexpr uint64_t kIntSignBit = 0x80000000ull;

SeccompArgCondition MaskedEquals(unsigned arg, uint64_t mask, uint64_t value,
                                 std::string note) {
  return {.arg = arg,
          .op = SCMP_CMP_MASKED_EQ,
          .datum_a = mask,
          .datum_b = value,
          .note = std::move(note)};
}

SeccompArgCondition ArgEquals(unsigned arg, uint64_t value, std::string note) {
  return {.arg = arg, .op = SCMP_CMP_EQ, .datum_a = value, .note = note};
}

SeccompArgCondition DirFdNotCwd(unsigned arg) {
  return MaskedEquals(arg, kIntSignBit, 0, "dirfd >= 0");
}

}  // namespace

GoferSeccompPolicy::GoferSeccompPolicy(int socket_fd, bool read_only) {
  const uint64_t sock = static_cast<uint64_t>(socket_fd);
  base_.AllowExit().AllowMemoryAllocation().AllowThreads().AllowSignalSelf();
  // The protocol socket, and nothing else: no socket/connect/bind exist here.
  base_.AllowSyscall(SCMP_SYS(recvmsg), {ArgEquals(0, sock, "gofer socket")});
  base_.AllowSyscall(SCMP_SYS(sendmsg), {ArgEquals(0, sock, "gofer socket")});
  // Diagnostics to stderr only.
  base_.AllowSyscall(SCMP_SYS(write), {ArgEquals(0, 2, "stderr")});
  base_.AllowSyscall(SCMP_SYS(close));
  // Looking at nodes: fstat on an fd (AT_EMPTY_PATH) or one name without
  // following a symlink, always relative to a directory fd.
  base_.AllowSyscall(
      SCMP_SYS(newfstatat),
      {DirFdNotCwd(0),
       MaskedEquals(3, AT_EMPTY_PATH, AT_EMPTY_PATH, "AT_EMPTY_PATH")});
  base_.AllowSyscall(
      SCMP_SYS(newfstatat),
      {DirFdNotCwd(0), MaskedEquals(3, AT_SYMLINK_NOFOLLOW, AT_SYMLINK_NOFOLLOW,
                                    "AT_SYMLINK_NOFOLLOW")});
  base_.AllowSyscall(SCMP_SYS(readlinkat), {DirFdNotCwd(0)});
  base_.AllowSyscall(SCMP_SYS(getdents64));
  base_.AllowSyscall(SCMP_SYS(lseek));
  base_.AllowSyscall(SCMP_SYS(fstatfs));
  base_.AllowSyscall(SCMP_SYS(fgetxattr));
  base_.AllowSyscall(SCMP_SYS(flistxattr));
  if (!read_only) {
    base_.AllowSyscall(SCMP_SYS(mkdirat), {DirFdNotCwd(0)});
    // Only FIFOs and sockets: the type is in the mode argument, so seccomp
    // can refuse device nodes on its own.
    base_.AllowSyscall(
        SCMP_SYS(mknodat),
        {DirFdNotCwd(0), MaskedEquals(2, S_IFMT, S_IFIFO, "S_IFIFO")});
    base_.AllowSyscall(
        SCMP_SYS(mknodat),
        {DirFdNotCwd(0), MaskedEquals(2, S_IFMT, S_IFSOCK, "S_IFSOCK")});
    base_.AllowSyscall(SCMP_SYS(symlinkat), {DirFdNotCwd(1)});
    // linkat never with AT_SYMLINK_FOLLOW.
    base_.AllowSyscall(
        SCMP_SYS(linkat),
        {DirFdNotCwd(0), DirFdNotCwd(2),
         MaskedEquals(4, AT_SYMLINK_FOLLOW, 0, "no AT_SYMLINK_FOLLOW")});
    base_.AllowSyscall(SCMP_SYS(unlinkat), {DirFdNotCwd(0)});
    base_.AllowSyscall(SCMP_SYS(renameat2), {DirFdNotCwd(0), DirFdNotCwd(2)});
    base_.AllowSyscall(SCMP_SYS(fchownat), {DirFdNotCwd(0)});
    base_.AllowSyscall(SCMP_SYS(fchown));
    base_.AllowSyscall(SCMP_SYS(fchmod));
    base_.AllowSyscall(SCMP_SYS(fchmodat), {DirFdNotCwd(0)});
    base_.AllowSyscall(SCMP_SYS(ftruncate));
    base_.AllowSyscall(SCMP_SYS(utimensat), {DirFdNotCwd(0)});
    base_.AllowSyscall(SCMP_SYS(fsetxattr));
    base_.AllowSyscall(SCMP_SYS(fremovexattr));
  }
  // openat only relative to a directory fd and always with O_NOFOLLOW.
  // openat2's flags live in memory seccomp cannot read; the server always
  // passes RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | O_PATH | O_NOFOLLOW, and the
  // mount namespace (gofer/confinement.h) bounds it regardless.
  SeccompRule openat;
  openat.syscall = SCMP_SYS(openat);
  openat.conditions = {DirFdNotCwd(0),
                       MaskedEquals(2, O_NOFOLLOW, O_NOFOLLOW, "O_NOFOLLOW")};
  file_open_rules_.push_back(openat);
  SeccompRule openat2;
  openat2.syscall = SCMP_SYS(openat2);
  openat2.conditions = {DirFdNotCwd(0)};
  file_open_rules_.push_back(openat2);
}

absl::Status GoferSeccompPolicy::Install() const {
  if (!base_.status().ok()) return base_.status();
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
  if (ctx == nullptr) return absl::InternalError("seccomp_init failed");
  auto fail = [&](int rc, const char* what) {
    seccomp_release(ctx);
    return absl::ErrnoToStatus(-rc, absl::StrCat("gofer seccomp: ", what));
  };
  if (int rc =
          seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
      rc != 0) {
    return fail(rc, "ACT_BADARCH");
  }
  if (int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1); rc != 0) {
    return fail(rc, "CTL_TSYNC");
  }
  const uint64_t own_pid = static_cast<uint64_t>(getpid());
  std::vector<SeccompRule> rules = base_.rules();
  rules.insert(rules.end(), file_open_rules_.begin(), file_open_rules_.end());
  for (const SeccompRule& rule : rules) {
    std::vector<scmp_arg_cmp> cmps;
    for (const SeccompArgCondition& c : rule.conditions) {
      cmps.push_back({.arg = c.arg,
                      .op = c.op,
                      .datum_a = c.datum_is_own_pid ? own_pid : c.datum_a,
                      .datum_b = c.datum_b});
    }
    uint32_t action = rule.errno_value != 0 ? SCMP_ACT_ERRNO(rule.errno_value)
                                            : SCMP_ACT_ALLOW;
    if (int rc = seccomp_rule_add_exact_array(ctx, action, rule.syscall,
                                              cmps.size(), cmps.data());
        rc != 0) {
      return fail(rc, "rule_add");
    }
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    seccomp_release(ctx);
    return absl::ErrnoToStatus(errno, "prctl(PR_SET_NO_NEW_PRIVS)");
  }
  if (int rc = seccomp_load(ctx); rc != 0) return fail(rc, "seccomp_load");
  // Freeing needs only munmap/brk, which AllowMemoryAllocation() permits.
  seccomp_release(ctx);
  return absl::OkStatus();
}

std::string GoferSeccompPolicy::Describe() const {
  std::string out = base_.Describe();
  for (const SeccompRule& rule : file_open_rules_) {
    char* name =
        seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, rule.syscall);
    absl::StrAppend(&out, "allow ", name != nullptr ? name : "?");
    free(name);  // libseccomp returns a malloc'd string
    for (size_t i = 0; i < rule.conditions.size(); ++i) {
      const SeccompArgCondition& c = rule.conditions[i];
      absl::StrAppend(&out, i == 0 ? " if " : " and ",
                      absl::StrFormat("arg%d & 0x%x == 0x%x (%s)", c.arg,
                                      c.datum_a, c.datum_b, c.note));
    }
    out.push_back('\n');
  }
  return out;
}

}  // namespace ringfence::gofer
