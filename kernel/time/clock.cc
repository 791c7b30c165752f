#include "kernel/time/clock.h"

#include "kernel/ktl/panic.h"
#include "platform_kvm/abi/hypercall.h"
#include "platform_kvm/guest/address.h"
#include "platform_kvm/guest/cpu.h"
#include "platform_kvm/guest/hypercall.h"

namespace sentry::time {
namespace {

struct ClockBase {
  uint64_t tsc;             // TSC at the sample
  int64_t realtime_ns;      // host clocks at that TSC
  int64_t monotonic_ns;
  uint64_t ns_per_tsc_q32;  // nanoseconds per TSC tick, 32.32 fixed point
  uint64_t tsc_khz;
};
ClockBase g_base;

int64_t ElapsedNs() {
  uint64_t ticks = platform::ReadTsc() - g_base.tsc;
  // 64x64->128 multiply (one `mul`), so no overflow for centuries of uptime.
  unsigned __int128 product = static_cast<unsigned __int128>(ticks) * g_base.ns_per_tsc_q32;
  return static_cast<int64_t>(product >> 32);
}

}  // namespace

void InitClock(uint64_t tsc_khz) {
  if (tsc_khz == 0) ktl::Panic("the VMM reported no TSC frequency");
  ringfence::abi::TimeSample sample = {};
  uint64_t before = platform::ReadTsc();
  platform::Hypercall(ringfence::abi::Hypercall::kGetTime, platform::KernelVirtToPhys(&sample));
  uint64_t after = platform::ReadTsc();
  g_base.tsc = before + (after - before) / 2;  // the host read its clocks in between
  g_base.realtime_ns = sample.realtime_ns;
  g_base.monotonic_ns = sample.monotonic_ns;
  g_base.ns_per_tsc_q32 = (1000000ull << 32) / tsc_khz;
  g_base.tsc_khz = tsc_khz;
}

uint64_t TscAtMonotonicNs(int64_t monotonic_ns) {
  if (monotonic_ns <= g_base.monotonic_ns) return g_base.tsc;
  auto ns = static_cast<unsigned __int128>(monotonic_ns - g_base.monotonic_ns);
  return g_base.tsc + static_cast<uint64_t>(ns * g_base.tsc_khz / 1000000);
}

int64_t MonotonicNs() { return g_base.monotonic_ns + ElapsedNs(); }
int64_t RealtimeNs() { return g_base.realtime_ns + ElapsedNs(); }
int64_t SinceBootNs() { return ElapsedNs(); }

}  // namespace sentry::time
