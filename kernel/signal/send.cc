#include "kernel/signal/send.h"

#include "kernel/sched/scheduler.h"
#include "kernel/signal/signal_fd.h"
#include "kernel/signal/signal_set.h"
#include "kernel/signal/signal_state.h"
#include "kernel/task/task.h"
#include "kernel/task/wait.h"

namespace sentry::signal {
namespace {

using linux_abi::SigAction;
using linux_abi::SigInfo;

constexpr uint64_t kSaNocldstop = 1, kSaNocldwait = 2;

template <typename Fn>
void ForEachThread(Process& process, Fn fn) {
  for (Task& task : LiveTasks()) {
    if (&task.process() == &process) fn(task);
  }
}

// The thread whose mask decides whether a process-directed signal is
// ignored (Linux checks the thread kill(2) names: the leader).
Task* FirstThread(Process& process) {
  for (Task& task : LiveTasks()) {
    if (&task.process() == &process) return &task;
  }
  return nullptr;
}

// Linux's sig_task_ignored: SIG_IGN, or SIG_DFL whose default is to ignore
// (SIGCONT's resuming is done at send time, the signal itself then has
// nothing left to do).
bool HandlerIgnores(Process& process, int signal) {
  if (signal == linux_abi::kSigKill || signal == linux_abi::kSigStop) return false;
  const SigAction& action = process.signal_action(signal);
  if (action.handler == linux_abi::kSigIgnore) return true;
  if (action.handler != linux_abi::kSigDefault) return false;
  DefaultAction what = DefaultActionOf(signal);
  return what == DefaultAction::kIgnore || what == DefaultAction::kContinue;
}

// Linux's prepare_signal: stop and continue signals cancel each other, and
// SIGCONT resumes a stopped group even when it is blocked or ignored.
void PrepareSignal(Process& process, int signal) {
  ProcessSignals& group = process.signals();
  if (Bit(signal) & kStopSignals) {
    group.shared_pending.Discard(Bit(linux_abi::kSigCont));
    ForEachThread(process, [](Task& t) { t.signals().pending.Discard(Bit(linux_abi::kSigCont)); });
  } else if (signal == linux_abi::kSigCont) {
    group.shared_pending.Discard(kStopSignals);
    ForEachThread(process, [](Task& t) { t.signals().pending.Discard(kStopSignals); });
    if (group.stopped) {
      group.stopped = false;
      group.stop_signal = 0;
      group.continue_waiters.WakeAll([](sched::Thread& t) { sched::MakeRunnable(t); });
      ReportChildContinued(process);
    }
  }
}

// Linux's wants_signal: the thread takes `signal` now.
bool Wants(Task& task, int signal) {
  if (signal == linux_abi::kSigKill) return true;
  return !(task.blocked_signals() & Bit(signal));
}

ktl::Result<bool> Send(Process& process, Task* thread, const SigInfo& info) {
  int signal = info.signo;
  PrepareSignal(process, signal);
  Task* judge = thread != nullptr ? thread : FirstThread(process);
  if (judge == nullptr) return false;  // the group is gone
  if (HandlerIgnores(process, signal) && !(judge->blocked_signals() & Bit(signal))) {
    return false;
  }
  PendingSignals& queue =
      thread != nullptr ? thread->signals().pending : process.signals().shared_pending;
  switch (queue.Enqueue(info)) {
    case EnqueueResult::kFull: return ktl::Errno::kEAGAIN;
    case EnqueueResult::kCoalesced: return false;
    case EnqueueResult::kQueued: break;
  }
  process.signals().signalfd_waiters.WakeAll([](sched::Thread& t) { sched::MakeRunnable(t); });
  NotifySignalFds(signal);
  // Linux's complete_signal: wake a thread that takes it; a fatal signal
  // (SIGKILL) needs all of them.
  if (signal == linux_abi::kSigKill) {
    InterruptAllThreads(process);
    return true;
  }
  if (thread != nullptr) {
    if (Wants(*thread, signal)) sched::Interrupt(thread->thread());
    return true;
  }
  Task* chosen = nullptr;
  ForEachThread(process, [&](Task& t) {
    if (chosen == nullptr && Wants(t, signal)) chosen = &t;
  });
  if (chosen != nullptr) sched::Interrupt(chosen->thread());
  return true;
}

}  // namespace

void SendToProcess(Process& process, const SigInfo& info) { (void)Send(process, nullptr, info); }
void SendToTask(Task& task, const SigInfo& info) { (void)Send(task.process(), &task, info); }

ktl::Result<bool> QueueToProcess(Process& process, const SigInfo& info) {
  return Send(process, nullptr, info);
}
ktl::Result<bool> QueueToTask(Task& task, const SigInfo& info) {
  return Send(task.process(), &task, info);
}

SigInfo SenderInfo(int signal, int32_t code) {
  SigInfo info = {};
  info.signo = signal;
  info.code = code;
  Task& sender = CurrentTask();
  info.sender.pid = sender.process().pid();
  info.sender.uid = sender.credentials().uid;
  return info;
}

bool AutoReapsChildren(Process& parent) {
  const SigAction& action = parent.signal_action(linux_abi::kSigChld);
  return action.handler == linux_abi::kSigIgnore || (action.flags & kSaNocldwait);
}

bool WantsChildStopSignals(Process& parent) {
  return !(parent.signal_action(linux_abi::kSigChld).flags & kSaNocldstop);
}

void DiscardIfIgnored(Process& process, int signal) {
  if (!HandlerIgnores(process, signal)) return;
  process.signals().shared_pending.Discard(Bit(signal));
  ForEachThread(process, [signal](Task& t) { t.signals().pending.Discard(Bit(signal)); });
}

void InterruptAllThreads(Process& process) {
  ForEachThread(process, [](Task& t) { sched::Interrupt(t.thread()); });
}

bool HasDeliverableSignal(Task& task) {
  Process& process = task.process();
  uint64_t pending = task.signals().pending.set() | process.signals().shared_pending.set();
  // Parked in a group stop: only SIGKILL gets it out early.
  if (task.signals().stopped) return pending & Bit(linux_abi::kSigKill);
  if (process.signals().stopped) return true;
  return (pending & ~task.blocked_signals()) != 0;
}

bool DequeueSignal(Task& task, uint64_t allowed, SigInfo* info) {
  Process& process = task.process();
  if (!task.signals().pending.Dequeue(allowed, info) &&
      !process.signals().shared_pending.Dequeue(allowed, info)) {
    return false;
  }
  if (info->code == linux_abi::kSiTimer) {
    if (SignalTimer* timer = process.signals().timers.ForSignal(*info)) {
      timer->SignalDequeued(*info);
    }
  }
  return true;
}

}  // namespace sentry::signal
