// Syscall dispatch: number -> handler, with --strace and --stats support.
#ifndef RINGFENCE_KERNEL_SYSCALLS_SYSCALL_TABLE_H_
#define RINGFENCE_KERNEL_SYSCALLS_SYSCALL_TABLE_H_

#include <cstdint>

#include "platform_kvm/guest/trap_frame.h"

namespace sentry::syscalls {

inline constexpr int kSyscallTableSize = 512;

struct SyscallInfo {
  const char* name;    // nullptr: not implemented (ENOSYS)
  const char* format;  // strace argument formats (syscall_list.h)
  int64_t (*invoke)(const uint64_t* args);  // returns value or -errno
};

// The table entry for `number`, or nullptr if out of range.
const SyscallInfo* LookupSyscall(uint64_t number);

// Runs the syscall in `frame` (rax = number, rdi..r9 = arguments) and puts
// the result in frame->rax.
void DispatchSyscall(platform::TrapFrame& frame);

void EnableStrace(bool enabled);
// Writes "ringfence-stats: syscall.<name> <count>" lines to stderr.
void PrintSyscallStats();

}  // namespace sentry::syscalls

#endif  // RINGFENCE_KERNEL_SYSCALLS_SYSCALL_TABLE_H_
