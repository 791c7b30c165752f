#include "kernel/signal/exceptions.h"

#include "kernel/abi/linux.h"
#include "kernel/signal/delivery.h"
#include "kernel/signal/fpu_state.h"
#include "kernel/signal/signal_frame.h"
#include "kernel/task/task.h"

namespace sentry {
namespace {

constexpr uint64_t kPageFaultVector = 14;
constexpr uint64_t kPageFaultWrite = 1 << 1;
constexpr uint64_t kPageFaultFetch = 1 << 4;
constexpr uint64_t kPageFaultProtection = 1 << 0;
constexpr uint64_t kUserAddressEnd = 1ull << 47;
constexpr uint64_t kRflagsTf = 1 << 8;

// si_code for a non-page-fault exception as Linux's trap handlers choose
// it (arch/x86/kernel/traps.c): a specific code where do_error_trap passes
// one, SI_KERNEL where it uses plain force_sig (int3, #GP, #NP, #SS, ...).
// -1 for an #MF/#XM with no unmasked exception pending (Linux sends none).
int32_t SignalCodeForException(const platform::TrapFrame& frame) {
  switch (frame.vector) {
    case 0: return signal::kFpeIntDiv;
    case 1: return (frame.rflags & kRflagsTf) ? signal::kTrapTrace : signal::kTrapBrkpt;
    case 6: return signal::kIllIllOpn;
    case 16:
    case 19: {
      int32_t code = signal::FpuExceptionCode(frame.vector);
      return code != 0 ? code : -1;
    }
    case 17: return signal::kBusAdrAln;
    default: return linux_abi::kSiKernel;
  }
}

// Whether si_addr is the faulting instruction (Linux's
// error_get_trap_addr), as for #DE, #UD, #DB and the FPU traps.
bool AddressIsInstruction(uint64_t vector) {
  return vector == 0 || vector == 1 || vector == 6 || vector == 16 || vector == 19;
}

}  // namespace

int SignalForException(uint64_t vector) {
  switch (vector) {
    case 0: return linux_abi::kSigFpe;    // #DE divide error
    case 1: return linux_abi::kSigTrap;   // #DB debug
    case 3: return linux_abi::kSigTrap;   // #BP int3
    case 4: return linux_abi::kSigSegv;   // #OF into
    case 5: return linux_abi::kSigSegv;   // #BR bound
    case 6: return linux_abi::kSigIll;    // #UD invalid opcode
    case 7: return linux_abi::kSigIll;    // #NM: the FPU is always on, so never expected
    case 10: return linux_abi::kSigSegv;  // #TS
    case 11: return linux_abi::kSigBus;   // #NP
    case 12: return linux_abi::kSigBus;   // #SS
    case 13: return linux_abi::kSigSegv;  // #GP: privileged instructions, bad selectors
    case 14: return linux_abi::kSigSegv;  // #PF not resolved
    case 16: return linux_abi::kSigFpe;   // #MF x87
    case 17: return linux_abi::kSigBus;   // #AC alignment check
    case 19: return linux_abi::kSigFpe;   // #XM SIMD
    default: return 0;
  }
}

void HandleUserException(platform::TrapFrame& frame, uint64_t fault_address) {
  CurrentTask().set_frame(&frame);
  signal::FaultSignal fault;
  fault.signal = SignalForException(frame.vector);
  if (fault.signal == 0) return;  // an interrupt that arrived while ring 3 ran
  fault.trapno = frame.vector;
  fault.error = frame.error_code;
  if (frame.vector == kPageFaultVector) {
    bool write = (frame.error_code & kPageFaultWrite) != 0;
    bool fetch = (frame.error_code & kPageFaultFetch) != 0;
    auto result = CurrentTask().address_space().HandleFault(fault_address, write, fetch);
    if (result == mm::FaultResult::kHandled) return;
    if (result == mm::FaultResult::kBusError) {
      fault.signal = linux_abi::kSigBus;
      fault.code = signal::kBusAdrErr;
    } else {
      fault.code =
          result == mm::FaultResult::kMapError ? signal::kSegvMapErr : signal::kSegvAccErr;
    }
    fault.address = fault_address;
    fault.cr2 = fault_address;
    // As Linux does, a fault on a kernel address reads as a protection
    // fault, so the error code does not reveal what the upper half maps.
    if (fault_address >= kUserAddressEnd) fault.error |= kPageFaultProtection;
  } else {
    fault.code = SignalCodeForException(frame);
    if (fault.code < 0) return;  // a spurious x87/SIMD trap: nothing pending
    if (AddressIsInstruction(frame.vector)) fault.address = frame.rip;
  }
  signal::ForceFaultSignal(frame, fault);
}

}  // namespace sentry
