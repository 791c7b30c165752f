#include "platform_kvm/guest/steal_time.h"

#include <atomic>

#include "platform_kvm/guest/address.h"
#include "platform_kvm/guest/cpu.h"
#include "platform_kvm/guest/percpu.h"

namespace platform {
namespace {

constexpr uint32_t kMsrKvmStealTime = 0x4b564d03;
constexpr uint64_t kMsrEnable = 1;

// KVM's struct kvm_steal_time (Documentation/virt/kvm/x86/msr.rst): KVM
// makes `version` odd while it updates the rest.
struct alignas(64) StealTimeArea {
  uint64_t steal;
  uint32_t version;
  uint32_t flags;
  uint8_t preempted;
  uint8_t pad8[3];
  uint32_t pad32[11];
};
static_assert(sizeof(StealTimeArea) == 64);

StealTimeArea g_areas[kMaxCpus];
bool g_enabled = false;  // written once, before the other vCPUs start

}  // namespace

void EnableStealTime(bool supported) {
  g_enabled = supported;
  RegisterStealTime();
}

void RegisterStealTime() {
  uint32_t cpu = ThisCpu()->index;
  if (!g_enabled || cpu >= kMaxCpus) return;
  g_areas[cpu] = {};
  WriteMsr(kMsrKvmStealTime, KernelVirtToPhys(&g_areas[cpu]) | kMsrEnable);
}

bool StealTimeEnabled() { return g_enabled; }

int64_t StealNs(uint32_t cpu) {
  if (!g_enabled || cpu >= kMaxCpus) return 0;
  volatile StealTimeArea& area = g_areas[cpu];
  for (;;) {
    uint32_t version = area.version;
    std::atomic_thread_fence(std::memory_order_acquire);
    uint64_t steal = area.steal;
    std::atomic_thread_fence(std::memory_order_acquire);
    if ((version & 1) == 0 && area.version == version) return static_cast<int64_t>(steal);
  }
}

}  // namespace platform
