// The hypercall ABI: the only way the Sentry reaches the host.
//
// The Sentry fills a HypercallRequest in guest memory and executes
// `out %eax, %dx` with dx = kHypercallPort and eax = the request's guest
// physical address. That single instruction causes KVM_EXIT_IO; the VMM copies
// the request out of guest memory, validates every field (the guest is
// hostile), performs at most one allow-listed host syscall on a handle it
// owns, and stores the result back into `result`.
//
// Buffers are described by GuestIovec arrays of guest physical ranges, so the
// Sentry can hand over user pages that are not physically contiguous without
// copying them, and the VMM serves them with a single readv/writev/preadv.
#ifndef RINGFENCE_PLATFORM_KVM_ABI_HYPERCALL_H_
#define RINGFENCE_PLATFORM_KVM_ABI_HYPERCALL_H_

#include <cstdint>

namespace ringfence::abi {

inline constexpr uint16_t kHypercallPort = 0x0510;
// Requests must be aligned so that they never straddle a page.
inline constexpr uint64_t kHypercallRequestAlign = 64;
// The most segments one I/O hypercall may carry (Linux's UIO_MAXIOV is 1024).
inline constexpr uint32_t kMaxHypercallIovecs = 256;
// The most bytes one I/O hypercall may move.
inline constexpr uint64_t kMaxHypercallIoBytes = 16ull << 20;

enum class Hypercall : uint32_t {
  // args[0] = exit status as the CLI should report it (0..255).
  kExit = 1,
  // args[0] = handle, args[1] = GPA of GuestIovec[args[2]].
  // Result: bytes transferred or -errno.
  kWritev = 2,
  kReadv = 3,
  // As kReadv/kWritev, plus args[3] = file offset.
  kPreadv = 4,
  kPwritev = 5,
  // args[0] = handle, args[1] = GPA of a HostStat to fill.
  kFstat = 6,
  // args[0] = handle, args[1] = TerminalRequest, args[2] = GPA of the output
  // buffer (a Linux struct termios for kTcgets, struct winsize for
  // kTiocgwinsz).
  kTerminalIoctl = 7,
  // args[0] = GPA of a TimeSample to fill with the host's clocks.
  kGetTime = 8,
  // The Sentry hit a fatal bug. args[0] = GPA of a message, args[1] = its
  // length, args[2] = GPA of a PanicRegisters block or 0.
  kPanic = 9,
  // A file request for the Gofer (platform_kvm/abi/gofer.h): args[0] = GPA
  // of a GoferRequest, args[1] = GPA of the GoferReply to fill. The VMM's
  // host work is one exchange on the Gofer's socket (send + recvmsg).
  kGofer = 10,
  // Releases a handle a kGofer open or create returned. args[0] = handle.
  kCloseHandle = 11,
  // Starts application processor args[0] (1 .. vcpu_count-1, once each) in
  // 64-bit ring 0 on the boot page tables, interrupts off, with rip =
  // args[1], rsp = args[2] and rdi = its index. -EINVAL for a bad index,
  // -EBUSY if it already runs.
  kStartCpu = 12,
  // The vCPU spins for a lock another vCPU holds: let the host run the
  // other vCPU threads (sched_yield) instead of burning this one's slice.
  kYield = 13,
};

inline constexpr uint32_t kHypercallCount = 14;

struct alignas(kHypercallRequestAlign) HypercallRequest {
  uint32_t number;    // enum Hypercall
  uint32_t reserved;  // must be zero
  uint64_t args[6];
  int64_t result;     // written by the VMM: >= 0 on success, -errno on error
};
static_assert(sizeof(HypercallRequest) == 64);

struct GuestIovec {
  uint64_t gpa;
  uint64_t length;
};
static_assert(sizeof(GuestIovec) == 16);

enum class TerminalRequest : uint64_t {
  kTcgets = 1,
  kTiocgwinsz = 2,
};

// What the Sentry learns from a host fstat: only what it needs to present a
// Linux stat of a host-backed file. No host inode or device numbers leak.
struct HostStat {
  uint32_t mode;  // S_IFMT bits and permission bits
  uint32_t reserved;
  uint64_t size;
  uint64_t block_size;
  int64_t mtime_ns;
};
static_assert(sizeof(HostStat) == 32);

struct TimeSample {
  int64_t realtime_ns;
  int64_t monotonic_ns;
};
static_assert(sizeof(TimeSample) == 16);

// Register snapshot the Sentry sends with kPanic so the VMM's crash report can
// show where it failed.
struct PanicRegisters {
  uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
  uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
  uint64_t rip, rflags, cr2, vector, error_code;
};
static_assert(sizeof(PanicRegisters) == 21 * 8);

}  // namespace ringfence::abi

#endif  // RINGFENCE_PLATFORM_KVM_ABI_HYPERCALL_H_
