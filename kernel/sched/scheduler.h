// The Sentry's scheduler: one run queue per vCPU (round-robin with a time
// slice), blocking with optional deadlines, preemption of ring-3 code on the
// timer interrupt, and an idle loop per vCPU that halts.
//
// Concurrency model: the big kernel lock (platform_kvm/guest/smp.h). Every
// entry from ring 3 takes it and the return to ring 3 releases it; a
// blocking thread keeps it across the switch to the next thread on its vCPU,
// and the idle loop drops it only around HLT. So at most one vCPU runs
// Sentry code at a time, and everything here (run queues, timer lists, wait
// queues, futexes, and all other Sentry state) needs no finer locking. The
// Sentry also runs with interrupts off (SYSCALL's SFMASK and interrupt
// gates clear IF); interrupts arrive in ring 3 or in the idle loop's HLT.
//
// Placement (placement.h): a thread made runnable goes to an idle vCPU its
// affinity allows (its last one first) or else the least loaded one; the
// target gets a wakeup IPI. An idle vCPU steals from the longest queue. A
// thread resumes on any vCPU with its own FPU/SSE/AVX state (saved in its
// Task on every switch away).
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

// What threads' CPU time is measured on while they run on vCPU `cpu`: the
// monotonic clock less the time the host stole from that vCPU.
int64_t RunClockNs(uint32_t cpu);

// Adds `thread` (blocked or new) to the run queue.
void MakeRunnable(Thread& thread);

// Blocks the current thread until a waker releases it or, with a non-zero
// `deadline_ns` on the monotonic clock, until then. The caller has linked
// it on the wait list it expects a wake from (if any). Returns why it woke:
// kInterrupted at once, without sleeping, when the thread already has a
// signal to take (signal::HasDeliverableSignal), so no wake-up is lost.
WakeReason Block(int64_t deadline_ns);
// Block without that early return: for a wait only its event (or an
// Interrupt) may end. A caller that loops on Block while a signal is
// pending would otherwise spin here holding the big kernel lock, starving
// the threads it waits for on other vCPUs.
WakeReason BlockIgnoringSignals(int64_t deadline_ns);

// Wakes `thread` early if it is blocked: it leaves its wait list and the
// timer list and Block returns kInterrupted. Signal delivery and group
// exit use this; a blocking syscall that sees kInterrupted returns EINTR
// or kERESTARTSYS (see kernel/task/return_to_user.h). A thread running
// ring 3 on another vCPU is made to enter the Sentry (an IPI), so its
// return to ring 3 sees what the caller set up. No other effect on a
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

// After `thread`'s affinity (Task::cpu_affinity) changed: moves it to an
// allowed vCPU if it is queued or running elsewhere (the current thread
// switches away at once; one running on another vCPU moves on its IPI).
void AffinityChanged(Thread& thread);

// Ends the current thread; its Task is destroyed once another thread runs.
[[noreturn]] void ExitCurrent();

// The timer interrupt. `from_user`: it interrupted ring 3, which may be
// preempted (the BKL is held then; in the idle loop's HLT it is not, and
// only the interrupt is acknowledged).
void HandleTimerInterrupt(bool from_user);
// The wakeup IPI (kWakeupVector): another vCPU queued work here, changed the
// current thread's affinity, or wants it to enter the Sentry. Same rules.
void HandleWakeupInterrupt(bool from_user);

// The vCPU the caller runs on, and how many the sandbox has.
uint32_t CurrentCpu();
uint32_t CpuCount();

}  // namespace sentry::sched

#endif  // RINGFENCE_KERNEL_SCHED_SCHEDULER_H_
