// Waiting for children: wait4/waitid's side of exits, stops and continues.
//
// A child's state change (exit, stop, continue) is recorded on the child,
// its parent's waiters (Process::child_events) wake, and the parent gets
// SIGCHLD. wait4/waitid look through the caller's children for one that
// matches and has something to report.
#ifndef RINGFENCE_KERNEL_TASK_WAIT_H_
#define RINGFENCE_KERNEL_TASK_WAIT_H_

#include <cstdint>

#include "kernel/abi/linux.h"
#include "kernel/ktl/result.h"

namespace sentry {

class Process;

// wait options (linux/wait.h).
inline constexpr int kWaitNohang = 1, kWaitStopped = 2, kWaitExited = 4, kWaitContinued = 8,
                     kWaitNowait = 0x01000000, kWaitNothread = 0x20000000,
                     kWaitAll = 0x40000000, kWaitClone = static_cast<int>(0x80000000u);

// Which children a wait is for.
struct WaitTarget {
  enum class Kind { kPid, kGroup, kAny } kind = Kind::kAny;
  int32_t id = 0;  // the pid or the process group
};

// What a wait found: pid 0 when WNOHANG found nothing yet.
struct WaitOutcome {
  int32_t pid = 0;
  uint32_t uid = 0;
  int code = 0;         // CLD_EXITED, CLD_KILLED, CLD_DUMPED, CLD_STOPPED, CLD_CONTINUED
  int status = 0;       // waitid's si_status: the exit code or the signal
  int wait_status = 0;  // wait4's status word
  linux_abi::Rusage usage = {};  // the child's and its reaped children's
};

// Waits for a child of the calling process matching `target` to report
// what `options` ask for (kWait* bits; kWaitExited, kWaitStopped or
// kWaitContinued must be among them). ECHILD if no child matches,
// kERESTARTSYS if a signal interrupts the wait.
ktl::Result<WaitOutcome> WaitForChild(const WaitTarget& target, int options);

// `child` stopped (group stop by `signal`) or continued (SIGCONT): makes it
// waitable for WUNTRACED / WCONTINUED, wakes its parent's waiters, and sends
// the parent SIGCHLD (CLD_STOPPED / CLD_CONTINUED) unless SA_NOCLDSTOP.
void ReportChildStopped(Process& child, int signal);
void ReportChildContinued(Process& child);

// `child` just became a zombie (or was reparented as one): wakes its
// parent's waiters and sends its exit signal. True if the parent does not
// want zombies (SIGCHLD ignored or SA_NOCLDWAIT): reap it at once.
bool NotifyParentOfExit(Process& child);

// Frees zombie `child`: its times go to its parent's children totals, its
// pid is released.
void ReapZombie(Process& child);

// getrusage's usage of `process` itself (RUSAGE_SELF) and of its reaped
// children (RUSAGE_CHILDREN).
linux_abi::Rusage UsageOf(const Process& process);
linux_abi::Rusage ChildrenUsageOf(const Process& process);

}  // namespace sentry

#endif  // RINGFENCE_KERNEL_TASK_WAIT_H_
