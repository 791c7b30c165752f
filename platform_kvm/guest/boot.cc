// The Sentry's C++ entry point: checks what the VMM handed over, brings the
// vCPU to its final state, then starts the first process.
#include "kernel/init/init_process.h"
#include "kernel/ktl/panic.h"
#include "kernel/mm/physical_memory.h"
#include "kernel/random/entropy.h"
#include "kernel/sched/scheduler.h"
#include "kernel/syscalls/syscall_table.h"
#include "kernel/task/exit.h"
#include "kernel/task/system_info.h"
#include "kernel/time/clock.h"
#include "platform_kvm/abi/boot_info.h"
#include "platform_kvm/guest/cpu.h"
#include "platform_kvm/guest/hypercall.h"
#include "platform_kvm/guest/page_table.h"
#include "platform_kvm/guest/percpu.h"
#include "platform_kvm/guest/smp.h"
#include "platform_kvm/guest/steal_time.h"

extern "C" void (*const __init_array_start[])();
extern "C" void (*const __init_array_end[])();

namespace platform {
namespace {

using ringfence::abi::BootInfo;

constexpr uint64_t kCr4Osxsave = 1ull << 18;
constexpr uint64_t kCr4Smep = 1ull << 20;
constexpr uint64_t kCr4Smap = 1ull << 21;

void CheckBootInfo(const BootInfo& boot) {
  if (boot.magic != ringfence::abi::kBootInfoMagic ||
      boot.version != ringfence::abi::kBootInfoVersion) {
    ktl::Panic("BootInfo magic/version mismatch between VMM and Sentry");
  }
  if (boot.free_phys_start >= boot.memory_bytes || boot.args_gpa + boot.args_bytes > boot.memory_bytes) {
    ktl::Panic("BootInfo ranges outside guest memory");
  }
}

// SMEP and SMAP stop ring 0 from running or touching user pages by mistake;
// the Sentry reaches user memory only through the physmap. XCR0 comes set
// from the VMM (vmm/vcpu.cc); OSXSAVE is set again here because under
// nested virtualization the CR4 the guest reads back may lack it.
void EnableCpuProtections() {
  CpuidResult leaf7 = Cpuid(7, 0);
  uint64_t cr4 = ReadCr4();
  if (leaf7.ebx & (1u << 7)) cr4 |= kCr4Smep;
  if (leaf7.ebx & (1u << 20)) cr4 |= kCr4Smap;
  if (Cpuid(1).ecx & (1u << 26)) cr4 |= kCr4Osxsave;
  WriteCr4(cr4);
}

uint64_t g_tsc_khz = 0;  // for the application processors' LAPIC timers

void RunGlobalConstructors() {
  for (auto* constructor = __init_array_start; constructor != __init_array_end; ++constructor) {
    (*constructor)();
  }
}

}  // namespace
}  // namespace platform

extern "C" [[noreturn]] void SentryMain(const ringfence::abi::BootInfo* boot) {
  platform::InitCpu(0);
  // The boot CPU holds the big kernel lock until the first return to ring 3.
  platform::BklAcquire();
  platform::CheckBootInfo(*boot);
  platform::SetKernelPageTable(platform::ReadCr3() & platform::kPteAddressMask);
  platform::SetCpuCount(boot->vcpu_count);
  platform::EnableCpuProtections();
  platform::RunGlobalConstructors();
  sentry::mm::InitPhysicalMemory(boot->free_phys_start, boot->memory_bytes);
  sentry::time::InitClock(boot->tsc_khz);
  sentry::sched::InitCpu(boot->tsc_khz);
  platform::g_tsc_khz = boot->tsc_khz;
  platform::EnableStealTime((boot->flags & ringfence::abi::kBootFlagStealTime) != 0);
  platform::StartApplicationProcessors();
  sentry::InitEntropy(boot->random_seed);
  sentry::SetHostname(boot->hostname);
  platform::EnableLog((boot->flags & ringfence::abi::kBootFlagLog) != 0);
  sentry::syscalls::EnableStrace((boot->flags & ringfence::abi::kBootFlagStrace) != 0);
  sentry::SetPrintStatsAtExit((boot->flags & ringfence::abi::kBootFlagStats) != 0);
  sentry::StartInitProcess(*boot);
}

// An application processor (entry.S, sentry_ap_entry): the same per-vCPU
// setup as the boot CPU, then it idles until the scheduler gives it work.
extern "C" [[noreturn]] void SentryApMain(uint32_t index) {
  platform::InitCpu(index);
  platform::LoadPageTable(platform::KernelPageTable());
  platform::EnableCpuProtections();
  platform::BklAcquire();
  platform::RegisterStealTime();
  sentry::sched::InitCpu(platform::g_tsc_khz);
  sentry::sched::RunIdleLoop();
}
