// The Sentry side of exec: loading a prepared exec (exec_prepare.h) into a
// process's address space through image_loader.h, and the executable the CLI
// hands the VMM as a file the loader can read.
#ifndef RINGFENCE_KERNEL_LOADER_LOADER_H_
#define RINGFENCE_KERNEL_LOADER_LOADER_H_

#include <cstdint>

#include "kernel/ktl/result.h"
#include "kernel/ktl/string.h"
#include "kernel/loader/exec_file.h"
#include "kernel/loader/exec_prepare.h"
#include "kernel/task/task.h"

namespace sentry::loader {

struct LoadedProgram {
  uint64_t entry;
  uint64_t stack_pointer;
};

// The executable behind VMM handle `handle`, read through hypercalls.
ktl::Result<vfs::RefPtr<ExecFile>> OpenHandleExecFile(uint32_t handle);

// Maps `prepared` into `process`'s address space, which must be empty, and
// records the new image on the process (ProgramImage). `execfn` is the path
// the exec was given (AT_EXECFN). On failure `reason` says why in words.
ktl::Result<LoadedProgram> LoadProgram(Process& process, const PreparedExec& prepared,
                                       ktl::StringView execfn, const char** reason);

}  // namespace sentry::loader

#endif  // RINGFENCE_KERNEL_LOADER_LOADER_H_
