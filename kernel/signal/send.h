// Sending signals: Linux's send_signal. The sender fills the siginfo; the
// signal is dropped if the target ignores it, otherwise queued on the
// thread (SendToTask) or shared by the thread group (SendToProcess), and a
// thread that does not block it is interrupted so that it takes the
// signal on its way back to user mode (kernel/signal/dispatch.h).
// SIGCONT resumes a stopped group and discards pending stop signals; a stop
// signal discards a pending SIGCONT.
#ifndef RINGFENCE_KERNEL_SIGNAL_SEND_H_
#define RINGFENCE_KERNEL_SIGNAL_SEND_H_

#include <cstdint>

#include "kernel/abi/linux.h"
#include "kernel/ktl/result.h"

namespace sentry {
class Process;
class Task;
}  // namespace sentry

namespace sentry::signal {

void SendToProcess(Process& process, const linux_abi::SigInfo& info);
void SendToTask(Task& task, const linux_abi::SigInfo& info);

// The same, EAGAIN when a real-time signal's queue is full (sigqueue);
// false when the signal was dropped (ignored, or coalesced with a pending
// standard signal).
ktl::Result<bool> QueueToProcess(Process& process, const linux_abi::SigInfo& info);
ktl::Result<bool> QueueToTask(Task& task, const linux_abi::SigInfo& info);

// siginfo for kill(2) / tkill(2) from the current task.
linux_abi::SigInfo SenderInfo(int signal, int32_t code);

// For wait(2)'s side: children of `parent` are reaped at exit, never
// zombies (SIGCHLD set to SIG_IGN, or SA_NOCLDWAIT).
bool AutoReapsChildren(Process& parent);
// SIGCHLD is sent for a child's stop and continue (no SA_NOCLDSTOP).
bool WantsChildStopSignals(Process& parent);

// After sigaction: a signal now ignored (SIG_IGN, or SIG_DFL whose default
// is to ignore) is discarded from every pending set, blocked or not (POSIX,
// as Linux's do_sigaction).
void DiscardIfIgnored(Process& process, int signal);

// Wakes every blocked thread of `process` (sched::Interrupt): group stop
// and SIGKILL need all of them back at the return to user mode.
void InterruptAllThreads(Process& process);

// Whether `task` has something to do before running user code again: a
// pending signal it does not block, SIGKILL, or a group stop to join.
// sched::Block returns kInterrupted at once while this holds.
bool HasDeliverableSignal(Task& task);

// Takes the next pending signal in `allowed` for `task`: its own queue
// first, then the group's. Fills in a POSIX timer's overrun count.
bool DequeueSignal(Task& task, uint64_t allowed, linux_abi::SigInfo* info);

}  // namespace sentry::signal

#endif  // RINGFENCE_KERNEL_SIGNAL_SEND_H_
