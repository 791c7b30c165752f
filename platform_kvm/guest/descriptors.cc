// GDT, IDT, TSS and SYSCALL setup for each vCPU.
#include "platform_kvm/guest/cpu.h"
#include "platform_kvm/guest/percpu.h"
#include "platform_kvm/guest/trap_frame.h"

extern "C" const uint64_t trap_stub_table[256];
extern "C" void syscall_entry();

namespace platform {
namespace {

PerCpu g_cpus[kMaxCpus];

struct [[gnu::packed]] DescriptorTablePointer {
  uint16_t limit;
  uint64_t base;
};

struct IdtGate {
  uint16_t offset_low;
  uint16_t selector;
  uint8_t ist;
  uint8_t type_attributes;
  uint16_t offset_middle;
  uint32_t offset_high;
  uint32_t reserved;
};
static_assert(sizeof(IdtGate) == 16);

IdtGate g_idt[256];

// Stacks for faults that must not trust the current stack (#DF, NMI, #MC).
constexpr size_t kIstStackSize = 8192;
alignas(16) uint8_t g_ist_stacks[kMaxCpus][kIstStackSize];

constexpr uint64_t kCodeSegment64 = 0x00209a0000000000ull;      // P, S, exec/read, L
constexpr uint64_t kDataSegment = 0x0000920000000000ull;        // P, S, read/write
constexpr uint64_t kDplUser = 3ull << 45;
constexpr uint64_t kRflagsMaskOnSyscall = 0x47700;  // TF IF DF IOPL NT AC cleared

void BuildIdtOnce() {
  static bool built = false;
  if (built) return;
  built = true;
  for (int vector = 0; vector < 256; ++vector) {
    uint64_t handler = trap_stub_table[vector];
    IdtGate& gate = g_idt[vector];
    gate.offset_low = static_cast<uint16_t>(handler);
    gate.selector = kKernelCodeSelector;
    // #DF, NMI and #MC run on IST1; breakpoint and overflow may be raised
    // from ring 3 with int3/into, so those gates have DPL 3.
    gate.ist = (vector == 2 || vector == 8 || vector == 18) ? 1 : 0;
    bool user_callable = vector == 3 || vector == 4;
    gate.type_attributes = 0x8e | (user_callable ? 0x60 : 0);  // present interrupt gate
    gate.offset_middle = static_cast<uint16_t>(handler >> 16);
    gate.offset_high = static_cast<uint32_t>(handler >> 32);
    gate.reserved = 0;
  }
}

}  // namespace

void InitCpu(uint32_t index) {
  PerCpu& cpu = g_cpus[index];
  cpu.self = &cpu;
  cpu.index = index;

  // Layout fixed by STAR: 0x18 is a placeholder 32-bit user code slot,
  // user data at 0x20 and 64-bit user code at 0x28.
  cpu.gdt[0] = 0;
  cpu.gdt[1] = kCodeSegment64;
  cpu.gdt[2] = kDataSegment;
  cpu.gdt[3] = 0;
  cpu.gdt[4] = kDataSegment | kDplUser;
  cpu.gdt[5] = kCodeSegment64 | kDplUser;
  uint64_t tss_base = reinterpret_cast<uint64_t>(&cpu.tss);
  uint64_t tss_limit = sizeof(Tss) - 1;
  cpu.gdt[6] = (tss_limit & 0xffff) | ((tss_base & 0xffffff) << 16) |
               (0x89ull << 40) | ((tss_base >> 24) & 0xff) << 56;
  cpu.gdt[7] = tss_base >> 32;
  cpu.tss.iomap_base = sizeof(Tss);  // no I/O permission bitmap: ring 3 gets #GP on in/out
  cpu.tss.ist[0] = reinterpret_cast<uint64_t>(&g_ist_stacks[index][kIstStackSize]);

  DescriptorTablePointer gdtr = {sizeof(cpu.gdt) - 1, reinterpret_cast<uint64_t>(cpu.gdt)};
  // Load the GDT, then reload CS with a far return and the data segments.
  asm volatile(
      "lgdt %0\n\t"
      "pushq %1\n\t"
      "leaq 1f(%%rip), %%rax\n\t"
      "pushq %%rax\n\t"
      "lretq\n"
      "1:\n\t"
      "movw %w2, %%ax\n\t"
      "movw %%ax, %%ds\n\t"
      "movw %%ax, %%es\n\t"
      "movw %%ax, %%ss\n\t"
      "xorl %%eax, %%eax\n\t"
      "movw %%ax, %%fs\n\t"
      "movw %%ax, %%gs\n\t"
      :
      : "m"(gdtr), "i"(static_cast<uint64_t>(kKernelCodeSelector)),
        "r"(static_cast<uint32_t>(kKernelDataSelector))
      : "rax", "memory");
  asm volatile("ltr %w0" ::"r"(static_cast<uint32_t>(kTssSelector)));

  BuildIdtOnce();
  DescriptorTablePointer idtr = {sizeof(g_idt) - 1, reinterpret_cast<uint64_t>(g_idt)};
  asm volatile("lidt %0" ::"m"(idtr));

  // %gs -> this block in ring 0; the user's %gs base starts at 0.
  WriteMsr(kMsrGsBase, reinterpret_cast<uint64_t>(&cpu));
  WriteMsr(kMsrKernelGsBase, 0);
  WriteMsr(kMsrStar, (static_cast<uint64_t>(0x18) << 48) |
                         (static_cast<uint64_t>(kKernelCodeSelector) << 32));
  WriteMsr(kMsrLstar, reinterpret_cast<uint64_t>(&syscall_entry));
  WriteMsr(kMsrSfmask, kRflagsMaskOnSyscall);
}

PerCpu& CpuData(uint32_t index) { return g_cpus[index]; }

void SetKernelStack(uint64_t stack_top) {
  PerCpu* cpu = ThisCpu();
  cpu->kernel_rsp = stack_top;
  cpu->tss.rsp[0] = stack_top;
}

}  // namespace platform
