#include "kernel/signal/exceptions.h"

#include "kernel/abi/linux.h"
#include "kernel/task/exit.h"
#include "kernel/task/task.h"

namespace sentry {
namespace {

constexpr uint64_t kPageFaultVector = 14;
constexpr uint64_t kPageFaultWrite = 1 << 1;
constexpr uint64_t kPageFaultFetch = 1 << 4;

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
  if (frame.vector == kPageFaultVector) {
    bool write = (frame.error_code & kPageFaultWrite) != 0;
    bool fetch = (frame.error_code & kPageFaultFetch) != 0;
    auto result = CurrentTask().address_space().HandleFault(fault_address, write, fetch);
    if (result == mm::FaultResult::kHandled) return;
  }
  int signal = SignalForException(frame.vector);
  if (signal == 0) return;  // an interrupt that arrived while ring 3 ran
  // Synchronous faults cannot be ignored or blocked: Linux forces the default
  // action when they are. Handlers run once signal delivery lands (issue 4);
  // until then every such fault takes the default action, which for all of
  // these signals is to kill the process.
  KillProcess(signal);
}

}  // namespace sentry
