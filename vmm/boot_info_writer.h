// Fills BootInfo and the argument block in guest memory.
#ifndef RINGFENCE_VMM_BOOT_INFO_WRITER_H_
#define RINGFENCE_VMM_BOOT_INFO_WRITER_H_

#include "absl/status/status.h"
#include "platform_kvm/abi/boot_info.h"
#include "vmm/guest_memory.h"
#include "vmm/sandbox.h"

namespace ringfence::vmm {

// Writes `info` (with argc/envc/args filled in here) and the exec path, argv
// and envp strings. Fails with E2BIG-like InvalidArgument when the strings
// do not fit the argument region.
absl::Status WriteBootInfo(const GuestMemory& memory, const SandboxConfig& config,
                           abi::BootInfo info);

}  // namespace ringfence::vmm

#endif  // RINGFENCE_VMM_BOOT_INFO_WRITER_H_
