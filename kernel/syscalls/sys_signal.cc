// rt_sigaction, rt_sigprocmask, rt_sigreturn, sigaltstack.
#include "kernel/abi/linux.h"
#include "kernel/signal/delivery.h"
#include "kernel/syscalls/handlers.h"

namespace sentry::syscalls {
namespace {

using ktl::Errno;
using linux_abi::SignalStack;

constexpr uint64_t kSigSetSize = 8;
constexpr int kSigBlock = 0;
constexpr int kSigUnblock = 1;
constexpr int kSigSetmask = 2;

bool ValidSignal(int signal) { return signal >= 1 && signal <= linux_abi::kNumSignals; }

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
  if (!action.null()) current = replacement;
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
