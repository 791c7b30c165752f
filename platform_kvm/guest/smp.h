// Several vCPUs in one Sentry: the big kernel lock that serialises it, the
// TLB shootdown between vCPUs, and starting the application processors.
//
// The big kernel lock (BKL). The Sentry runs with interrupts off and is not
// written for concurrency, so exactly one vCPU runs Sentry code at a time:
// every entry from ring 3 (syscall, exception, interrupt) takes the lock,
// and the return to ring 3 releases it. A thread that blocks keeps it across
// the context switch (the lock belongs to the vCPU, not to the thread: the
// next thread on this vCPU carries on holding it), and the idle loop
// releases it around HLT. Ring-3 code on other vCPUs runs in parallel.
//
// TLB shootdown. Page-table changes happen under the BKL; other vCPUs may be
// running ring-3 code of the same address space meanwhile. The vCPU that
// changed a mapping interrupts every other vCPU whose CR3 holds that table
// (kTlbShootdownVector) and waits until each has flushed; an idle vCPU holds
// the kernel page table (see RunIdleLoop), so it gets none. The handler takes
// no lock, and a vCPU spinning for the BKL (interrupts off) serves pending
// requests while it spins, so the wait always ends.
#ifndef RINGFENCE_PLATFORM_KVM_GUEST_SMP_H_
#define RINGFENCE_PLATFORM_KVM_GUEST_SMP_H_

#include <cstdint>

namespace platform {

// --- big kernel lock -----------------------------------------------------
void BklAcquire();
void BklRelease();
// For assertions: whether the calling vCPU holds it.
bool BklHeldHere();

// --- page tables and TLB shootdown ----------------------------------------
// The boot page table (kernel half only, plus the boot identity maps): what
// a vCPU loads when the table it had is freed. Set once at boot.
void SetKernelPageTable(uint64_t root);
uint64_t KernelPageTable();
// Loads page table `root` into CR3 unless this vCPU already has it.
void LoadPageTable(uint64_t root);
// After changing the mappings of [start, end) in page table `root`: flushes
// them here if loaded, and on every other vCPU that has `root` loaded
// (waiting for them). BKL held.
void InvalidateTlbRange(uint64_t root, uint64_t start, uint64_t end);
// Before page table `root` is freed: every vCPU that has it loaded
// (including this one) switches to the kernel page table. BKL held.
void RetirePageTable(uint64_t root);
// The interrupt handler of kTlbShootdownVector, and the poll of the BKL
// spin loop: serves this vCPU's pending request, if any.
void ServeTlbShootdown();
// How many shootdown IPIs this Sentry has sent (--stats).
uint64_t ShootdownIpisSent();

// --- vCPUs ----------------------------------------------------------------
uint32_t CpuCount();
// Boot CPU: records how many vCPUs the sandbox has.
void SetCpuCount(uint32_t count);
// Boot CPU, BKL held: asks the VMM to start every application processor at
// sentry_ap_entry on a fresh stack; each runs SentryApMain(index).
void StartApplicationProcessors();

}  // namespace platform

#endif  // RINGFENCE_PLATFORM_KVM_GUEST_SMP_H_
