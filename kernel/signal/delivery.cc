#include "kernel/signal/delivery.h"

#include "kernel/ktl/string.h"
#include "kernel/signal/fpu_state.h"
#include "kernel/signal/signal_frame.h"
#include "kernel/task/exit.h"
#include "kernel/task/task.h"

namespace sentry::signal {
namespace {

using ktl::Errno;
using linux_abi::SigAction;
using linux_abi::SignalStack;

constexpr uint64_t kRedZone = 128;  // the SysV ABI's scratch area below rsp

// RFLAGS bits.
constexpr uint64_t kFlagCf = 1ull << 0;
constexpr uint64_t kFlagPf = 1ull << 2;
constexpr uint64_t kFlagAf = 1ull << 4;
constexpr uint64_t kFlagZf = 1ull << 6;
constexpr uint64_t kFlagSf = 1ull << 7;
constexpr uint64_t kFlagTf = 1ull << 8;
constexpr uint64_t kFlagDf = 1ull << 10;
constexpr uint64_t kFlagOf = 1ull << 11;
constexpr uint64_t kFlagRf = 1ull << 16;
constexpr uint64_t kFlagAc = 1ull << 18;
// What sigreturn takes from the frame (Linux's FIX_EFLAGS): the arithmetic
// flags, TF, DF, AC and RF. IF, IOPL, NT, VM and the rest stay as the Sentry
// has them, so the app can never give itself I/O ports or mask interrupts.
constexpr uint64_t kUserRestorableFlags = kFlagAc | kFlagOf | kFlagDf | kFlagTf | kFlagSf |
                                          kFlagZf | kFlagAf | kFlagPf | kFlagCf | kFlagRf;

constexpr uint64_t kKillStopBits =
    SignalBit(linux_abi::kSigKill) | SignalBit(linux_abi::kSigStop);

bool CanonicalUserAddress(uint64_t address) { return address < (1ull << 47); }

// Linux's sas_ss_flags(): SS_DISABLE, SS_ONSTACK or 0 for `sp`.
int32_t AltStackState(const SignalStack& stack, uint64_t sp) {
  if (stack.size == 0) return linux_abi::kSsDisable;
  return OnAltStack(stack, sp) ? linux_abi::kSsOnstack : 0;
}

// Strict "inside the alternate stack", ignoring SS_AUTODISARM: the check
// that a frame did not overflow it.
bool WithinAltStack(const SignalStack& stack, uint64_t sp) {
  return sp > stack.sp && sp - stack.sp <= stack.size;
}

// Where the frame goes, as Linux's get_sigframe: below the red zone on the
// current stack, or at the top of the alternate stack when the action asks
// for it and the task is not already running there. 0 when the frame would
// overflow the alternate stack (the caller then kills with SIGSEGV).
struct FramePlacement {
  uint64_t frame;  // RtSigframe, and the handler's rsp
  uint64_t fpu;    // FP image, 64-byte aligned
};
FramePlacement PlaceFrame(Task& task, const SigAction& action, uint64_t user_rsp,
                          const FpuLayout& fpu_layout) {
  const SignalStack& alt = task.alt_stack();
  bool nested_on_alt = OnAltStack(alt, user_rsp);
  bool entering_alt = false;
  uint64_t sp = user_rsp - kRedZone;
  if ((action.flags & linux_abi::kSaOnstack) && AltStackState(alt, sp) == 0) {
    sp = alt.sp + alt.size;
    entering_alt = true;
  }
  uint64_t fpu = (sp - fpu_layout.frame_size) & ~63ull;
  // round_down(.., 16) - 8: the handler sees rsp as just after a call.
  uint64_t frame = ((fpu - sizeof(RtSigframe)) & ~15ull) - 8;
  if ((nested_on_alt || entering_alt) && !WithinAltStack(alt, frame)) return {0, 0};
  if (frame > user_rsp && !entering_alt) return {0, 0};  // wrapped around zero
  return {frame, fpu};
}

}  // namespace

uint64_t MaxSignalFrameSize() {
  // PlaceFrame's worst case: the FP image aligned down to 64, the frame to
  // 16, then the 8 bytes of the return-address slot.
  uint64_t size = CurrentFpuLayout().frame_size + 63 + sizeof(RtSigframe) + 15 + 8;
  return (size + 15) & ~15ull;
}

namespace {

void FillSigcontext(Sigcontext& sc, const platform::TrapFrame& regs, const CpuFault& fault,
                    uint64_t old_mask, uint64_t fpu) {
  sc.r8 = regs.r8;
  sc.r9 = regs.r9;
  sc.r10 = regs.r10;
  sc.r11 = regs.r11;
  sc.r12 = regs.r12;
  sc.r13 = regs.r13;
  sc.r14 = regs.r14;
  sc.r15 = regs.r15;
  sc.rdi = regs.rdi;
  sc.rsi = regs.rsi;
  sc.rbp = regs.rbp;
  sc.rbx = regs.rbx;
  sc.rdx = regs.rdx;
  sc.rax = regs.rax;
  sc.rcx = regs.rcx;
  sc.rsp = regs.rsp;
  sc.rip = regs.rip;
  sc.eflags = regs.rflags;
  sc.cs = platform::kUserCodeSelector;
  sc.ss = platform::kUserDataSelector;
  sc.err = fault.error;
  sc.trapno = fault.trapno;
  sc.oldmask = old_mask;
  sc.cr2 = fault.cr2;
  sc.fpstate = fpu;
}

// Writes the whole frame; false when user memory refuses it.
bool WriteFrame(Task& task, const platform::TrapFrame& regs, const linux_abi::SigInfo& info,
                const CpuFault& fault, uint64_t saved_mask, const SigAction& action,
                const FramePlacement& place, const FpuLayout& fpu_layout) {
  // The frame is assembled here (440 bytes of kernel stack), then copied
  // out in one piece.
  RtSigframe image;
  ktl::MemSet(&image, 0, sizeof(image));
  image.return_address = action.restorer;
  image.uc.flags = kUcSigcontextSs | kUcStrictRestoreSs | (fpu_layout.xsave ? kUcFpXstate : 0);
  image.uc.link = 0;
  image.uc.stack = task.alt_stack();  // sigreturn puts this back
  image.uc.stack.pad = 0;
  FillSigcontext(image.uc.mcontext, regs, fault, saved_mask, place.fpu);
  image.uc.sigmask = saved_mask;
  image.info = info;
  if (!SaveFpuToUser(fpu_layout, place.fpu).ok()) return false;
  return task.address_space().CopyOut(place.frame, &image, sizeof(image)).ok();
}

}  // namespace

bool OnAltStack(const SignalStack& stack, uint64_t sp) {
  // With SS_AUTODISARM the stack is disarmed while a handler runs on it, so
  // the task can only be "on" it by deliberately re-arming it there.
  if (stack.flags & linux_abi::kSsAutodisarm) return false;
  return WithinAltStack(stack, sp);
}

ktl::Result<void> SetAltStack(Task& task, const SignalStack& requested, uint64_t sp) {
  SignalStack& current = task.alt_stack();
  if (OnAltStack(current, sp)) return Errno::kEPERM;
  int32_t mode = requested.flags & ~linux_abi::kSsAutodisarm;
  if (mode != 0 && mode != linux_abi::kSsDisable && mode != linux_abi::kSsOnstack) {
    return Errno::kEINVAL;
  }
  if (mode == linux_abi::kSsDisable) {
    current = {0, linux_abi::kSsDisable, 0, 0};
    return ktl::Ok();
  }
  if (requested.size < linux_abi::kMinSigStackSize) return Errno::kENOMEM;
  // Linux keeps the flags as given (SS_ONSTACK included); they come back
  // in uc_stack and old_ss.
  current = {requested.sp, requested.flags, 0, requested.size};
  return ktl::Ok();
}

bool EnterHandler(Task& task, platform::TrapFrame& frame, const linux_abi::SigInfo& info,
                  const CpuFault& fault, uint64_t saved_mask) {
  int signal = info.signo;
  SigAction& action = task.process().signal_action(signal);
  // x86-64 has no vDSO trampoline to fall back on: without SA_RESTORER the
  // handler could never return, and Linux fails the frame (force_sigsegv).
  if (!(action.flags & linux_abi::kSaRestorer)) return false;
  SigAction taken = action;
  FpuLayout fpu_layout = CurrentFpuLayout();
  FramePlacement place = PlaceFrame(task, taken, frame.rsp, fpu_layout);
  if (place.frame == 0 ||
      !WriteFrame(task, frame, info, fault, saved_mask, taken, place, fpu_layout)) {
    return false;
  }

  // The frame is written: commit. The altstack is disarmed while in use.
  if (task.alt_stack().flags & linux_abi::kSsAutodisarm) {
    task.alt_stack() = {0, linux_abi::kSsDisable, 0, 0};
  }
  frame.rdi = static_cast<uint64_t>(signal);
  frame.rsi = place.frame + offsetof(RtSigframe, info);
  frame.rdx = place.frame + offsetof(RtSigframe, uc);
  frame.rax = 0;  // no vector registers used for arguments (varargs ABI)
  frame.rip = taken.handler;
  frame.rsp = place.frame;
  frame.cs = platform::kUserCodeSelector;
  frame.ss = platform::kUserDataSelector;
  // The ABI's function entry has DF clear; TF and RF would single-step or
  // skip a breakpoint in the handler.
  frame.rflags &= ~(kFlagDf | kFlagRf | kFlagTf);
  // The handler's registers are not a syscall's: no restart on its way out.
  frame.error_code = kNoSyscall;
  ResetFpuForHandler();

  uint64_t mask = task.blocked_signals() | taken.mask;
  if (!(taken.flags & linux_abi::kSaNodefer)) mask |= SignalBit(signal);
  task.set_blocked_signals(mask);
  if (taken.flags & linux_abi::kSaResethand) action.handler = linux_abi::kSigDefault;
  return true;
}

void ForceFaultSignal(platform::TrapFrame& frame, const FaultSignal& fault) {
  Task& task = CurrentTask();
  SigAction& action = task.process().signal_action(fault.signal);
  uint64_t bit = SignalBit(fault.signal);
  // force_sig: the fault cannot be ignored or held back. Linux resets the
  // action to SIG_DFL and unblocks the signal; its default action kills.
  if ((task.blocked_signals() & bit) || action.handler == linux_abi::kSigIgnore) {
    action.handler = linux_abi::kSigDefault;
    task.set_blocked_signals(task.blocked_signals() & ~bit);
  }
  if (action.handler == linux_abi::kSigDefault) KillProcess(fault.signal);
  linux_abi::SigInfo info = {};
  info.signo = fault.signal;
  info.code = fault.code;
  info.fault.address = fault.address;
  CpuFault cpu = {fault.trapno, fault.error, fault.cr2};
  if (!EnterHandler(task, frame, info, cpu, task.blocked_signals())) {
    KillProcess(linux_abi::kSigSegv);
  }
}

int64_t SignalReturn(platform::TrapFrame& frame) {
  Task& task = CurrentTask();
  uint64_t base = frame.rsp - 8;  // the handler's `ret` popped the return address
  Ucontext uc;
  if (base > frame.rsp ||
      !task.address_space().CopyIn(base + offsetof(RtSigframe, uc), &uc, sizeof(uc)).ok()) {
    KillProcess(linux_abi::kSigSegv);
  }
  // The FP image is checked and loaded first: nothing changes unless the
  // whole frame is acceptable.
  const Sigcontext& sc = uc.mcontext;
  if (!RestoreFpuFromUser(sc.fpstate).ok()) KillProcess(linux_abi::kSigSegv);

  task.set_blocked_signals(uc.sigmask & ~kKillStopBits);
  // Linux's orig_ax = -1: the registers restored are not a syscall's, so
  // no -ERESTART* value in rax may restart anything.
  frame.error_code = kNoSyscall;
  frame.r8 = sc.r8;
  frame.r9 = sc.r9;
  frame.r10 = sc.r10;
  frame.r11 = sc.r11;
  frame.r12 = sc.r12;
  frame.r13 = sc.r13;
  frame.r14 = sc.r14;
  frame.r15 = sc.r15;
  frame.rdi = sc.rdi;
  frame.rsi = sc.rsi;
  frame.rbp = sc.rbp;
  frame.rbx = sc.rbx;
  frame.rdx = sc.rdx;
  frame.rax = sc.rax;
  frame.rcx = sc.rcx;
  frame.rsp = sc.rsp;
  frame.rip = sc.rip;
  frame.rflags = (frame.rflags & ~kUserRestorableFlags) | (sc.eflags & kUserRestorableFlags);
  // Only the flat user selectors: a forged cs/ss would make IRET fault in
  // ring 0. (Linux accepts other valid user selectors; apps never need one.)
  frame.cs = platform::kUserCodeSelector;
  frame.ss = platform::kUserDataSelector;

  // Linux's restore_altstack: errors other than EFAULT are ignored.
  SignalStack stack = uc.stack;
  (void)SetAltStack(task, stack, frame.rsp);

  if (!CanonicalUserAddress(frame.rip) && (frame.rip >> 47) != 0x1ffff) {
    // IRET to a non-canonical rip would #GP in ring 0. Linux takes that
    // #GP on the user's behalf: SIGSEGV (SI_KERNEL) at the bad state.
    FaultSignal fault;
    fault.signal = linux_abi::kSigSegv;
    fault.code = linux_abi::kSiKernel;
    fault.trapno = 13;
    ForceFaultSignal(frame, fault);
  }
  return static_cast<int64_t>(frame.rax);
}

}  // namespace sentry::signal
