// fork, vfork, wait4, waitid, and process groups and sessions. The work
// happens in kernel/task/ (fork.cc, wait.cc, process_group.cc); these decode
// arguments the way Linux does.
#include <climits>

#include "kernel/abi/linux.h"
#include "kernel/syscalls/handlers.h"
#include "kernel/task/process_group.h"
#include "kernel/task/task.h"
#include "kernel/task/thread_life.h"
#include "kernel/task/wait.h"

namespace sentry::syscalls {
namespace {

using ktl::Errno;

// waitid's idtype_t.
constexpr int kPidAll = 0, kPidPid = 1, kPidPgid = 2;

ktl::Result<void> WriteUsage(UserAddress usage, const WaitOutcome& outcome) {
  if (usage.null()) return ktl::Ok();
  return UserPointer<linux_abi::Rusage>(usage.value).Write(outcome.usage);
}

}  // namespace

ktl::Result<int64_t> sys_fork() {
  CloneRequest request;
  request.exit_signal = linux_abi::kSigChld;
  return Clone(request, CurrentTask().frame());
}

ktl::Result<int64_t> sys_vfork() {
  CloneRequest request;
  request.flags = kCloneVm | kCloneVfork;
  request.exit_signal = linux_abi::kSigChld;
  return Clone(request, CurrentTask().frame());
}

ktl::Result<int64_t> sys_wait4(int pid, UserAddress status, int options, UserAddress usage) {
  if (options & ~(kWaitNohang | kWaitStopped | kWaitContinued | kWaitNothread | kWaitClone |
                  kWaitAll)) {
    return Errno::kEINVAL;
  }
  if (pid == INT_MIN) return Errno::kESRCH;  // -INT_MIN has no group
  WaitTarget target;
  if (pid > 0) {
    target = {WaitTarget::Kind::kPid, pid};
  } else if (pid == 0) {
    target = {WaitTarget::Kind::kGroup, CurrentTask().process().pgid};
  } else if (pid < -1) {
    target = {WaitTarget::Kind::kGroup, -pid};
  }
  WaitOutcome outcome = TRY(WaitForChild(target, options | kWaitExited));
  if (outcome.pid == 0) return 0;
  if (!status.null()) TRY(UserPointer<int32_t>(status.value).Write(outcome.wait_status));
  TRY(WriteUsage(usage, outcome));
  return outcome.pid;
}

ktl::Result<int64_t> sys_waitid(int id_type, int id, UserAddress info, int options,
                                UserAddress usage) {
  if (options & ~(kWaitNohang | kWaitNowait | kWaitExited | kWaitStopped | kWaitContinued |
                  kWaitNothread | kWaitClone | kWaitAll)) {
    return Errno::kEINVAL;
  }
  if (!(options & (kWaitExited | kWaitStopped | kWaitContinued))) return Errno::kEINVAL;
  WaitTarget target;
  switch (id_type) {
    case kPidAll:
      break;
    case kPidPid:
      if (id <= 0) return Errno::kEINVAL;
      target = {WaitTarget::Kind::kPid, id};
      break;
    case kPidPgid:
      if (id < 0) return Errno::kEINVAL;
      target = {WaitTarget::Kind::kGroup, id == 0 ? CurrentTask().process().pgid : id};
      break;
    default:
      return Errno::kEINVAL;  // P_PIDFD: pidfds are not supported
  }
  WaitOutcome outcome = TRY(WaitForChild(target, options));
  if (outcome.pid != 0) TRY(WriteUsage(usage, outcome));
  if (info.null()) return 0;
  // Linux writes these fields, zeros when WNOHANG found nothing.
  linux_abi::SigInfo siginfo = {};
  if (outcome.pid != 0) {
    siginfo.signo = linux_abi::kSigChld;
    siginfo.code = outcome.code;
    siginfo.child.pid = outcome.pid;
    siginfo.child.uid = outcome.uid;
    siginfo.child.status = outcome.status;
  }
  constexpr size_t kWrittenBytes = 28;  // through si_status
  TRY(CurrentTask().address_space().CopyOut(info.value, &siginfo, kWrittenBytes));
  return 0;
}

ktl::Result<int64_t> sys_setpgid(int pid, int pgid) {
  TRY(SetProcessGroup(pid, pgid));
  return 0;
}

ktl::Result<int64_t> sys_getpgrp() { return CurrentTask().process().pgid; }
ktl::Result<int64_t> sys_getpgid(int pid) { return TRY(ProcessGroupOf(pid)); }
ktl::Result<int64_t> sys_setsid() { return TRY(CreateSession()); }
ktl::Result<int64_t> sys_getsid(int pid) { return TRY(SessionOf(pid)); }

}  // namespace sentry::syscalls
