// Crash reports: what the VMM prints when the guest dies (triple fault, failed
// entry, internal error, or a Sentry panic hypercall).
//
// The report shows the reason, the general and (when available) special
// registers, and a capstone disassembly of the code around RIP with the
// faulting instruction marked `=>`. Everything in it comes from a hostile
// guest, so formatting must cope with any register values and any bytes.
#ifndef RINGFENCE_VMM_CRASH_REPORT_H_
#define RINGFENCE_VMM_CRASH_REPORT_H_

#include <linux/kvm.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "platform_kvm/abi/hypercall.h"
#include "vmm/guest_page_walk.h"

namespace ringfence::vmm {

// How many code bytes a report shows at most, and how many of those come
// before RIP (context for "how did we get here").
inline constexpr size_t kCrashCodeBytes = 64;
inline constexpr size_t kCrashCodeBytesBeforeRip = 16;

// The exception the guest reported with a panic (PanicRegisters), if any.
struct CrashException {
  uint64_t vector = 0;
  uint64_t error_code = 0;
  uint64_t cr2 = 0;
};

struct CrashInfo {
  struct kvm_regs regs = {};
  // Present when KVM_GET_SREGS succeeded (cr0/cr2/cr3/cr4/efer, cs/ss).
  std::optional<struct kvm_sregs> sregs;
  std::optional<CrashException> exception;
  // Guest virtual address of code_bytes[0]; code_bytes may be empty when RIP
  // is unmapped. Normally filled by CollectCodeBytes().
  uint64_t code_address = 0;
  std::vector<uint8_t> code_bytes;
  // Words on the stack that point into the Sentry's code, nearest to RSP
  // first: the return addresses of a backtrace (plus stale ones; the Sentry
  // keeps no frame pointers). Normally filled by CollectStackCodeAddresses().
  std::vector<uint64_t> stack_code_addresses;
};

struct CodeBytes {
  uint64_t address = 0;        // guest virtual address of bytes[0]
  std::vector<uint8_t> bytes;  // empty when RIP itself is unmapped
};

// Reads up to kCrashCodeBytes of guest code around `rip` through the page
// tables at `cr3`: starting kCrashCodeBytesBeforeRip before RIP when that
// memory is mapped, otherwise at RIP, and stopping at the first unmapped page.
CodeBytes CollectCodeBytes(uint64_t rip, uint64_t cr3, GuestMemoryReader read);

// How many stack words CollectStackCodeAddresses() reads, and how many
// addresses it keeps at most.
inline constexpr size_t kStackWordsScanned = 1024;
inline constexpr size_t kStackCodeAddressesKept = 32;

// The words of the stack at `rsp` (through the page tables at `cr3`, up to
// the first unmapped page) that lie in [code_start, code_end).
std::vector<uint64_t> CollectStackCodeAddresses(uint64_t rsp, uint64_t cr3, GuestMemoryReader read,
                                                uint64_t code_start, uint64_t code_end);

// Converts the register block a Sentry panic hypercall carries into the KVM
// layout the report uses (copied field by field; the guest's values are only
// printed, never trusted).
struct kvm_regs KvmRegsFromPanicRegisters(const abi::PanicRegisters& panic);

// Multi-line, human-readable report ending in '\n', headed by `reason`, e.g.
// "triple fault (KVM_EXIT_SHUTDOWN)", "Sentry panic: <message>".
std::string FormatCrashReport(const std::string& reason, const CrashInfo& info);

// The same state for a vCPU that is still running (`ringfence` got SIGQUIT):
// a headline naming vCPU `index`, then what a crash report shows.
std::string FormatStateDump(int index, const CrashInfo& info);

}  // namespace ringfence::vmm

#endif  // RINGFENCE_VMM_CRASH_REPORT_H_
