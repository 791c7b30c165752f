// Loads a static or static-PIE ELF executable into a fresh address space and
// builds its initial stack (argc, argv, envp, auxv) as Linux does.
#ifndef RINGFENCE_KERNEL_LOADER_LOADER_H_
#define RINGFENCE_KERNEL_LOADER_LOADER_H_

#include <cstdint>

#include "kernel/ktl/result.h"
#include "kernel/task/task.h"

namespace sentry::loader {

struct ProgramArguments {
  const char* exec_path;  // AT_EXECFN
  const char* strings;    // argv strings then envp strings, NUL-separated
  uint32_t argc;
  uint32_t envc;
};

struct LoadedProgram {
  uint64_t entry;
  uint64_t stack_pointer;
};

// Loads the executable behind VMM handle `exec_handle`. On failure `reason`
// says why in words (for the one-line error the user sees).
ktl::Result<LoadedProgram> LoadProgram(Process& process, uint32_t exec_handle,
                                       const ProgramArguments& arguments, const char** reason);

}  // namespace sentry::loader

#endif  // RINGFENCE_KERNEL_LOADER_LOADER_H_
