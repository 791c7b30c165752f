// Delivering signals to user handlers, and rt_sigreturn.
//
// Synchronous faults (CPU exceptions from ring 3) are delivered on the spot
// with Linux's force_sig semantics: a blocked or ignored fault signal takes
// its default action, which for SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGTRAP
// kills the process. Every other signal is queued (send.h) and enters its
// handler on the return to user mode (dispatch.h) through EnterHandler.
#ifndef RINGFENCE_KERNEL_SIGNAL_DELIVERY_H_
#define RINGFENCE_KERNEL_SIGNAL_DELIVERY_H_

#include <cstdint>

#include "kernel/abi/linux.h"
#include "kernel/ktl/result.h"
#include "platform_kvm/guest/trap_frame.h"

namespace sentry {
class Task;
}

namespace sentry::signal {

// What the fault tells the handler (siginfo) and its sigcontext.
struct FaultSignal {
  int signal = 0;
  int32_t code = 0;       // si_code
  uint64_t address = 0;   // si_addr
  uint64_t trapno = 0;    // x86 vector
  uint64_t error = 0;     // the CPU's error code
  uint64_t cr2 = 0;       // page-fault address, else 0
};

// The CPU fault a sigcontext reports (trapno, err, cr2); zero for a signal
// that is not a fault.
struct CpuFault {
  uint64_t trapno = 0;
  uint64_t error = 0;
  uint64_t cr2 = 0;
};

// A syscall frame's error_code (orig_rax) once its registers no longer
// belong to the syscall (a handler entered, sigreturn): -1, as Linux.
inline constexpr uint64_t kNoSyscall = ~0ull;

// Builds the rt_sigframe for `info` on the user stack (alternate stack per
// SA_ONSTACK), recording `saved_mask` as the mask sigreturn restores, and
// points `frame` at the handler; the task's mask gains sa_mask and the
// signal (unless SA_NODEFER), SA_RESETHAND resets the action. False when
// the frame cannot be built (no SA_RESTORER, unwritable stack): the caller
// then kills the process with SIGSEGV, as Linux's force_sigsegv.
bool EnterHandler(Task& task, platform::TrapFrame& frame, const linux_abi::SigInfo& info,
                  const CpuFault& fault, uint64_t saved_mask);

// Delivers a synchronous fault signal to the current task whose user
// registers are `frame`: on return `frame` enters the handler. Does not
// return when the signal kills the process (default action, blocked or
// ignored, no SA_RESTORER, or a frame that cannot be written).
void ForceFaultSignal(platform::TrapFrame& frame, const FaultSignal& fault);

// rt_sigreturn: restores registers, signal mask, FPU state and alternate
// stack from the frame the handler returned through (its return address
// already popped, so the frame starts at frame.rsp - 8). Returns the value
// for rax; kills the process with SIGSEGV on a bad frame.
int64_t SignalReturn(platform::TrapFrame& frame);

// The most stack a signal frame takes (frame, FP state, alignment), as
// Linux reports it in AT_MINSIGSTKSZ: it depends on the XSAVE features.
uint64_t MaxSignalFrameSize();

// --- sigaltstack rules (Linux's on_sig_stack / sas_ss_flags) ------------

// Whether `sp` is on `stack` (never, with SS_AUTODISARM).
bool OnAltStack(const linux_abi::SignalStack& stack, uint64_t sp);

// sigaltstack(2) setting `requested` while the user stack pointer is `sp`:
// EPERM when on the current alternate stack, EINVAL for bad flags, ENOMEM
// below MINSIGSTKSZ. On error the task's stack is unchanged.
ktl::Result<void> SetAltStack(Task& task, const linux_abi::SignalStack& requested, uint64_t sp);

}  // namespace sentry::signal

#endif  // RINGFENCE_KERNEL_SIGNAL_DELIVERY_H_
