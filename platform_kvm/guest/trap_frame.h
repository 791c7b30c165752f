// The register frame every entry into the Sentry builds on the kernel stack
// (entry.S): syscalls, exceptions and interrupts alike, so that signal
// delivery and the return to user mode have one layout to work with.
#ifndef RINGFENCE_PLATFORM_KVM_GUEST_TRAP_FRAME_H_
#define RINGFENCE_PLATFORM_KVM_GUEST_TRAP_FRAME_H_

#include <cstddef>
#include <cstdint>

namespace platform {

// Segment selectors (see descriptors.cc). SYSRET requires user data to sit
// 8 bytes below user code; both are derived from the STAR base 0x18.
inline constexpr uint16_t kKernelCodeSelector = 0x08;
inline constexpr uint16_t kKernelDataSelector = 0x10;
inline constexpr uint16_t kUserDataSelector = 0x20 | 3;
inline constexpr uint16_t kUserCodeSelector = 0x28 | 3;
inline constexpr uint16_t kTssSelector = 0x30;

// `vector` holds this for frames built by the SYSCALL entry.
inline constexpr uint64_t kSyscallVector = 0x100;

struct TrapFrame {
  uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
  uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
  uint64_t vector;
  // The CPU's error code; for a syscall frame, the syscall number as it
  // entered (Linux's orig_ax), so a restarted syscall can be reissued.
  uint64_t error_code;
  // As the CPU pushes them for an interrupt (and entry.S for a syscall).
  uint64_t rip, cs, rflags, rsp, ss;

  bool FromUser() const { return (cs & 3) == 3; }
  bool IsSyscall() const { return vector == kSyscallVector; }
};
// entry.S hard-codes these offsets.
static_assert(offsetof(TrapFrame, rax) == 112);
static_assert(offsetof(TrapFrame, vector) == 120);
static_assert(offsetof(TrapFrame, rip) == 136);
static_assert(offsetof(TrapFrame, cs) == 144);
static_assert(sizeof(TrapFrame) == 176);

// Starts user execution with the register state in `frame` (which must be
// on the current kernel stack). Never returns.
extern "C" [[noreturn]] void ReturnToUser(TrapFrame* frame);

}  // namespace platform

#endif  // RINGFENCE_PLATFORM_KVM_GUEST_TRAP_FRAME_H_
