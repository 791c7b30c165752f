// CPU exceptions raised by the application, turned into signals.
#ifndef RINGFENCE_KERNEL_SIGNAL_EXCEPTIONS_H_
#define RINGFENCE_KERNEL_SIGNAL_EXCEPTIONS_H_

#include <cstdint>

#include "platform_kvm/guest/trap_frame.h"

namespace sentry {

// Handles exception `frame.vector` from ring 3: page faults are resolved
// (demand paging, stack growth) or become SIGSEGV; other exceptions become
// the signal Linux sends for them. Returns when the app may continue.
void HandleUserException(platform::TrapFrame& frame, uint64_t fault_address);

// The Linux signal for an x86 exception vector raised in ring 3, or 0 for
// vectors that are not the app's doing (interrupts).
int SignalForException(uint64_t vector);

}  // namespace sentry

#endif  // RINGFENCE_KERNEL_SIGNAL_EXCEPTIONS_H_
