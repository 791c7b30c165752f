// The CPUID table handed to KVM and the XCR0 derived from it.
#include <cstddef>
#include <vector>

#include "gtest/gtest.h"
#include "vmm/guest_xsave.h"
#include "vmm/kvm_vm.h"

namespace ringfence::vmm {
namespace {

TEST(KvmCpuidBufferTest, EntriesFollowTheKernelsEightByteHeader) {
  KvmCpuidBuffer buffer(3);
  auto* base = static_cast<char*>(buffer.ioctl_argument());
  EXPECT_EQ(buffer.header()->nent, 3u);
  // C++ would put kvm_cpuid2::entries at 12; the kernel reads them at 8.
  EXPECT_EQ(reinterpret_cast<char*>(buffer.entries()) - base, 8);
  EXPECT_EQ(reinterpret_cast<char*>(&buffer.entries()[2]) - base,
            static_cast<ptrdiff_t>(8 + 2 * sizeof(kvm_cpuid_entry2)));
}

kvm_cpuid_entry2 Leaf(uint32_t function, uint32_t eax, uint32_t ecx, uint32_t edx) {
  kvm_cpuid_entry2 entry = {};
  entry.function = function;
  entry.eax = eax;
  entry.ecx = ecx;
  entry.edx = edx;
  return entry;
}

constexpr uint32_t kXsave = 1u << 26;

TEST(GuestXcr0Test, FollowsWhatTheTableOffers) {
  // x87|SSE|AVX|PKRU offered: PKRU is not enabled.
  EXPECT_EQ(GuestXcr0({Leaf(1, 0, kXsave, 0), Leaf(0xd, 0x207, 0, 0)}), 0x7u);
  EXPECT_EQ(GuestXcr0({Leaf(1, 0, kXsave, 0), Leaf(0xd, 0x3, 0, 0)}), 0x3u);
  EXPECT_EQ(GuestXcr0({Leaf(1, 0, kXsave, 0), Leaf(0xd, 0xe7, 0, 0)}), 0xe7u);
}

TEST(GuestXcr0Test, AvxGroupsAreAllOrNothing) {
  // Only part of AVX-512: none of it.
  EXPECT_EQ(GuestXcr0({Leaf(1, 0, kXsave, 0), Leaf(0xd, 0x67, 0, 0)}), 0x7u);
  // AVX-512 without AVX cannot be enabled.
  EXPECT_EQ(GuestXcr0({Leaf(1, 0, kXsave, 0), Leaf(0xd, 0xe3, 0, 0)}), 0x3u);
}

TEST(GuestXcr0Test, NoXsaveMeansNone) {
  EXPECT_EQ(GuestXcr0({Leaf(1, 0, 0, 0), Leaf(0xd, 0x7, 0, 0)}), 0u);
  EXPECT_EQ(GuestXcr0({Leaf(1, 0, kXsave, 0)}), 0u);
  EXPECT_EQ(GuestXcr0({Leaf(0xd, 0x7, 0, 0)}), 0u);
  EXPECT_EQ(GuestXcr0({Leaf(1, 0, kXsave, 0), Leaf(0xd, 0x1, 0, 0)}), 0u);
}

}  // namespace
}  // namespace ringfence::vmm
