#include "vmm/guest_xsave.h"

namespace ringfence::vmm {
namespace {

constexpr uint32_t kCpuidXsave = 1u << 26;  // leaf 1 ECX
constexpr uint64_t kXcr0X87Sse = 0x3;
constexpr uint64_t kXcr0Avx = 0x4;
constexpr uint64_t kXcr0Avx512 = 0xe0;

}  // namespace

const kvm_cpuid_entry2* FindLeaf(const std::vector<kvm_cpuid_entry2>& cpuid, uint32_t function,
                                 uint32_t index) {
  for (const auto& entry : cpuid) {
    if (entry.function == function && entry.index == index) return &entry;
  }
  return nullptr;
}

uint64_t GuestXcr0(const std::vector<kvm_cpuid_entry2>& cpuid) {
  const kvm_cpuid_entry2* leaf1 = FindLeaf(cpuid, 1, 0);
  const kvm_cpuid_entry2* leafd = FindLeaf(cpuid, 0xd, 0);
  if (leaf1 == nullptr || !(leaf1->ecx & kCpuidXsave) || leafd == nullptr) return 0;
  uint64_t supported = (static_cast<uint64_t>(leafd->edx) << 32) | leafd->eax;
  if ((supported & kXcr0X87Sse) != kXcr0X87Sse) return 0;
  uint64_t xcr0 = kXcr0X87Sse;
  if (supported & kXcr0Avx) xcr0 |= kXcr0Avx;
  if ((xcr0 & kXcr0Avx) && (supported & kXcr0Avx512) == kXcr0Avx512) xcr0 |= kXcr0Avx512;
  return xcr0;
}

}  // namespace ringfence::vmm
