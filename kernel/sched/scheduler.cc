#include "kernel/sched/scheduler.h"

#include "kernel/sched/placement.h"
#include "kernel/signal/fpu_state.h"
#include "kernel/signal/send.h"
#include "kernel/task/task.h"
#include "kernel/time/clock.h"
#include "platform_kvm/guest/context_switch.h"
#include "platform_kvm/guest/cpu.h"
#include "platform_kvm/guest/lapic.h"
#include "platform_kvm/guest/percpu.h"
#include "platform_kvm/guest/smp.h"
#include "platform_kvm/guest/steal_time.h"

namespace sentry::sched {
namespace {

// Everything here is guarded by the big kernel lock (see scheduler.h),
// except `armed_tsc`, which only its own vCPU touches.
struct CpuScheduler {
  Thread idle;                  // the boot context, running RunIdleLoop
  Thread* current = &idle;
  RunQueue run_queue;
  TimerList timers;             // sleepers that blocked on this vCPU
  Task* dead = nullptr;         // exited, its stack still in use until the switch
  int64_t slice_end_ns = 0;     // when the current thread may be preempted
  uint64_t armed_tsc = 0;       // the LAPIC deadline set, 0 when none
  bool online = false;
};

CpuScheduler g_cpus[platform::kMaxCpus];
// Kernel callbacks (itimers, POSIX timers): one queue, so a timer armed on
// one vCPU can be cancelled from another; every vCPU's LAPIC deadline
// covers its first entry, and whichever fires first expires it.
time::TimerQueue g_kernel_timers;

uint32_t Here() { return platform::ThisCpu()->index; }
CpuScheduler& Cpu() { return g_cpus[Here()]; }

Task* TaskOf(Thread* thread) { return static_cast<Task*>(thread->owner()); }

uint64_t AffinityOf(Thread& thread) {
  Task* task = TaskOf(&thread);
  return task != nullptr ? task->cpu_affinity : ~0ull;
}

// Arms the LAPIC for the earliest of: the first sleeper's deadline, and the
// end of the current slice when others wait to run. Only re-arms when that
// is earlier than what is armed: a timer firing early is harmless (the
// handler re-arms), while every wrmsr may cost a trip into KVM.
void ArmTimer(CpuScheduler& cpu) {
  int64_t deadline = cpu.timers.EarliestDeadline();
  int64_t kernel_deadline = g_kernel_timers.EarliestDeadline();
  if (kernel_deadline != 0 && (deadline == 0 || kernel_deadline < deadline)) {
    deadline = kernel_deadline;
  }
  if (!cpu.run_queue.empty() && cpu.current != &cpu.idle &&
      (deadline == 0 || cpu.slice_end_ns < deadline)) {
    deadline = cpu.slice_end_ns;
  }
  if (deadline == 0) return;
  uint64_t tsc = time::TscAtMonotonicNs(deadline);
  if (tsc == 0) tsc = 1;
  if (cpu.armed_tsc != 0 && cpu.armed_tsc <= tsc) return;
  cpu.armed_tsc = tsc;
  platform::ArmTimerAtTsc(tsc);
}

// Queues `thread` on vCPU `target` and makes sure that vCPU notices: the
// local timer here, a wakeup IPI there (it wakes an idle vCPU from HLT and
// makes a busy one arm its slice timer).
void Enqueue(Thread& thread, uint32_t target) {
  CpuScheduler& cpu = g_cpus[target];
  bool was_empty = cpu.run_queue.empty();
  thread.cpu = target;
  cpu.run_queue.Push(thread);
  if (target == Here()) {
    ArmTimer(cpu);
  } else if (cpu.current == &cpu.idle || was_empty) {
    platform::SendIpi(target, platform::kWakeupVector);
  }
}

// Picks a vCPU for `thread` (placement.h) and queues it there.
void Place(Thread& thread) {
  uint32_t count = platform::CpuCount();
  CpuLoad loads[platform::kMaxCpus];
  for (uint32_t i = 0; i < count; ++i) {
    loads[i] = {g_cpus[i].online, g_cpus[i].current == &g_cpus[i].idle, g_cpus[i].run_queue.size()};
  }
  Enqueue(thread, ChooseCpu(loads, count, AffinityOf(thread), thread.cpu, Here()));
}

// The user-visible CPU state that is not in the TrapFrame. The FPU state
// lives in the task while it is off a CPU, so a thread resumes on any vCPU
// with its own registers.
void SaveUserState(Task& task) {
  task.fs_base = platform::ReadMsr(platform::kMsrFsBase);
  // In the Sentry the user's GS base sits in KERNEL_GS_BASE (after SWAPGS).
  task.gs_base = platform::ReadMsr(platform::kMsrKernelGsBase);
  signal::SaveLiveFpu(task.fpu_area());
}

void LoadUserState(Task& task) {
  platform::WriteMsr(platform::kMsrFsBase, task.fs_base);
  platform::WriteMsr(platform::kMsrKernelGsBase, task.gs_base);
  signal::LoadLiveFpu(task.fpu_area());
  task.address_space().Activate();
  platform::SetKernelStack(task.kernel_stack_top());
}

// RunClockNs at monotonic time `now`.
int64_t RunClockAt(int64_t now, uint32_t cpu) { return now - platform::StealNs(cpu); }

void SwitchTo(Thread& next) {
  CpuScheduler& cpu = Cpu();
  Thread* prev = cpu.current;
  next.state = ThreadState::kRunning;
  next.cpu = Here();
  if (&next == prev) return;
  Task* prev_task = TaskOf(prev);
  Task* next_task = TaskOf(&next);
  int64_t now = time::MonotonicNs();
  int64_t run_clock = RunClockAt(now, Here());
  if (prev_task != nullptr && prev->state != ThreadState::kDead) {
    SaveUserState(*prev_task);
    prev_task->user_ns += run_clock - prev_task->scheduled_at_ns;  // getrusage, times
  }
  if (next_task != nullptr) {
    LoadUserState(*next_task);
    next_task->scheduled_at_ns = run_clock;
  }
  cpu.current = &next;
  platform::ThisCpu()->current_task = next_task;
  cpu.slice_end_ns = now + kTimeSliceNs;
  ArmTimer(cpu);
  // `prev` keeps the BKL's ownership with this vCPU: whoever runs next here
  // releases it (on its return to ring 3, or in the idle loop).
  SwitchKernelStack(&prev->saved_rsp, next.saved_rsp);
  FinishContextSwitch();  // back here when someone switches to `prev` again,
                          // maybe on another vCPU
}

// The current thread has been queued or blocked: run the next one.
void Schedule() {
  CpuScheduler& cpu = Cpu();
  Thread* next = cpu.run_queue.Pop();
  SwitchTo(next != nullptr ? *next : cpu.idle);
}

void ExpireTimers(CpuScheduler& cpu) {
  int64_t now = time::MonotonicNs();
  cpu.timers.Expire(now, [](Thread& thread) { Place(thread); });
  g_kernel_timers.Expire(now);
}

// An idle vCPU takes a waiting thread from the busiest other run queue.
Thread* Steal() {
  uint32_t count = platform::CpuCount();
  CpuLoad loads[platform::kMaxCpus];
  for (uint32_t i = 0; i < count; ++i) {
    loads[i] = {g_cpus[i].online, g_cpus[i].current == &g_cpus[i].idle, g_cpus[i].run_queue.size()};
  }
  int victim = ChooseVictim(loads, count, Here());
  if (victim < 0) return nullptr;
  return StealFrom(g_cpus[victim].run_queue, Here(), [](Thread& thread) { return AffinityOf(thread); });
}

// The current thread may not stay here (its affinity changed): move it.
bool MigrateIfDisallowed() {
  CpuScheduler& cpu = Cpu();
  if (cpu.current == &cpu.idle || CpuAllowed(AffinityOf(*cpu.current), Here())) return false;
  Place(*cpu.current);
  Schedule();
  return true;
}

}  // namespace

void InitCpu(uint64_t tsc_khz) {
  platform::InitLocalApic(tsc_khz);
  CpuScheduler& cpu = Cpu();
  cpu.idle.state = ThreadState::kRunning;
  cpu.idle.cpu = Here();
  cpu.online = true;
}

int64_t RunClockNs(uint32_t cpu) { return RunClockAt(time::MonotonicNs(), cpu); }

void RunIdleLoop() {
  for (;;) {
    CpuScheduler& cpu = Cpu();
    ExpireTimers(cpu);
    Thread* next = cpu.run_queue.Pop();
    if (next == nullptr) next = Steal();
    if (next != nullptr) {
      SwitchTo(*next);
      continue;
    }
    ArmTimer(cpu);
    // Idle on the kernel page table: mapping changes of the address space
    // this vCPU ran last then need no shootdown IPI to wake it (the thread
    // it runs next loads its own table anyway). Alone, it has no one to
    // spare: its table stays, for the thread that blocked to find it again.
    if (platform::CpuCount() > 1) platform::LoadPageTable(platform::KernelPageTable());
    // Halt without the lock. STI takes effect after the next instruction,
    // so an interrupt (a wakeup IPI for a thread queued here after the
    // release) cannot slip in before the HLT and be missed.
    platform::BklRelease();
    asm volatile("sti; hlt; cli" ::: "memory");
    platform::BklAcquire();
  }
}

void MakeRunnable(Thread& thread) {
  g_cpus[thread.cpu].timers.Remove(thread);
  Place(thread);
}

WakeReason Block(int64_t deadline_ns) {
  Thread& self = *Cpu().current;
  Task* task = TaskOf(&self);
  if (task != nullptr && signal::HasDeliverableSignal(*task)) {
    self.LeaveWaitList(WakeReason::kInterrupted);
    return WakeReason::kInterrupted;
  }
  return BlockIgnoringSignals(deadline_ns);
}

WakeReason BlockIgnoringSignals(int64_t deadline_ns) {
  CpuScheduler& cpu = Cpu();
  Thread& self = *cpu.current;
  self.state = ThreadState::kBlocked;
  self.wake_reason = WakeReason::kNone;
  self.deadline_ns = deadline_ns;
  if (deadline_ns != 0) {
    if (deadline_ns <= time::MonotonicNs()) {
      self.LeaveWaitList(WakeReason::kTimeout);
      self.state = ThreadState::kRunning;
      return WakeReason::kTimeout;
    }
    self.cpu = Here();
    cpu.timers.Add(self);
  }
  Schedule();
  return self.wake_reason;
}

void Interrupt(Thread& thread) {
  if (thread.state == ThreadState::kRunning && thread.cpu != Here()) {
    // It runs ring 3 on another vCPU: make it enter the Sentry, whose
    // return to ring 3 acts on what the caller set up (a signal, an exit).
    platform::SendIpi(thread.cpu, platform::kWakeupVector);
    return;
  }
  if (thread.state != ThreadState::kBlocked) return;
  thread.LeaveWaitList(WakeReason::kInterrupted);
  MakeRunnable(thread);
}

WakeReason SleepUntil(int64_t deadline_ns) {
  for (;;) {
    WakeReason reason = Block(deadline_ns);
    if (reason == WakeReason::kTimeout || reason == WakeReason::kInterrupted) return reason;
  }
}

void ArmKernelTimer(time::KernelTimer& timer, int64_t deadline_ns) {
  g_kernel_timers.Arm(timer, deadline_ns);
  ArmTimer(Cpu());
}

void CancelKernelTimer(time::KernelTimer& timer) { g_kernel_timers.Cancel(timer); }

void Yield() {
  CpuScheduler& cpu = Cpu();
  if (cpu.current == &cpu.idle || MigrateIfDisallowed()) return;
  if (cpu.run_queue.empty()) return;
  cpu.run_queue.Push(*cpu.current);
  Schedule();
}

void AffinityChanged(Thread& thread) {
  uint64_t allowed = AffinityOf(thread);
  if (CpuAllowed(allowed, thread.cpu)) return;
  switch (thread.state) {
    case ThreadState::kRunnable:
      g_cpus[thread.cpu].run_queue.Remove(thread);
      Place(thread);
      break;
    case ThreadState::kRunning:
      if (thread.cpu == Here()) {
        MigrateIfDisallowed();
      } else {
        // It runs ring 3 there (this vCPU holds the BKL): the IPI makes it
        // move itself (HandleWakeupInterrupt).
        platform::SendIpi(thread.cpu, platform::kWakeupVector);
      }
      break;
    default:
      break;  // blocked or dead: placed when it wakes
  }
}

void ExitCurrent() {
  CpuScheduler& cpu = Cpu();
  cpu.current->state = ThreadState::kDead;
  cpu.dead = TaskOf(cpu.current);
  Schedule();
  ktl::Panic("a dead thread was scheduled");
}

void HandleTimerInterrupt(bool from_user) {
  CpuScheduler& cpu = Cpu();
  cpu.armed_tsc = 0;  // one-shot: it fired
  platform::EndOfInterrupt();
  // In the idle loop's HLT this vCPU does not hold the BKL: the loop expires
  // the timers once it has retaken it.
  if (!from_user) return;
  ExpireTimers(cpu);
  if (MigrateIfDisallowed()) return;
  if (time::MonotonicNs() >= cpu.slice_end_ns && !cpu.run_queue.empty()) {
    Yield();  // preempt the app: its TrapFrame waits on its kernel stack
    return;
  }
  ArmTimer(cpu);
}

void HandleWakeupInterrupt(bool from_user) {
  platform::EndOfInterrupt();
  if (!from_user) return;  // the idle loop looks at its run queue itself
  CpuScheduler& cpu = Cpu();
  if (MigrateIfDisallowed()) return;
  if (time::MonotonicNs() >= cpu.slice_end_ns && !cpu.run_queue.empty()) {
    Yield();
    return;
  }
  ArmTimer(cpu);
}

uint32_t CurrentCpu() { return Here(); }
uint32_t CpuCount() { return platform::CpuCount(); }

}  // namespace sentry::sched

extern "C" void FinishContextSwitch() {
  sentry::sched::CpuScheduler& cpu = sentry::sched::Cpu();
  if (cpu.dead != nullptr && sentry::sched::TaskOf(cpu.current) != cpu.dead) {
    sentry::Task::Destroy(cpu.dead);
    cpu.dead = nullptr;
  }
}

// A new thread's first run (context_switch.S): it leaves for ring 3 at once,
// so it drops the BKL like every other return to ring 3.
extern "C" void FinishNewThread() {
  FinishContextSwitch();
  platform::BklRelease();
}
