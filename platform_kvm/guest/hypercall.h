// The Sentry's side of the hypercall ABI (platform_kvm/abi/hypercall.h).
#ifndef RINGFENCE_PLATFORM_KVM_GUEST_HYPERCALL_H_
#define RINGFENCE_PLATFORM_KVM_GUEST_HYPERCALL_H_

#include <cstddef>
#include <cstdint>

#include "platform_kvm/abi/hypercall.h"

namespace platform {

// Issues one hypercall on this vCPU and returns the VMM's result (>= 0, or
// -errno). Interrupts must not be able to run another hypercall on this vCPU
// meanwhile; the request block is per vCPU.
int64_t Hypercall(ringfence::abi::Hypercall number, uint64_t a0 = 0,
                  uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0);

// Writes a Sentry-generated message to the sandbox's stderr.
void WriteToStderr(const char* text, size_t length);

// Writes to the Sentry's debug log if the sandbox has one (--log).
void WriteToLog(const char* text, size_t length);
void EnableLog(bool enabled);

[[noreturn]] void HypercallExit(int status);

}  // namespace platform

#endif  // RINGFENCE_PLATFORM_KVM_GUEST_HYPERCALL_H_
