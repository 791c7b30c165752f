// Starts the sandbox's first process from the BootInfo the VMM provided.
#ifndef RINGFENCE_KERNEL_INIT_INIT_PROCESS_H_
#define RINGFENCE_KERNEL_INIT_INIT_PROCESS_H_

#include "platform_kvm/abi/boot_info.h"

namespace sentry {

// Creates process 1, loads the executable and enters it in ring 3.
[[noreturn]] void StartInitProcess(const ringfence::abi::BootInfo& boot);

}  // namespace sentry

#endif  // RINGFENCE_KERNEL_INIT_INIT_PROCESS_H_
