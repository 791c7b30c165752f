// Guest memory layout shared by the VMM and the Sentry.
//
// Guest physical memory is one contiguous memfd-backed region starting at
// GPA 0. The fixed low region holds what the VMM prepares before the first
// instruction; everything from kFreePhysStart up belongs to the Sentry's page
// allocator. Memory stays below 3 GiB so it never overlaps the LAPIC/IOAPIC
// MMIO window at 0xfec00000 that the in-kernel irqchip claims.
#ifndef RINGFENCE_PLATFORM_KVM_ABI_MEMORY_LAYOUT_H_
#define RINGFENCE_PLATFORM_KVM_ABI_MEMORY_LAYOUT_H_

#include <cstdint>

namespace ringfence::abi {

inline constexpr uint64_t kPageSize = 4096;
inline constexpr uint64_t kLargePageSize = 2 * 1024 * 1024;

// --- Guest physical addresses -------------------------------------------
// One page: struct BootInfo.
inline constexpr uint64_t kBootInfoGpa = 0x1000;
// Boot page tables built by the VMM (PML4, PDPTs, PDs, PTs).
inline constexpr uint64_t kBootPageTablesGpa = 0x2000;
inline constexpr uint64_t kBootPageTablesEnd = 0x80000;
// NUL-terminated strings: the executable path, then argv, then envp.
inline constexpr uint64_t kBootArgsGpa = 0x80000;
inline constexpr uint64_t kBootArgsEnd = 0x200000;
// The Sentry image's lowest segment is loaded here.
inline constexpr uint64_t kSentryImageGpa = 0x200000;

inline constexpr uint64_t kMinGuestMemory = 32ull << 20;
inline constexpr uint64_t kMaxGuestMemory = 3ull << 30;
inline constexpr uint64_t kDefaultGuestMemory = 512ull << 20;

// --- Guest virtual addresses ---------------------------------------------
// The Sentry image: VA = PA + kSentryVirtBase (the -mcmodel=kernel window).
inline constexpr uint64_t kSentryVirtBase = 0xffffffff80000000ull;
// All guest physical memory, writable and never executable.
inline constexpr uint64_t kPhysmapBase = 0xffff888000000000ull;
// Application addresses are below this (the x86-64 canonical lower half).
inline constexpr uint64_t kUserAddressEnd = 0x00007ffffffff000ull;

}  // namespace ringfence::abi

#endif  // RINGFENCE_PLATFORM_KVM_ABI_MEMORY_LAYOUT_H_
