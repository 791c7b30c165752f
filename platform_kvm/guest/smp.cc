#include "platform_kvm/guest/smp.h"

#include <atomic>

#include "kernel/ktl/panic.h"
#include "kernel/mm/physical_memory.h"
#include "platform_kvm/abi/hypercall.h"
#include "platform_kvm/guest/address.h"
#include "platform_kvm/guest/cpu.h"
#include "platform_kvm/guest/hypercall.h"
#include "platform_kvm/guest/lapic.h"
#include "platform_kvm/guest/page_table.h"
#include "platform_kvm/guest/percpu.h"

extern "C" void sentry_ap_entry();

namespace platform {
namespace {

constexpr uint32_t kNoOwner = ~0u;
// Spins before a waiting vCPU asks the host to run the others: on an
// overcommitted host the lock holder may be a descheduled thread.
constexpr uint32_t kSpinsBeforeYield = 2048;
// Beyond this many pages a full flush is cheaper than INVLPG each.
constexpr uint64_t kMaxInvlpgPages = 32;
constexpr size_t kApStackPages = 4;

// Ticket lock: vCPUs get the BKL in arrival order.
std::atomic<uint32_t> g_next_ticket{0};
std::atomic<uint32_t> g_now_serving{0};
std::atomic<uint32_t> g_owner{kNoOwner};

uint64_t g_kernel_root = 0;
std::atomic<uint64_t> g_shootdown_ipis{0};
uint32_t g_cpu_count = 1;

void Pause() { __builtin_ia32_pause(); }

void FlushLocal(uint64_t start, uint64_t end) {
  if ((end - start) / sentry::mm::kPageSize > kMaxInvlpgPages) {
    WriteCr3(ReadCr3());  // user pages are not global: this drops them all
    return;
  }
  for (uint64_t page = start; page < end; page += sentry::mm::kPageSize) InvalidatePage(page);
}

// Posts a request to every other vCPU that has `root` loaded and waits until
// all have served it. BKL held, so no other request is in flight.
void ShootDown(uint64_t root, uint64_t start, uint64_t end, bool retire) {
  uint32_t self = ThisCpu()->index;
  bool posted[kMaxCpus] = {};
  for (uint32_t i = 0; i < g_cpu_count; ++i) {
    PerCpu& cpu = CpuData(i);
    if (i == self || cpu.loaded_root.load(std::memory_order_acquire) != root) continue;
    cpu.flush_root = root;
    cpu.flush_start = start;
    cpu.flush_end = end;
    cpu.flush_retire = retire;
    cpu.flush_pending.store(true, std::memory_order_release);
    SendIpi(i, kTlbShootdownVector);
    g_shootdown_ipis.fetch_add(1, std::memory_order_relaxed);
    posted[i] = true;
  }
  for (uint32_t i = 0; i < g_cpu_count; ++i) {
    if (!posted[i]) continue;
    while (CpuData(i).flush_pending.load(std::memory_order_acquire)) Pause();
  }
}

}  // namespace

void BklAcquire() {
  uint32_t ticket = g_next_ticket.fetch_add(1, std::memory_order_relaxed);
  uint32_t spins = 0;
  while (g_now_serving.load(std::memory_order_acquire) != ticket) {
    // Interrupts are off: serve shootdowns here, or the holder waiting for
    // this vCPU's acknowledgment would never get it.
    ServeTlbShootdown();
    Pause();
    if (++spins == kSpinsBeforeYield) {
      spins = 0;
      Hypercall(ringfence::abi::Hypercall::kYield);
    }
  }
  g_owner.store(ThisCpu()->index, std::memory_order_relaxed);
}

void BklRelease() {
  KTL_ASSERT(BklHeldHere());
  g_owner.store(kNoOwner, std::memory_order_relaxed);
  g_now_serving.fetch_add(1, std::memory_order_release);
}

bool BklHeldHere() { return g_owner.load(std::memory_order_relaxed) == ThisCpu()->index; }

void SetKernelPageTable(uint64_t root) {
  g_kernel_root = root;
  ThisCpu()->loaded_root.store(root, std::memory_order_release);
}

uint64_t KernelPageTable() { return g_kernel_root; }

void LoadPageTable(uint64_t root) {
  PerCpu* cpu = ThisCpu();
  if (cpu->loaded_root.load(std::memory_order_relaxed) == root) return;
  // Publish before loading: a shootdown that reads the old value may skip
  // this vCPU, which is fine, as the CR3 write flushes the old table anyway.
  cpu->loaded_root.store(root, std::memory_order_release);
  WriteCr3(root);
}

void InvalidateTlbRange(uint64_t root, uint64_t start, uint64_t end) {
  if (ThisCpu()->loaded_root.load(std::memory_order_relaxed) == root) FlushLocal(start, end);
  if (g_cpu_count > 1) ShootDown(root, start, end, /*retire=*/false);
}

void RetirePageTable(uint64_t root) {
  if (ThisCpu()->loaded_root.load(std::memory_order_relaxed) == root) LoadPageTable(g_kernel_root);
  if (g_cpu_count > 1) ShootDown(root, 0, 0, /*retire=*/true);
}

void ServeTlbShootdown() {
  PerCpu* cpu = ThisCpu();
  if (!cpu->flush_pending.load(std::memory_order_acquire)) return;
  if (cpu->loaded_root.load(std::memory_order_relaxed) == cpu->flush_root) {
    if (cpu->flush_retire) {
      LoadPageTable(g_kernel_root);
    } else {
      FlushLocal(cpu->flush_start, cpu->flush_end);
    }
  }
  cpu->flush_pending.store(false, std::memory_order_release);
}

uint64_t ShootdownIpisSent() { return g_shootdown_ipis.load(std::memory_order_relaxed); }

uint32_t CpuCount() { return g_cpu_count; }

void SetCpuCount(uint32_t count) {
  g_cpu_count = count == 0 ? 1 : (count > kMaxCpus ? kMaxCpus : count);
}

void StartApplicationProcessors() {
  for (uint32_t index = 1; index < g_cpu_count; ++index) {
    auto stack = sentry::mm::PhysicalPages().AllocContiguous(kApStackPages);
    if (!stack.ok()) ktl::Panic("no memory for an application processor's stack");
    uint64_t top = reinterpret_cast<uint64_t>(PhysToVirt(stack.value())) +
                   kApStackPages * sentry::mm::kPageSize;
    int64_t result = Hypercall(ringfence::abi::Hypercall::kStartCpu, index,
                               reinterpret_cast<uint64_t>(&sentry_ap_entry), top);
    if (result != 0) ktl::Panic("the VMM refused to start an application processor");
  }
}

}  // namespace platform
