// Per-vCPU data, reached through %gs in the Sentry (KERNEL_GS_BASE holds it
// while ring 3 runs; SWAPGS on every entry and exit).
#ifndef RINGFENCE_PLATFORM_KVM_GUEST_PERCPU_H_
#define RINGFENCE_PLATFORM_KVM_GUEST_PERCPU_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "platform_kvm/abi/hypercall.h"

namespace platform {

inline constexpr int kMaxCpus = 64;

// x86-64 task-state segment: only the stack pointers matter in long mode.
struct [[gnu::packed]] Tss {
  uint32_t reserved0;
  uint64_t rsp[3];
  uint64_t reserved1;
  uint64_t ist[7];
  uint64_t reserved2;
  uint16_t reserved3;
  uint16_t iomap_base;
};
static_assert(sizeof(Tss) == 104);

struct PerCpu {
  PerCpu* self;             // %gs:0, so C++ can find the block
  uint64_t kernel_rsp;      // %gs:8, top of the running task's kernel stack
  uint64_t user_rsp;        // %gs:16, scratch for the SYSCALL entry
  void* current_task;       // the kernel's Task running on this vCPU
  uint32_t index;
  // One hypercall at a time per vCPU; the VMM reads it by physical address.
  ringfence::abi::HypercallRequest hypercall;
  // The page table CR3 holds (physical address): TLB shootdowns go to the
  // vCPUs that have the changed table loaded (smp.h).
  std::atomic<uint64_t> loaded_root;
  // TLB shootdown mailbox, written by the BKL holder before it sets
  // flush_pending and waits for this vCPU to clear it.
  uint64_t flush_root;
  uint64_t flush_start;
  uint64_t flush_end;
  bool flush_retire;  // switch to the kernel page table if flush_root is loaded
  std::atomic<bool> flush_pending;
  alignas(16) uint64_t gdt[8];
  Tss tss;
};
static_assert(offsetof(PerCpu, kernel_rsp) == 8);   // entry.S
static_assert(offsetof(PerCpu, user_rsp) == 16);    // entry.S

inline PerCpu* ThisCpu() {
  PerCpu* self;
  asm volatile("movq %%gs:0, %0" : "=r"(self));
  return self;
}

// Sets up the descriptor tables, TSS, SYSCALL MSRs and %gs for vCPU `index`
// and loads them on the calling vCPU.
void InitCpu(uint32_t index);

// vCPU `index`'s block (index < kMaxCpus).
PerCpu& CpuData(uint32_t index);

// Points the TSS's ring-0 stack and the SYSCALL entry stack at `stack_top`.
void SetKernelStack(uint64_t stack_top);

}  // namespace platform

#endif  // RINGFENCE_PLATFORM_KVM_GUEST_PERCPU_H_
