// rt_sigaction, rt_sigprocmask, rt_sigreturn, sigaltstack, and waiting
// for signals: rt_sigpending, rt_sigsuspend, rt_sigtimedwait, pause,
// restart_syscall.
#include "kernel/abi/linux.h"
#include "kernel/sched/futex.h"
#include "kernel/sched/scheduler.h"
#include "kernel/signal/delivery.h"
#include "kernel/signal/send.h"
#include "kernel/signal/signal_set.h"
#include "kernel/syscalls/cpu_clock.h"
#include "kernel/syscalls/handlers.h"
#include "kernel/syscalls/time_support.h"
#include "kernel/time/clock.h"
#include "kernel/time/timespec.h"

namespace sentry::syscalls {
namespace {

using ktl::Errno;
using linux_abi::SignalStack;

constexpr uint64_t kSigSetSize = 8;
constexpr int kSigBlock = 0;
constexpr int kSigUnblock = 1;
constexpr int kSigSetmask = 2;

using signal::ValidSignal;

// Sleeps until a signal is deliverable (never returns early otherwise).
void WaitForSignal() {
  while (sched::Block(0) != sched::WakeReason::kInterrupted) {
  }
}

}  // namespace

ktl::Result<int64_t> sys_rt_sigaction(int signal, UserAddress action, UserAddress old_action,
                                      uint64_t set_size) {
  if (set_size != kSigSetSize) return Errno::kEINVAL;
  if (!ValidSignal(signal)) return Errno::kEINVAL;
  Process& process = CurrentTask().process();
  linux_abi::SigAction replacement = {};
  if (!action.null()) {
    if (signal == linux_abi::kSigKill || signal == linux_abi::kSigStop) return Errno::kEINVAL;
    replacement = TRY(UserPointer<linux_abi::SigAction>(action.value).Read());
    replacement.mask &= ~(SignalBit(linux_abi::kSigKill) | SignalBit(linux_abi::kSigStop));
  }
  linux_abi::SigAction& current = process.signal_action(signal);
  if (!old_action.null()) {
    TRY(UserPointer<linux_abi::SigAction>(old_action.value).Write(current));
  }
  if (!action.null()) {
    current = replacement;
    signal::DiscardIfIgnored(process, signal);
  }
  return 0;
}

ktl::Result<int64_t> sys_rt_sigprocmask(int how, UserAddress set, UserAddress old_set,
                                        uint64_t set_size) {
  if (set_size != kSigSetSize) return Errno::kEINVAL;
  Task& task = CurrentTask();
  uint64_t previous = task.blocked_signals();
  if (!set.null()) {
    uint64_t mask = TRY(UserPointer<uint64_t>(set.value).Read());
    switch (how) {
      case kSigBlock: mask = previous | mask; break;
      case kSigUnblock: mask = previous & ~mask; break;
      case kSigSetmask: break;
      default: return Errno::kEINVAL;
    }
    if (!old_set.null()) TRY(UserPointer<uint64_t>(old_set.value).Write(previous));
    task.set_blocked_signals(mask);
    return 0;
  }
  if (!old_set.null()) TRY(UserPointer<uint64_t>(old_set.value).Write(previous));
  return 0;
}

ktl::Result<int64_t> sys_rt_sigreturn() {
  // Every register comes from the frame, rax included: the result is the
  // interrupted code's rax, not a status.
  return signal::SignalReturn(CurrentTask().frame());
}

ktl::Result<int64_t> sys_sigaltstack(UserAddress stack, UserAddress old_stack) {
  Task& task = CurrentTask();
  uint64_t sp = task.frame().rsp;
  if (!old_stack.null()) {
    // Linux's report: SS_DISABLE, SS_ONSTACK or 0, plus SS_AUTODISARM.
    SignalStack report = task.alt_stack();
    report.flags = report.size == 0                     ? linux_abi::kSsDisable
                   : signal::OnAltStack(report, sp) ? linux_abi::kSsOnstack
                                                    : 0;
    report.flags |= task.alt_stack().flags & linux_abi::kSsAutodisarm;
    report.pad = 0;
    TRY(UserPointer<SignalStack>(old_stack.value).Write(report));
  }
  if (!stack.null()) {
    SignalStack requested = TRY(UserPointer<SignalStack>(stack.value).Read());
    TRY(signal::SetAltStack(task, requested, sp));
  }
  return 0;
}

}  // namespace sentry::syscalls

