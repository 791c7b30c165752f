// Thin wrappers over privileged x86-64 instructions. Each asm block is one
// instruction whose effect the name says; "memory" clobbers where the
// instruction orders or changes memory visible to the compiler.
#ifndef RINGFENCE_PLATFORM_KVM_GUEST_CPU_H_
#define RINGFENCE_PLATFORM_KVM_GUEST_CPU_H_

#include <cstdint>

namespace platform {

inline constexpr uint32_t kMsrEfer = 0xc0000080;
inline constexpr uint32_t kMsrStar = 0xc0000081;
inline constexpr uint32_t kMsrLstar = 0xc0000082;
inline constexpr uint32_t kMsrSfmask = 0xc0000084;
inline constexpr uint32_t kMsrFsBase = 0xc0000100;
inline constexpr uint32_t kMsrGsBase = 0xc0000101;
inline constexpr uint32_t kMsrKernelGsBase = 0xc0000102;

inline uint64_t ReadMsr(uint32_t msr) {
  uint32_t low, high;
  asm volatile("rdmsr" : "=a"(low), "=d"(high) : "c"(msr));
  return (static_cast<uint64_t>(high) << 32) | low;
}

inline void WriteMsr(uint32_t msr, uint64_t value) {
  asm volatile("wrmsr" ::"c"(msr), "a"(static_cast<uint32_t>(value)),
               "d"(static_cast<uint32_t>(value >> 32))
               : "memory");
}

inline uint64_t ReadCr2() {
  uint64_t value;
  asm volatile("mov %%cr2, %0" : "=r"(value));
  return value;
}
inline uint64_t ReadCr3() {
  uint64_t value;
  asm volatile("mov %%cr3, %0" : "=r"(value));
  return value;
}
inline void WriteCr3(uint64_t value) {
  asm volatile("mov %0, %%cr3" ::"r"(value) : "memory");
}
inline uint64_t ReadCr4() {
  uint64_t value;
  asm volatile("mov %%cr4, %0" : "=r"(value));
  return value;
}
inline void WriteCr4(uint64_t value) {
  asm volatile("mov %0, %%cr4" ::"r"(value) : "memory");
}

inline void InvalidatePage(uint64_t va) {
  asm volatile("invlpg (%0)" ::"r"(va) : "memory");
}

inline uint64_t ReadTsc() {
  uint32_t low, high;
  asm volatile("rdtsc" : "=a"(low), "=d"(high));
  return (static_cast<uint64_t>(high) << 32) | low;
}

struct CpuidResult {
  uint32_t eax, ebx, ecx, edx;
};
inline CpuidResult Cpuid(uint32_t leaf, uint32_t subleaf = 0) {
  CpuidResult r;
  asm volatile("cpuid"
               : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
               : "a"(leaf), "c"(subleaf));
  return r;
}

inline uint64_t ReadXcr0() {
  uint32_t low, high;
  asm volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
  return (static_cast<uint64_t>(high) << 32) | low;
}

// Saves the app's x87/SSE/AVX state (live in the CPU while the Sentry runs,
// which uses general registers only) into `area`: 64-byte aligned, as large
// as CPUID.(0xd,0).EBX says. `mask` selects the components (RFBM & XCR0).
inline void Xsave(void* area, uint64_t mask) {
  asm volatile("xsave64 %0" : "+m"(*static_cast<uint8_t(*)[576]>(area))
               : "a"(static_cast<uint32_t>(mask)), "d"(static_cast<uint32_t>(mask >> 32))
               : "memory");
}
// Loads the state from `area` (64-byte aligned, standard form). Faults with
// #GP on a malformed header or reserved MXCSR bits: validate first.
inline void Xrstor(const void* area, uint64_t mask) {
  asm volatile("xrstor64 %0" ::"m"(*static_cast<const uint8_t(*)[576]>(area)),
               "a"(static_cast<uint32_t>(mask)), "d"(static_cast<uint32_t>(mask >> 32))
               : "memory");
}
// The 512-byte legacy forms, for CPUs without XSAVE (16-byte aligned area).
inline void Fxsave(void* area) {
  asm volatile("fxsave64 %0" : "+m"(*static_cast<uint8_t(*)[512]>(area))::"memory");
}
inline void Fxrstor(const void* area) {
  asm volatile("fxrstor64 %0" ::"m"(*static_cast<const uint8_t(*)[512]>(area)) : "memory");
}

// The x87 control/status words and MXCSR of the app (live in the CPU):
// what #MF/#XM report. fnst* do not raise pending x87 exceptions.
inline uint16_t ReadX87ControlWord() {
  uint16_t value;
  asm volatile("fnstcw %0" : "=m"(value));
  return value;
}
inline uint16_t ReadX87StatusWord() {
  uint16_t value;
  asm volatile("fnstsw %0" : "=m"(value));
  return value;
}
inline uint32_t ReadMxcsr() {
  uint32_t value;
  asm volatile("stmxcsr %0" : "=m"(value));
  return value;
}

// Sends a 32-bit value to an I/O port: the hypercall doorbell.
inline void OutLong(uint16_t port, uint32_t value) {
  asm volatile("outl %0, %1" ::"a"(value), "Nd"(port) : "memory");
}

[[noreturn]] inline void HaltForever() {
  for (;;) asm volatile("cli; hlt");
}

}  // namespace platform

#endif  // RINGFENCE_PLATFORM_KVM_GUEST_CPU_H_
