// BootInfo: what the VMM tells the Sentry before its first instruction.
//
// The VMM writes it at kBootInfoGpa and passes its physmap address in %rdi.
// The Sentry treats it as data from a trusted-at-boot source but still checks
// the magic, version and ranges, so a VMM/Sentry mismatch fails loudly.
#ifndef RINGFENCE_PLATFORM_KVM_ABI_BOOT_INFO_H_
#define RINGFENCE_PLATFORM_KVM_ABI_BOOT_INFO_H_

#include <cstdint>

#include "platform_kvm/abi/gofer.h"

namespace ringfence::abi {

inline constexpr uint64_t kBootInfoMagic = 0x65636e6567726952ull;  // "Ringfence"
inline constexpr uint32_t kBootInfoVersion = 1;

// Handles of host files the VMM holds for the guest. The Sentry only ever
// names these small integers; it never sees a host fd number.
inline constexpr uint32_t kHandleStdin = 0;
inline constexpr uint32_t kHandleStdout = 1;
inline constexpr uint32_t kHandleStderr = 2;
inline constexpr uint32_t kHandleLog = 4;  // the Sentry's debug log (--log)
// Handles from here on are handed out at run time (Gofer-opened files).
inline constexpr uint32_t kFirstDynamicHandle = 8;
inline constexpr uint32_t kMaxHandles = 1024;

// BootInfo::flags bits.
inline constexpr uint64_t kBootFlagStrace = 1 << 0;  // print every syscall to stderr
inline constexpr uint64_t kBootFlagStats = 1 << 1;   // print syscall counts at exit
inline constexpr uint64_t kBootFlagLog = 1 << 2;     // kHandleLog is open: Sentry log lines go there
inline constexpr uint64_t kBootFlagStealTime = 1 << 3;  // KVM reports steal time (MSR_KVM_STEAL_TIME)

// --- Gofer mounts ---------------------------------------------------------
// One file tree served by a Gofer (platform_kvm/abi/gofer.h). Mount 0, when
// present, is the sandbox's root; the others are volumes.
inline constexpr uint32_t kGoferMountReadOnly = 1 << 0;
inline constexpr uint32_t kBootPathMax = 256;  // guest paths, with the NUL
struct GoferMountInfo {
  uint32_t flags;             // kGoferMountReadOnly
  uint32_t reserved;
  char guest_path[kBootPathMax];  // absolute, NUL-terminated
};

// How one of the app's initial stdio descriptors looks on the host.
struct StdioInfo {
  uint32_t open_flags;  // host F_GETFL result (O_ACCMODE | O_APPEND | ...)
  uint32_t file_type;   // host st_mode & S_IFMT
  uint8_t is_open;      // 0: the descriptor was closed when the sandbox started
  uint8_t is_terminal;
  uint16_t reserved;
};

struct BootInfo {
  uint64_t magic;
  uint32_t version;
  uint32_t vcpu_count;
  uint64_t memory_bytes;     // size of guest physical memory
  uint64_t free_phys_start;  // first page the Sentry may allocate
  uint64_t tsc_khz;          // guest TSC frequency
  uint64_t flags;            // kBootFlag* bits
  uint64_t args_gpa;         // exec path, argv, envp: NUL-terminated strings
  uint64_t args_bytes;
  uint32_t argc;
  uint32_t envc;
  uint32_t uid;
  uint32_t gid;
  StdioInfo stdio[3];
  uint8_t random_seed[32];   // from the host's getrandom
  char hostname[65];         // NUL-terminated
  uint8_t reserved[7];
  // Gofer-served mounts; 0 means a tmpfs root and no host files.
  uint32_t gofer_mount_count;
  uint32_t reserved2;
  GoferMountInfo gofer_mounts[kMaxGoferMounts];
  char cwd[kBootPathMax];  // initial working directory, NUL-terminated ("/" if too long)
};
static_assert(sizeof(BootInfo) <= 4096);

}  // namespace ringfence::abi

#endif  // RINGFENCE_PLATFORM_KVM_ABI_BOOT_INFO_H_
