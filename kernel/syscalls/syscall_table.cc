#include "kernel/syscalls/syscall_table.h"

#include <type_traits>

#include "kernel/ktl/format.h"
#include "kernel/syscalls/handlers.h"
#include "kernel/syscalls/strace.h"
#include "kernel/task/task.h"
#include "platform_kvm/guest/hypercall.h"

namespace sentry::syscalls {
namespace {

// Narrows a raw 64-bit register to a handler's declared parameter type, the
// way Linux's syscall wrappers do: an `int` argument sees only the low 32
// bits, whatever the app left in the upper half.
template <typename T>
T FromRegister(uint64_t raw) {
  if constexpr (std::is_same_v<T, UserAddress>) {
    return UserAddress{raw};
  } else {
    static_assert(std::is_integral_v<T>, "syscall parameters are integers or user addresses");
    return static_cast<T>(raw);
  }
}

template <typename Signature>
struct Invoker;

template <typename... Params>
struct Invoker<ktl::Result<int64_t>(Params...)> {
  template <ktl::Result<int64_t> (*Handler)(Params...), size_t... Index>
  static int64_t Call(const uint64_t* args, std::index_sequence<Index...>) {
    ktl::Result<int64_t> result = Handler(FromRegister<Params>(args[Index])...);
    // The one place an errno becomes -errno.
    return result.ok() ? result.value() : -static_cast<int64_t>(result.error());
  }
  template <ktl::Result<int64_t> (*Handler)(Params...)>
  static int64_t Invoke(const uint64_t* args) {
    static_assert(sizeof...(Params) <= 6, "x86-64 passes at most six arguments");
    return Call<Handler>(args, std::index_sequence_for<Params...>{});
  }
};

constexpr SyscallInfo kUnimplemented = {nullptr, nullptr, nullptr};

struct Table {
  SyscallInfo entries[kSyscallTableSize];
  constexpr Table() : entries() {
    for (auto& entry : entries) entry = kUnimplemented;
#define SENTRY_TABLE_ENTRY(number, name, format, params)                                  \
  static_assert(number < kSyscallTableSize);                                             \
  entries[number] = {#name, format,                                                      \
                     &Invoker<decltype(sys_##name)>::template Invoke<&sys_##name>};
    SENTRY_SYSCALLS(SENTRY_TABLE_ENTRY)
#undef SENTRY_TABLE_ENTRY
  }
};
constexpr Table kTable;

bool g_strace = false;
uint64_t g_counts[kSyscallTableSize];
uint64_t g_unknown_logged[kSyscallTableSize / 64];

void NoteUnimplemented(uint64_t number) {
  if (number < kSyscallTableSize) {
    uint64_t bit = 1ull << (number % 64);
    if (g_unknown_logged[number / 64] & bit) return;
    g_unknown_logged[number / 64] |= bit;
  }
  if (!g_strace) return;
  char line[96];
  size_t length = ktl::FormatTo(line, sizeof(line),
                                "ringfence: unimplemented syscall %lu (ENOSYS)\n", number);
  platform::WriteToStderr(line, length < sizeof(line) ? length : sizeof(line) - 1);
}

}  // namespace

const SyscallInfo* LookupSyscall(uint64_t number) {
  return number < kSyscallTableSize ? &kTable.entries[number] : nullptr;
}

void EnableStrace(bool enabled) { g_strace = enabled; }

void DispatchSyscall(platform::TrapFrame& frame) {
  uint64_t number = frame.rax;
  const uint64_t args[6] = {frame.rdi, frame.rsi, frame.rdx, frame.r10, frame.r8, frame.r9};
  const SyscallInfo* info = LookupSyscall(number);
  if (info == nullptr || info->invoke == nullptr) {
    NoteUnimplemented(number);
    frame.rax = static_cast<uint64_t>(-static_cast<int64_t>(ktl::Errno::kENOSYS));
    return;
  }
  ++g_counts[number];
  if (g_strace) TraceEntry(*info, args);  // exit paths never return to print later
  int64_t result = info->invoke(args);
  if (g_strace) TraceResult(*info, args, result);
  frame.rax = static_cast<uint64_t>(result);
}

void PrintSyscallStats() {
  for (int number = 0; number < kSyscallTableSize; ++number) {
    if (g_counts[number] == 0) continue;
    char line[96];
    size_t length = ktl::FormatTo(line, sizeof(line), "ringfence-stats: syscall.%s %lu\n",
                                  kTable.entries[number].name, g_counts[number]);
    platform::WriteToStderr(line, length < sizeof(line) ? length : sizeof(line) - 1);
  }
}

}  // namespace sentry::syscalls
