// Host steal time: how long the host kept each vCPU from running although
// it had work (KVM's MSR_KVM_STEAL_TIME, the vCPU thread's wait in the host
// scheduler's run queue). Threads' CPU clocks leave it out, as Linux's do in
// a guest with paravirtual time accounting: a thread is not charged for the
// stretch its vCPU waited on the host.
//
// KVM writes each vCPU's figure into a 64-byte area of guest memory the
// vCPU registers, when it next runs the vCPU. The VMM tells the Sentry
// whether KVM offers it (BootInfo kBootFlagStealTime); without it the
// steal is always 0.
#ifndef RINGFENCE_PLATFORM_KVM_GUEST_STEAL_TIME_H_
#define RINGFENCE_PLATFORM_KVM_GUEST_STEAL_TIME_H_

#include <cstdint>

namespace platform {

// Boot CPU, before the other vCPUs start: whether KVM reports steal time.
// Registers the boot CPU's area when it does.
void EnableStealTime(bool supported);
// Every other vCPU, at start: registers the calling vCPU's area (when
// enabled).
void RegisterStealTime();
// Whether KVM reports it (--stats prints the total then).
bool StealTimeEnabled();
// Nanoseconds the host has stolen from vCPU `cpu` so far (0 without
// support). Any vCPU may read any vCPU's.
int64_t StealNs(uint32_t cpu);

}  // namespace platform

#endif  // RINGFENCE_PLATFORM_KVM_GUEST_STEAL_TIME_H_
