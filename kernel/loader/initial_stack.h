// The initial stack of a new program image, laid out as Linux's
// create_elf_tables does, built in kernel memory and copied out at once.
//
// From the top (highest address) down:
//   8 zero bytes, the exec filename (AT_EXECFN), the envp strings, the argv
//   strings (so argv's strings then envp's run upwards contiguously: what
//   /proc/PID/cmdline and environ read), the platform string
//   (AT_PLATFORM), 16 random bytes (AT_RANDOM), padding to 16 bytes, then
//   auxv pairs, envp[] + NULL, argv[] + NULL and argc at the stack pointer,
//   which is 16-byte aligned (the x86-64 psABI's process entry state).
#ifndef RINGFENCE_KERNEL_LOADER_INITIAL_STACK_H_
#define RINGFENCE_KERNEL_LOADER_INITIAL_STACK_H_

#include <cstdint>
#include <span>

#include "kernel/ktl/result.h"
#include "kernel/ktl/string.h"
#include "kernel/ktl/vector.h"
#include "kernel/loader/exec_arguments.h"

namespace sentry::loader {

// Linux's limits on exec arguments (bprm_stack_limits, MAX_ARG_STRLEN).
inline constexpr uint64_t kMaxArgStringBytes = 32 * 4096;  // one string, NUL included
inline constexpr uint64_t kMinArgSpace = 32 * 4096;        // ARG_MAX
inline constexpr uint64_t kMaxArgSpace = 6ull << 20;       // 3/4 of _STK_LIM

struct AuxEntry {
  uint64_t type;
  uint64_t value;
};

struct StackRequest {
  uint64_t top = 0;  // the stack's end (exclusive), 16-byte aligned
  const ExecArguments* arguments = nullptr;
  ktl::StringView execfn;
  ktl::StringView platform;
  std::span<const uint8_t> random;  // 16 bytes
  // Every entry but AT_NULL; the values of AT_EXECFN, AT_PLATFORM and
  // AT_RANDOM are filled in with where those strings and bytes land.
  std::span<const AuxEntry> auxv;
  uint64_t stack_limit = 8ull << 20;  // RLIMIT_STACK: bounds the strings (E2BIG)
};

struct StackImage {
  ktl::Vector<uint8_t> bytes;  // what goes at [stack_pointer, top)
  uint64_t stack_pointer = 0;
  // Where the strings went (mm->arg_start/arg_end/env_start/env_end).
  uint64_t arg_start = 0, arg_end = 0;
  uint64_t env_start = 0, env_end = 0;
};

// Whether `arguments` and `execfn` fit the stack exec would build (the
// checks BuildStackImage makes first): lets execve fail with E2BIG before
// its point of no return.
ktl::Result<void> CheckArgumentLimits(const ExecArguments& arguments, ktl::StringView execfn,
                                      uint64_t stack_limit);

// Argument space for a stack limit: a quarter of it, at least kMinArgSpace
// and at most kMaxArgSpace (pointers included).
uint64_t ArgumentSpace(uint64_t stack_limit);

// E2BIG if a string is longer than kMaxArgStringBytes or the strings and
// their pointers exceed a quarter of stack_limit (clamped to
// [kMinArgSpace, kMaxArgSpace]), as Linux.
ktl::Result<StackImage> BuildStackImage(const StackRequest& request);

}  // namespace sentry::loader

#endif  // RINGFENCE_KERNEL_LOADER_INITIAL_STACK_H_
