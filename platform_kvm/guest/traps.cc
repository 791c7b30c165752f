// C++ side of the entry paths in entry.S.
#include "kernel/ktl/format.h"
#include "kernel/ktl/panic.h"
#include "kernel/ktl/string.h"
#include "kernel/sched/scheduler.h"
#include "kernel/signal/exceptions.h"
#include "kernel/syscalls/syscall_table.h"
#include "kernel/task/return_to_user.h"
#include "kernel/task/task.h"
#include "platform_kvm/abi/hypercall.h"
#include "platform_kvm/guest/address.h"
#include "platform_kvm/guest/cpu.h"
#include "platform_kvm/guest/hypercall.h"
#include "platform_kvm/guest/lapic.h"
#include "platform_kvm/guest/smp.h"
#include "platform_kvm/guest/trap_frame.h"

namespace platform {
namespace {

constexpr uint64_t kFirstInterruptVector = 32;  // 0-31 are CPU exceptions

ringfence::abi::PanicRegisters g_panic_registers;

[[noreturn]] void PanicWithFrame(const char* message, const TrapFrame* frame) {
  uint64_t registers_gpa = 0;
  if (frame != nullptr) {
    auto& r = g_panic_registers;
    r = {frame->rax, frame->rbx, frame->rcx, frame->rdx, frame->rsi, frame->rdi,
         frame->rbp, frame->rsp, frame->r8, frame->r9, frame->r10, frame->r11,
         frame->r12, frame->r13, frame->r14, frame->r15, frame->rip, frame->rflags,
         ReadCr2(), frame->vector, frame->error_code};
    registers_gpa = KernelVirtToPhys(&r);
  }
  Hypercall(ringfence::abi::Hypercall::kPanic, KernelVirtToPhys(message), ktl::StrLen(message),
            registers_gpa);
  HaltForever();
}

}  // namespace
}  // namespace platform

namespace {
// Device interrupts: from ring 3 or the idle loop's HLT (the Sentry
// otherwise runs with interrupts off). The BKL is held only when
// `frame` is from ring 3.
void HandleInterrupt(const platform::TrapFrame& frame) {
  switch (frame.vector) {
    case platform::kTimerVector:
      sentry::sched::HandleTimerInterrupt(frame.FromUser());
      break;
    case platform::kWakeupVector:
      sentry::sched::HandleWakeupInterrupt(frame.FromUser());
      break;
    case platform::kSpuriousVector:
      break;  // no EOI for the spurious vector
    default:
      platform::EndOfInterrupt();
      break;
  }
}

// Every return to ring 3 ends here: signals and the like, then the BKL goes.
void LeaveForUser(platform::TrapFrame& frame) {
  sentry::PrepareReturnToUser(sentry::CurrentTask(), frame);
  platform::BklRelease();
}
}  // namespace

extern "C" void SentrySyscall(platform::TrapFrame* frame) {
  platform::BklAcquire();
  sentry::CurrentTask().set_frame(frame);
  sentry::syscalls::DispatchSyscall(*frame);
  LeaveForUser(*frame);
}

extern "C" void SentryTrap(platform::TrapFrame* frame) {
  if (frame->vector == platform::kTlbShootdownVector) {
    // Without the BKL: its holder is waiting for this acknowledgment.
    platform::ServeTlbShootdown();
    platform::EndOfInterrupt();
    return;
  }
  if (frame->vector >= platform::kFirstInterruptVector) {
    if (!frame->FromUser()) {
      HandleInterrupt(*frame);  // in the idle loop's HLT
      return;
    }
    platform::BklAcquire();
    HandleInterrupt(*frame);
    LeaveForUser(*frame);
    return;
  }
  if (!frame->FromUser()) {
    static char message[96];
    ktl::FormatTo(message, sizeof(message), "exception %lu in the Sentry (error code 0x%lx)",
                  frame->vector, frame->error_code);
    platform::PanicWithFrame(message, frame);
  }
  platform::BklAcquire();
  sentry::HandleUserException(*frame, platform::ReadCr2());
  LeaveForUser(*frame);
}

namespace ktl {

void Panic(const char* message) { platform::PanicWithFrame(message, nullptr); }

}  // namespace ktl
