// The local APIC in x2APIC mode (MSR access, no MMIO): the one-shot timer
// that drives preemption and timed sleeps, EOI, and IPIs. KVM's in-kernel
// irqchip emulates it, so timer programming and EOI stay inside KVM
// instead of exiting to the VMM.
#ifndef RINGFENCE_PLATFORM_KVM_GUEST_LAPIC_H_
#define RINGFENCE_PLATFORM_KVM_GUEST_LAPIC_H_

#include <cstdint>

namespace platform {

inline constexpr uint8_t kTimerVector = 0x20;
inline constexpr uint8_t kWakeupVector = 0x21;  // IPI: "look at your run queue"
inline constexpr uint8_t kTlbShootdownVector = 0x22;  // IPI: serve the TLB mailbox (smp.h)
inline constexpr uint8_t kSpuriousVector = 0xff;

// Enables x2APIC mode and the timer on this vCPU; panics without x2APIC.
// `tsc_khz` converts deadlines when the TSC-deadline mode is missing.
void InitLocalApic(uint64_t tsc_khz);

// Arms the one-shot timer to fire at TSC value `tsc` (replacing any earlier
// setting); 0 disarms it.
void ArmTimerAtTsc(uint64_t tsc);

// Signals the end of the interrupt being handled.
void EndOfInterrupt();

// This vCPU's x2APIC id (KVM makes it the vCPU index).
uint32_t LocalApicId();

// Sends a fixed interrupt `vector` to the vCPU with x2APIC id `apic_id`.
void SendIpi(uint32_t apic_id, uint8_t vector);

}  // namespace platform

#endif  // RINGFENCE_PLATFORM_KVM_GUEST_LAPIC_H_
