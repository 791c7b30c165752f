#include "kernel/sched/scheduler.h"

#include "kernel/signal/fpu_state.h"
#include "kernel/signal/send.h"
#include "kernel/task/task.h"
#include "kernel/time/clock.h"
#include "platform_kvm/guest/context_switch.h"
#include "platform_kvm/guest/cpu.h"
#include "platform_kvm/guest/lapic.h"
#include "platform_kvm/guest/percpu.h"

namespace sentry::sched {
namespace {

struct CpuScheduler {
  Thread idle;                  // the boot context, running RunIdleLoop
  Thread* current = &idle;
  RunQueue run_queue;
  TimerList timers;             // sleepers whose deadline this vCPU watches
  time::TimerQueue kernel_timers;  // callbacks (itimers, POSIX timers)
  Task* dead = nullptr;         // exited, its stack still in use until the switch
  const mm::AddressSpace* loaded_space = nullptr;  // what CR3 holds
  int64_t slice_end_ns = 0;     // when the current thread may be preempted
  uint64_t armed_tsc = 0;       // the LAPIC deadline set, 0 when none
};

CpuScheduler g_cpu;  // one vCPU for now: see scheduler.h

CpuScheduler& Cpu() { return g_cpu; }

Task* TaskOf(Thread* thread) { return static_cast<Task*>(thread->owner()); }

// Arms the LAPIC for the earliest of: the first sleeper's deadline, and the
// end of the current slice when others wait to run. Only re-arms when that
// is earlier than what is armed: a timer firing early is harmless (the
// handler re-arms), while every wrmsr may cost a trip into KVM.
void ArmTimer(CpuScheduler& cpu) {
  int64_t deadline = cpu.timers.EarliestDeadline();
  int64_t kernel_deadline = cpu.kernel_timers.EarliestDeadline();
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

// The user-visible CPU state that is not in the TrapFrame.
void SaveUserState(Task& task) {
  task.fs_base = platform::ReadMsr(platform::kMsrFsBase);
  // In the Sentry the user's GS base sits in KERNEL_GS_BASE (after SWAPGS).
  task.gs_base = platform::ReadMsr(platform::kMsrKernelGsBase);
  signal::SaveLiveFpu(task.fpu_area());
}

void LoadUserState(CpuScheduler& cpu, Task& task) {
  platform::WriteMsr(platform::kMsrFsBase, task.fs_base);
  platform::WriteMsr(platform::kMsrKernelGsBase, task.gs_base);
  signal::LoadLiveFpu(task.fpu_area());
  mm::AddressSpace& space = task.address_space();
  if (cpu.loaded_space != &space) {
    space.Activate();
    cpu.loaded_space = &space;
  }
  platform::SetKernelStack(task.kernel_stack_top());
}

void SwitchTo(Thread& next) {
  CpuScheduler& cpu = Cpu();
  Thread* prev = cpu.current;
  next.state = ThreadState::kRunning;
  if (&next == prev) return;
  Task* prev_task = TaskOf(prev);
  Task* next_task = TaskOf(&next);
  if (prev_task != nullptr && prev->state != ThreadState::kDead) SaveUserState(*prev_task);
  if (next_task != nullptr) LoadUserState(cpu, *next_task);
  cpu.current = &next;
  platform::ThisCpu()->current_task = next_task;
  cpu.slice_end_ns = time::MonotonicNs() + kTimeSliceNs;
  ArmTimer(cpu);
  SwitchKernelStack(&prev->saved_rsp, next.saved_rsp);
  FinishContextSwitch();  // back here when someone switches to `prev` again
}

// The current thread has been queued or blocked: run the next one.
void Schedule() {
  CpuScheduler& cpu = Cpu();
  Thread* next = cpu.run_queue.Pop();
  SwitchTo(next != nullptr ? *next : cpu.idle);
}

}  // namespace

void InitCpu(uint64_t tsc_khz) {
  platform::InitLocalApic(tsc_khz);
  Cpu().idle.state = ThreadState::kRunning;
}

void RunIdleLoop() {
  CpuScheduler& cpu = Cpu();
  for (;;) {
    Thread* next = cpu.run_queue.Pop();
    if (next != nullptr) {
      SwitchTo(*next);
      continue;
    }
    ArmTimer(cpu);
    // STI takes effect after the next instruction, so an interrupt cannot
    // slip in between the check above and the HLT and be missed.
    asm volatile("sti; hlt; cli" ::: "memory");
  }
}

void MakeRunnable(Thread& thread) {
  CpuScheduler& cpu = Cpu();
  cpu.timers.Remove(thread);
  cpu.run_queue.Push(thread);
  ArmTimer(cpu);
}

WakeReason Block(int64_t deadline_ns) {
  CpuScheduler& cpu = Cpu();
  Thread& self = *cpu.current;
  Task* task = TaskOf(&self);
  if (task != nullptr && signal::HasDeliverableSignal(*task)) {
    self.LeaveWaitList(WakeReason::kInterrupted);
    return WakeReason::kInterrupted;
  }
  self.state = ThreadState::kBlocked;
  self.wake_reason = WakeReason::kNone;
  self.deadline_ns = deadline_ns;
  if (deadline_ns != 0) {
    if (deadline_ns <= time::MonotonicNs()) {
      self.LeaveWaitList(WakeReason::kTimeout);
      self.state = ThreadState::kRunning;
      return WakeReason::kTimeout;
    }
    cpu.timers.Add(self);
  }
  Schedule();
  return self.wake_reason;
}

void Interrupt(Thread& thread) {
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
  CpuScheduler& cpu = Cpu();
  cpu.kernel_timers.Arm(timer, deadline_ns);
  ArmTimer(cpu);
}

void CancelKernelTimer(time::KernelTimer& timer) { Cpu().kernel_timers.Cancel(timer); }

void Yield() {
  CpuScheduler& cpu = Cpu();
  if (cpu.run_queue.empty() || cpu.current == &cpu.idle) return;
  cpu.run_queue.Push(*cpu.current);
  Schedule();
}

void ActivateAddressSpace(const mm::AddressSpace& space) {
  CpuScheduler& cpu = Cpu();
  space.Activate();
  cpu.loaded_space = &space;
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
  int64_t now = time::MonotonicNs();
  cpu.timers.Expire(now, [&cpu](Thread& thread) { cpu.run_queue.Push(thread); });
  cpu.kernel_timers.Expire(now);
  if (from_user && now >= cpu.slice_end_ns && !cpu.run_queue.empty()) {
    Yield();  // preempt the app: its TrapFrame waits on its kernel stack
    return;
  }
  ArmTimer(cpu);
}

uint32_t CurrentCpu() { return platform::ThisCpu()->index; }
uint32_t CpuCount() { return 1; }

}  // namespace sentry::sched

extern "C" void FinishContextSwitch() {
  sentry::sched::CpuScheduler& cpu = sentry::sched::Cpu();
  if (cpu.dead != nullptr && sentry::sched::TaskOf(cpu.current) != cpu.dead) {
    sentry::Task::Destroy(cpu.dead);
    cpu.dead = nullptr;
  }
}
