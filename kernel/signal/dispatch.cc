#include "kernel/signal/dispatch.h"

#include "kernel/ktl/errno.h"
#include "kernel/sched/scheduler.h"
#include "kernel/signal/delivery.h"
#include "kernel/signal/send.h"
#include "kernel/signal/signal_set.h"
#include "kernel/signal/signal_state.h"
#include "kernel/task/exit.h"
#include "kernel/task/task.h"
#include "kernel/task/wait.h"

namespace sentry::signal {
namespace {

using ktl::Errno;
using linux_abi::SigAction;

constexpr uint64_t kRestartSyscallNumber = 219;  // __NR_restart_syscall

int64_t ErrnoValue(Errno e) { return -static_cast<int64_t>(e); }

// Reissues the syscall `frame` returned from: back over the 2-byte SYSCALL
// instruction, with the number it entered with.
void Reissue(platform::TrapFrame& frame, uint64_t number) {
  frame.rip -= 2;
  frame.rax = number;
}

// A handler is about to run: Linux's handle_signal syscall fix-up.
void FixSyscallForHandler(platform::TrapFrame& frame, const SigAction& action) {
  int64_t result = static_cast<int64_t>(frame.rax);
  if (result == ErrnoValue(Errno::kERESTART_RESTARTBLOCK) ||
      result == ErrnoValue(Errno::kERESTARTNOHAND)) {
    frame.rax = static_cast<uint64_t>(ErrnoValue(Errno::kEINTR));
  } else if (result == ErrnoValue(Errno::kERESTARTSYS)) {
    if (action.flags & linux_abi::kSaRestart) {
      Reissue(frame, frame.error_code);
    } else {
      frame.rax = static_cast<uint64_t>(ErrnoValue(Errno::kEINTR));
    }
  } else if (result == ErrnoValue(Errno::kERESTARTNOINTR)) {
    Reissue(frame, frame.error_code);
  }
}

// No handler ran: every restart code restarts, the restart-block one
// through restart_syscall(2).
void FixSyscallWithoutHandler(platform::TrapFrame& frame) {
  int64_t result = static_cast<int64_t>(frame.rax);
  if (result == ErrnoValue(Errno::kERESTARTSYS) || result == ErrnoValue(Errno::kERESTARTNOHAND) ||
      result == ErrnoValue(Errno::kERESTARTNOINTR)) {
    Reissue(frame, frame.error_code);
  } else if (result == ErrnoValue(Errno::kERESTART_RESTARTBLOCK)) {
    Reissue(frame, kRestartSyscallNumber);
  }
}

// Parks the task while its group is stopped (SIGKILL still gets through).
void ParkWhileStopped(Task& task) {
  ProcessSignals& group = task.process().signals();
  while (group.stopped) {
    task.signals().stopped = true;
    if (HasDeliverableSignal(task)) break;  // SIGKILL
    group.continue_waiters.Add(task.thread());
    (void)sched::Block(0);
  }
  task.signals().stopped = false;
}

// The default action of a stop signal: the whole group stops.
void StartGroupStop(Task& task, int signal) {
  ProcessSignals& group = task.process().signals();
  if (!group.stopped) {
    group.stopped = true;
    group.stop_signal = signal;
    InterruptAllThreads(task.process());
    ReportChildStopped(task.process(), signal);
  }
  ParkWhileStopped(task);
}

}  // namespace

void HandleSignals(Task& task, platform::TrapFrame& frame) {
  bool in_syscall = frame.IsSyscall() && frame.error_code != kNoSyscall;
  TaskSignals& state = task.signals();
  for (;;) {
    ParkWhileStopped(task);
    linux_abi::SigInfo info;
    if (!DequeueSignal(task, ~task.blocked_signals(), &info)) {
      if (!state.restore_mask) break;
      // rt_sigsuspend's mask goes back; what it held back may now be due.
      state.restore_mask = false;
      task.set_blocked_signals(state.saved_mask);
      continue;
    }
    int signal = info.signo;
    const SigAction& action = task.process().signal_action(signal);
    if (signal != linux_abi::kSigKill && action.handler == linux_abi::kSigIgnore) continue;
    if (signal != linux_abi::kSigKill && action.handler != linux_abi::kSigDefault) {
      if (in_syscall) {
        FixSyscallForHandler(frame, action);
        in_syscall = false;
      }
      uint64_t saved_mask = state.restore_mask ? state.saved_mask : task.blocked_signals();
      if (!EnterHandler(task, frame, info, CpuFault{}, saved_mask)) {
        KillProcess(linux_abi::kSigSegv);
      }
      state.restore_mask = false;
      continue;
    }
    switch (DefaultActionOf(signal)) {
      case DefaultAction::kIgnore:
      case DefaultAction::kContinue:
        break;
      case DefaultAction::kStop:
        StartGroupStop(task, signal);
        break;
      case DefaultAction::kTerminate:
      case DefaultAction::kCore:
        KillProcess(signal);
    }
  }
  if (in_syscall) FixSyscallWithoutHandler(frame);
}

}  // namespace sentry::signal
