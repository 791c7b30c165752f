#include "platform_kvm/guest/lapic.h"

#include "kernel/ktl/panic.h"
#include "platform_kvm/guest/cpu.h"

namespace platform {
namespace {

constexpr uint32_t kMsrApicBase = 0x1b;
constexpr uint64_t kApicBaseEnable = 1ull << 11;
constexpr uint64_t kApicBaseX2apic = 1ull << 10;
constexpr uint32_t kMsrTscDeadline = 0x6e0;
// x2APIC registers: MSR 0x800 + (MMIO offset >> 4).
constexpr uint32_t kMsrX2apicId = 0x802;
constexpr uint32_t kMsrX2apicTpr = 0x808;
constexpr uint32_t kMsrX2apicEoi = 0x80b;
constexpr uint32_t kMsrX2apicSvr = 0x80f;
constexpr uint32_t kMsrX2apicIcr = 0x830;
constexpr uint64_t kIcrAssert = 1ull << 14;
constexpr uint32_t kMsrX2apicLvtTimer = 0x832;
constexpr uint32_t kMsrX2apicInitialCount = 0x838;
constexpr uint32_t kMsrX2apicDivide = 0x83e;
constexpr uint64_t kSvrEnable = 1ull << 8;
constexpr uint64_t kLvtTscDeadline = 2ull << 17;
constexpr uint32_t kCpuidX2apic = 1u << 21;
constexpr uint32_t kCpuidTscDeadline = 1u << 24;
constexpr uint64_t kDivideBy1 = 0xb;
// KVM's emulated APIC bus runs at 1 GHz: one count per nanosecond.
constexpr uint64_t kApicTicksPerMs = 1000000;

bool g_tsc_deadline = false;
uint64_t g_tsc_khz = 0;

}  // namespace

void InitLocalApic(uint64_t tsc_khz) {
  CpuidResult leaf1 = Cpuid(1);
  if (!(leaf1.ecx & kCpuidX2apic)) ktl::Panic("the vCPU has no x2APIC (the VMM must expose it)");
  g_tsc_deadline = (leaf1.ecx & kCpuidTscDeadline) != 0;
  g_tsc_khz = tsc_khz;
  uint64_t base = ReadMsr(kMsrApicBase);
  // xAPIC must be enabled before x2APIC mode can be switched on.
  WriteMsr(kMsrApicBase, base | kApicBaseEnable);
  WriteMsr(kMsrApicBase, base | kApicBaseEnable | kApicBaseX2apic);
  WriteMsr(kMsrX2apicTpr, 0);
  WriteMsr(kMsrX2apicSvr, kSvrEnable | kSpuriousVector);
  WriteMsr(kMsrX2apicDivide, kDivideBy1);
  WriteMsr(kMsrX2apicLvtTimer, kTimerVector | (g_tsc_deadline ? kLvtTscDeadline : 0));
}

void ArmTimerAtTsc(uint64_t tsc) {
  if (g_tsc_deadline) {
    WriteMsr(kMsrTscDeadline, tsc);
    return;
  }
  // One-shot count mode: convert the distance to APIC ticks, capped (an
  // early interrupt just re-arms).
  if (tsc == 0) {
    WriteMsr(kMsrX2apicInitialCount, 0);
    return;
  }
  uint64_t now = ReadTsc();
  uint64_t delta = tsc > now ? tsc - now : 1;
  uint64_t ticks = static_cast<uint64_t>(static_cast<unsigned __int128>(delta) *
                                         kApicTicksPerMs / g_tsc_khz);
  if (ticks == 0) ticks = 1;
  if (ticks > 0xffffffffull) ticks = 0xffffffffull;
  WriteMsr(kMsrX2apicInitialCount, ticks);
}

void EndOfInterrupt() { WriteMsr(kMsrX2apicEoi, 0); }

uint32_t LocalApicId() { return static_cast<uint32_t>(ReadMsr(kMsrX2apicId)); }

void SendIpi(uint32_t apic_id, uint8_t vector) {
  // x2APIC: one 64-bit write, destination in the high half, physical mode,
  // fixed delivery.
  WriteMsr(kMsrX2apicIcr, (static_cast<uint64_t>(apic_id) << 32) | kIcrAssert | vector);
}

}  // namespace platform
