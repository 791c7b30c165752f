// Which XSAVE state components the guest runs with. The VMM sets XCR0 itself
// (KVM_SET_XCRS) rather than leaving it to the Sentry's XSETBV: under nested
// virtualization (QEMU's emulated SVM) the guest's XSETBV may never reach
// KVM, which then reloads its own value (x87 only) on every entry, and apps'
// XSAVE images silently lose their SSE/AVX registers.
#ifndef RINGFENCE_VMM_GUEST_XSAVE_H_
#define RINGFENCE_VMM_GUEST_XSAVE_H_

#include <linux/kvm.h>

#include <cstdint>
#include <vector>

namespace ringfence::vmm {

// The entry of `cpuid` for leaf `function`, subleaf `index`, or null.
const kvm_cpuid_entry2* FindLeaf(const std::vector<kvm_cpuid_entry2>& cpuid, uint32_t function,
                                 uint32_t index = 0);

// x87 and SSE (always together), AVX, and AVX-512's three components
// (opmask, ZMM_Hi256, Hi16_ZMM: all or none) when `cpuid` (the table the
// vCPU gets) offers XSAVE and them; 0 when it has no XSAVE.
uint64_t GuestXcr0(const std::vector<kvm_cpuid_entry2>& cpuid);

}  // namespace ringfence::vmm

#endif  // RINGFENCE_VMM_GUEST_XSAVE_H_
