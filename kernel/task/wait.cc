#include "kernel/task/wait.h"

#include "kernel/ktl/errno.h"
#include "kernel/sched/scheduler.h"
#include "kernel/signal/send.h"
#include "kernel/task/exit.h"
#include "kernel/task/process_registry.h"
#include "kernel/task/task.h"
#include "kernel/time/clock.h"

namespace sentry {
namespace {

using linux_abi::kSigChld;

linux_abi::Timeval ToTimeval(int64_t ns) {
  return {ns / 1'000'000'000, (ns % 1'000'000'000) / 1000};
}

linux_abi::Rusage UsageFromTimes(int64_t user_ns) {
  linux_abi::Rusage usage = {};
  usage.utime = ToTimeval(user_ns);
  return usage;
}

int64_t LiveTasksTimeNs(const Process& process) {
  int64_t total = 0;
  int64_t now = time::MonotonicNs();
  for (Task& task : LiveTasks()) {
    if (&task.process() != &process) continue;
    total += task.user_ns;
    // Running now (here or on another vCPU): the time since its switch-in.
    if (task.thread().state == sched::ThreadState::kRunning) total += now - task.scheduled_at_ns;
  }
  return total;
}

void WakeWaiters(Process& parent) {
  parent.child_events.WakeAll([](sched::Thread& thread) { sched::MakeRunnable(thread); });
}

// The SIGCHLD a child's state change sends its parent.
linux_abi::SigInfo ChildSignalInfo(Process& child, int signal, int code, int status) {
  linux_abi::SigInfo info = {};
  info.signo = signal;
  info.code = code;
  info.child.pid = child.pid();
  info.child.uid = child.credentials().uid;
  info.child.status = status;
  int64_t ticks_ns = 1'000'000'000 / linux_abi::kClockTicksPerSecond;
  info.child.utime = (child.exited_user_ns + LiveTasksTimeNs(child)) / ticks_ns;
  return info;
}

void SendToParent(Process& parent, const linux_abi::SigInfo& info) {
  signal::SendToProcess(parent, info);
}

// Stop and continue reports: SIGCHLD unless the parent set SA_NOCLDSTOP.
void NotifyParentOfStateChange(Process& child, int code, int status) {
  Process* parent = child.parent;
  if (parent == nullptr) return;
  WakeWaiters(*parent);
  const linux_abi::SigAction& action = parent->signal_action(kSigChld);
  if (action.handler == linux_abi::kSigIgnore || (action.flags & linux_abi::kSaNocldstop)) return;
  SendToParent(*parent, ChildSignalInfo(child, kSigChld, code, status));
}

bool Matches(const Process& child, const WaitTarget& target, int options) {
  switch (target.kind) {
    case WaitTarget::Kind::kPid:
      if (child.pid() != target.id) return false;
      break;
    case WaitTarget::Kind::kGroup:
      if (child.pgid != target.id) return false;
      break;
    case WaitTarget::Kind::kAny:
      break;
  }
  // A "clone" child tells its parent with another signal than SIGCHLD (or
  // none): only __WCLONE waits for those, only without it for the others.
  if (options & kWaitAll) return true;
  bool clone_child = child.exit_signal != kSigChld;
  return clone_child == ((options & kWaitClone) != 0);
}

// What `child` has for a wait with `options`, if anything; consumes it
// unless WNOWAIT (a zombie is reaped: do not touch it afterwards).
bool TakeReport(Process& child, int options, WaitOutcome* out) {
  out->pid = child.pid();
  out->uid = child.credentials().uid;
  if (child.zombie) {
    if (!(options & kWaitExited)) return false;
    int status = child.wait_status;
    int signal = status & 0x7f;
    if (signal != 0) {
      out->code = (status & kCoreDumpedFlag) ? linux_abi::kCldDumped : linux_abi::kCldKilled;
      out->status = signal;
    } else {
      out->code = linux_abi::kCldExited;
      out->status = (status >> 8) & 0xff;
    }
    out->wait_status = status;
    out->usage = UsageFromTimes(child.exited_user_ns + child.children_user_ns);
    if (!(options & kWaitNowait)) ReapZombie(child);
    return true;
  }
  if (child.unreported_stop != 0 && (options & kWaitStopped)) {
    out->code = linux_abi::kCldStopped;
    out->status = child.unreported_stop;
    out->wait_status = (child.unreported_stop << 8) | 0x7f;
    out->usage = UsageOf(child);
    if (!(options & kWaitNowait)) child.unreported_stop = 0;
    return true;
  }
  if (child.unreported_continue && (options & kWaitContinued)) {
    out->code = linux_abi::kCldContinued;
    out->status = linux_abi::kSigCont;
    out->wait_status = 0xffff;
    out->usage = UsageOf(child);
    if (!(options & kWaitNowait)) child.unreported_continue = false;
    return true;
  }
  return false;
}

}  // namespace

ktl::Result<WaitOutcome> WaitForChild(const WaitTarget& target, int options) {
  Task& self = CurrentTask();
  Process& process = self.process();
  for (;;) {
    bool any = false;
    for (Process& child : process.children) {
      if (!Matches(child, target, options)) continue;
      any = true;
      WaitOutcome outcome;
      if (TakeReport(child, options, &outcome)) return outcome;
    }
    if (!any) return ktl::Errno::kECHILD;
    if (options & kWaitNohang) return WaitOutcome{};
    process.child_events.Add(self.thread());
    if (sched::Block(0) == sched::WakeReason::kInterrupted) return ktl::Errno::kERESTARTSYS;
  }
}

void ReportChildStopped(Process& child, int signal) {
  child.unreported_continue = false;
  child.unreported_stop = signal;
  NotifyParentOfStateChange(child, linux_abi::kCldStopped, signal);
}

void ReportChildContinued(Process& child) {
  child.unreported_stop = 0;
  child.unreported_continue = true;
  NotifyParentOfStateChange(child, linux_abi::kCldContinued, linux_abi::kSigCont);
}

bool NotifyParentOfExit(Process& child) {
  Process& parent = *child.parent;
  WakeWaiters(parent);
  int signal = child.exit_signal;
  bool autoreap = false;
  if (signal == kSigChld) {
    // POSIX: a parent ignoring SIGCHLD, or with SA_NOCLDWAIT, leaves no
    // zombies (its wait blocks until every child is gone, then ECHILD).
    const linux_abi::SigAction& action = parent.signal_action(kSigChld);
    autoreap = action.handler == linux_abi::kSigIgnore || (action.flags & linux_abi::kSaNocldwait);
    if (action.handler == linux_abi::kSigIgnore) signal = 0;
  }
  if (signal != 0) {
    int status = child.wait_status & 0x7f;
    int code = status == 0 ? linux_abi::kCldExited
               : (child.wait_status & kCoreDumpedFlag) ? linux_abi::kCldDumped
                                                       : linux_abi::kCldKilled;
    if (status == 0) status = (child.wait_status >> 8) & 0xff;
    SendToParent(parent, ChildSignalInfo(child, signal, code, status));
  }
  return autoreap;
}

void ReapZombie(Process& child) {
  Process& parent = *child.parent;
  parent.children_user_ns += child.exited_user_ns + child.children_user_ns;
  parent.children.Remove(&child);
  UnregisterProcess(child.pid());
  delete &child;
}

linux_abi::Rusage UsageOf(const Process& process) {
  return UsageFromTimes(process.exited_user_ns + LiveTasksTimeNs(process));
}

linux_abi::Rusage ChildrenUsageOf(const Process& process) {
  return UsageFromTimes(process.children_user_ns);
}

}  // namespace sentry
