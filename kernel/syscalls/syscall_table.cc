#include "kernel/syscalls/syscall_table.h"

#include "kernel/ktl/format.h"
#include "kernel/ktl/string.h"
#include "kernel/syscalls/handlers.h"
#include "kernel/syscalls/strace.h"
#include "kernel/syscalls/syscall_invoker.h"
#include "kernel/task/task.h"
#include "platform_kvm/guest/hypercall.h"

namespace sentry::syscalls {
namespace {

constexpr SyscallInfo kUnimplemented = {nullptr, nullptr, nullptr};

constexpr size_t FormatLength(const char* format) {
  size_t length = 0;
  while (format[length] != '\0') ++length;
  return length;
}

struct Table {
  SyscallInfo entries[kSyscallTableSize];
  constexpr Table() : entries() {
    for (auto& entry : entries) entry = kUnimplemented;
#define SENTRY_TABLE_ENTRY(number, name, format, params)                                  \
  static_assert(number < kSyscallTableSize);                                             \
  static_assert(FormatLength(format) == Invoker<decltype(sys_##name)>::kArity,            \
                #name ": the strace format must describe every argument");               \
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
  char line[96];
  ktl::FormatTo(line, sizeof(line),
                                "ringfence: unimplemented syscall %lu (ENOSYS)\n", number);
  platform::WriteToLog(line, ktl::StrLen(line));
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
    if (g_strace) TraceUnimplemented(number, args);
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
    ktl::FormatTo(line, sizeof(line), "ringfence-stats: syscall.%s %lu\n",
                                  kTable.entries[number].name, g_counts[number]);
    platform::WriteToStderr(line, ktl::StrLen(line));
  }
}

}  // namespace sentry::syscalls
