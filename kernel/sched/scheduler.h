// The Sentry's scheduler: one run queue per vCPU (round-robin with a time
// slice), blocking with optional deadlines, preemption of ring-3 code on the
// timer interrupt, and an idle loop that halts.
//
// Concurrency model today: one vCPU, and the Sentry runs with interrupts off
// (SYSCALL's SFMASK and interrupt gates clear IF), so scheduler state changes
// only from the thread running on the CPU or from the timer interrupt taken
// while ring 3 or the idle loop runs. Several vCPUs will need a lock around
// these queues (and IPIs to wake idle vCPUs).
#ifndef RINGFENCE_KERNEL_SCHED_SCHEDULER_H_
#define RINGFENCE_KERNEL_SCHED_SCHEDULER_H_

#include <cstdint>

#include "kernel/mm/address_space.h"
#include "kernel/sched/queues.h"
#include "kernel/sched/thread.h"
#include "kernel/time/timer_queue.h"

namespace sentry::mm {
class AddressSpace;
}  // namespace sentry::mm

namespace sentry::sched {

inline constexpr int64_t kTimeSliceNs = 10'000'000;

// Boot: the calling context becomes this vCPU's idle thread.
void InitCpu(uint64_t tsc_khz);

// Leaves boot: runs the idle loop (and from it every runnable thread).
[[noreturn]] void RunIdleLoop();

// Adds `thread` (blocked or new) to the run queue.
void MakeRunnable(Thread& thread);

// Blocks the current thread until a waker releases it or, with a non-zero
// `deadline_ns` on the monotonic clock, until then. The caller has linked
// it on the wait list it expects a wake from (if any). Returns why it woke:
// kInterrupted at once, without sleeping, when the thread already has a
// signal to take (signal::HasDeliverableSignal), so no wake-up is lost.
WakeReason Block(int64_t deadline_ns);

// Wakes `thread` early if it is blocked: it leaves its wait list and the
// timer list and Block returns kInterrupted. Signal delivery and group
// exit use this; a blocking syscall that sees kInterrupted returns EINTR
// or kERESTARTSYS (see kernel/task/return_to_user.h). No effect on a
// thread that is not blocked.
void Interrupt(Thread& thread);

// Sleeps until `deadline_ns` (monotonic) passes: kTimeout, or
// kInterrupted when a signal cut the sleep short.
WakeReason SleepUntil(int64_t deadline_ns);

// Kernel timers (itimers, POSIX timers): `timer`'s callback runs from the
// timer interrupt once `deadline_ns` (monotonic) passes.
void ArmKernelTimer(time::KernelTimer& timer, int64_t deadline_ns);
void CancelKernelTimer(time::KernelTimer& timer);

// The current thread goes to the back of the run queue if anything else
// can run.
void Yield();

// Ends the current thread; its Task is destroyed once another thread runs.
[[noreturn]] void ExitCurrent();

// The timer interrupt. `from_user`: it interrupted ring 3, which may be
// preempted.
void HandleTimerInterrupt(bool from_user);

// `space` is about to be freed or no longer belongs to the running task
// (exit, exec): no vCPU may take it for loaded any more.
void ForgetAddressSpace(const mm::AddressSpace& space);

// The vCPU the caller runs on, and how many the sandbox has.
uint32_t CurrentCpu();
uint32_t CpuCount();

}  // namespace sentry::sched

#endif  // RINGFENCE_KERNEL_SCHED_SCHEDULER_H_