namespace sentry::syscalls {

ktl::Result<int64_t> sys_rt_sigpending(UserAddress set, uint64_t set_size) {
  if (set_size > kSigSetSize) return Errno::kEINVAL;
  Task& task = CurrentTask();
  uint64_t pending = task.signals().pending.set() | task.process().signals().shared_pending.set();
  pending &= task.blocked_signals();
  TRY(task.address_space().CopyOut(set.value, &pending, set_size));
  return 0;
}

ktl::Result<int64_t> sys_rt_sigsuspend(UserAddress set, uint64_t set_size) {
  if (set_size != kSigSetSize) return Errno::kEINVAL;
  uint64_t mask = TRY(UserPointer<uint64_t>(set.value).Read());
  Task& task = CurrentTask();
  // The handler's frame records the mask from before; with no handler the
  // return to user mode puts it back (and ERESTARTNOHAND reissues us).
  task.signals().saved_mask = task.blocked_signals();
  task.signals().restore_mask = true;
  task.set_blocked_signals(mask);
  WaitForSignal();
  return Errno::kERESTARTNOHAND;
}

ktl::Result<int64_t> sys_pause() {
  WaitForSignal();
  return Errno::kERESTARTNOHAND;
}

ktl::Result<int64_t> sys_rt_sigtimedwait(UserAddress set, UserAddress info_address,
                                         UserAddress timeout, uint64_t set_size) {
  if (set_size != kSigSetSize) return Errno::kEINVAL;
  uint64_t wanted = TRY(UserPointer<uint64_t>(set.value).Read()) & ~signal::kUnblockable;
  int64_t deadline = 0;
  if (!timeout.null()) {
    auto ts = TRY(UserPointer<linux_abi::Timespec>(timeout.value).Read());
    int64_t ns = TRY(time::TimespecToNs(ts));
    deadline = ns == 0 ? -1 : time::DeadlineAfter(time::MonotonicNs(), ns);
  }
  Task& task = CurrentTask();
  linux_abi::SigInfo info;
  bool got = signal::DequeueSignal(task, wanted, &info);
  if (!got && deadline == -1) return Errno::kEAGAIN;
  sched::WakeReason reason = sched::WakeReason::kNone;
  if (!got) {
    // The awaited signals are unblocked while waiting, so that a process
    // signal picks this thread; the mask is back before anything runs.
    uint64_t saved = task.blocked_signals();
    task.set_blocked_signals(saved & ~wanted);
    do {
      reason = sched::Block(deadline);
    } while (reason != sched::WakeReason::kInterrupted && reason != sched::WakeReason::kTimeout);
    task.set_blocked_signals(saved);
    got = signal::DequeueSignal(task, wanted, &info);
  }
  if (!got) return reason == sched::WakeReason::kTimeout ? Errno::kEAGAIN : Errno::kEINTR;
  if (!info_address.null()) TRY(UserPointer<linux_abi::SigInfo>(info_address.value).Write(info));
  return info.signo;
}

ktl::Result<int64_t> sys_restart_syscall() {
  signal::RestartBlock restart = CurrentTask().signals().restart;
  CurrentTask().signals().restart = {};
  switch (restart.kind) {
    case signal::RestartBlock::Kind::kSleep:
      return SleepUntilDeadline(restart.deadline_ns, false, restart.remaining);
    case signal::RestartBlock::Kind::kCpuSleep:
      return ResumeCpuClockSleep(restart.clock, restart.deadline_ns, restart.remaining);
    case signal::RestartBlock::Kind::kFutexWait:
      return sched::FutexWait(restart.address,
                              restart.shared ? sched::FutexScope::kShared
                                             : sched::FutexScope::kPrivate,
                              restart.expected, restart.bitset, restart.deadline_ns);
    case signal::RestartBlock::Kind::kNone:
      break;
  }
  return Errno::kEINTR;  // nothing to resume (Linux's do_no_restart_syscall)
}

}  // namespace sentry::syscalls
