// Conversions between the Sentry's two kernel windows and guest physical
// addresses (see platform_kvm/abi/memory_layout.h).
#ifndef RINGFENCE_PLATFORM_KVM_GUEST_ADDRESS_H_
#define RINGFENCE_PLATFORM_KVM_GUEST_ADDRESS_H_

#include <cstdint>

#include "platform_kvm/abi/memory_layout.h"

namespace platform {

using PhysAddr = uint64_t;

// The physmap view of a physical address.
inline void* PhysToVirt(PhysAddr pa) {
  return reinterpret_cast<void*>(ringfence::abi::kPhysmapBase + pa);
}

// Physical address of a Sentry object in either the image or the physmap.
inline PhysAddr KernelVirtToPhys(const void* pointer) {
  uint64_t va = reinterpret_cast<uint64_t>(pointer);
  if (va >= ringfence::abi::kSentryVirtBase) return va - ringfence::abi::kSentryVirtBase;
  return va - ringfence::abi::kPhysmapBase;
}

}  // namespace platform

#endif  // RINGFENCE_PLATFORM_KVM_GUEST_ADDRESS_H_
