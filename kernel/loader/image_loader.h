// Maps a prepared exec (exec_prepare.h) into a fresh address space and
// builds its initial stack: the part of execve after the point of no return.
//
// Layout, as Linux's load_elf_binary: an ET_EXEC program at its addresses;
// an ET_DYN one at kEtDynBase plus a random page offset; the ELF
// interpreter wherever mmap would put it (top-down below the randomized
// mmap base); the stack below a randomized top; brk a random distance after
// the program's last segment (never the interpreter's). Execution starts at
// the interpreter's entry when there is one, else the program's.
//
// The address space and the kernel's facts come through ExecMemory and
// LoadFacts, so hosted tests run the same code against a fake.
#ifndef RINGFENCE_KERNEL_LOADER_IMAGE_LOADER_H_
#define RINGFENCE_KERNEL_LOADER_IMAGE_LOADER_H_

#include <cstdint>
#include <span>

#include "kernel/ktl/result.h"
#include "kernel/ktl/string.h"
#include "kernel/loader/exec_file.h"
#include "kernel/loader/exec_prepare.h"
#include "kernel/mm/address_space.h"

namespace sentry::loader {

// Where ET_DYN programs go (Linux's ELF_ET_DYN_BASE, 2/3 of the space), the
// stack's top, and the randomization ranges in pages.
inline constexpr uint64_t kEtDynBase = 0x555555554000ull;
inline constexpr uint64_t kEtDynRandomPages = 1ull << 16;
inline constexpr uint64_t kStackTop = 0x7ffffffff000ull;
inline constexpr uint64_t kStackRandomPages = 1ull << 14;
inline constexpr uint64_t kMmapRandomPages = 1ull << 28;  // mmap_rnd_bits = 28
inline constexpr uint64_t kBrkRandomPages = 1ull << 13;
inline constexpr uint64_t kStackGrowRoom = 128 * 1024;  // the stack VMA beyond the strings
inline constexpr uint64_t kMinMmapGap = 128ull << 20;   // Linux keeps this below the stack

// The address space being built.
class ExecMemory {
 public:
  virtual ~ExecMemory() = default;
  // mmap of anonymous memory (MAP_FIXED when request.fixed).
  virtual ktl::Result<uint64_t> Map(const mm::MapRequest& request) = 0;
  virtual ktl::Result<void> Unmap(uint64_t address, uint64_t length) = 0;
  // Copies file bytes [offset, offset + length) to [address, ...), which is
  // mapped with any protection.
  virtual ktl::Result<void> Fill(ExecFile& file, uint64_t offset, uint64_t address,
                                 uint64_t length) = 0;
  // Copies kernel bytes to mapped, writable memory.
  virtual ktl::Result<void> CopyOut(uint64_t address, const void* data, size_t length) = 0;
  // Where top-down mmap placement starts.
  virtual void SetMmapBase(uint64_t address) = 0;
  virtual void SetBrk(uint64_t address) = 0;
};

// The kernel's random numbers.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // Uniform in [0, bound); bound > 0.
  virtual uint64_t Below(uint64_t bound) = 0;
  virtual void Fill(std::span<uint8_t> out) = 0;
};

// What the load takes from the kernel and the process.
struct LoadFacts {
  uint32_t uid = 0, euid = 0, gid = 0, egid = 0;
  uint64_t hwcap = 0;                 // AT_HWCAP: CPUID.1:EDX
  uint64_t stack_limit = 8ull << 20;  // RLIMIT_STACK's soft limit
  uint64_t min_signal_stack = 2048;   // AT_MINSIGSTKSZ
  RandomSource* random = nullptr;  // placements and AT_RANDOM's bytes
};

struct LoadedImage {
  uint64_t entry = 0;  // where the first instruction is
  uint64_t stack_pointer = 0;
  uint64_t program_bias = 0;       // added to the program's p_vaddr
  uint64_t interpreter_base = 0;   // AT_BASE (0 without an interpreter)
  uint64_t brk = 0;
  uint64_t arg_start = 0, arg_end = 0, env_start = 0, env_end = 0;
};

// `execfn` is the path the exec was given (AT_EXECFN). On failure *reason
// says what in words (the address space is then half-built: the caller
// discards it).
ktl::Result<LoadedImage> LoadImage(ExecMemory& memory, const PreparedExec& prepared,
                                   ktl::StringView execfn, const LoadFacts& facts,
                                   const char** reason);

}  // namespace sentry::loader

#endif  // RINGFENCE_KERNEL_LOADER_IMAGE_LOADER_H_
