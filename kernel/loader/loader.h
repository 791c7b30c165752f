// The Sentry side of exec: loading a prepared exec (exec_prepare.h) into an
// address space through image_loader.h.
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

// Maps `prepared` into `memory`, which must be empty, for `process` (its
// credentials and stack limit), and records the argument ranges on
// `memory`. `execfn` is the path the exec was given (AT_EXECFN). On failure
// `reason` says why in words.
ktl::Result<LoadedProgram> LoadProgram(Process& process, mm::AddressSpace& memory,
                                       const PreparedExec& prepared, ktl::StringView execfn,
                                       const char** reason);

// Records on `process` the program it now runs: /proc/PID/exe is the file
// that runs (a script's interpreter), comm the last component of
// `filename`, the path the exec was given, or with `comm_from_file` (an
// exec of an fd itself, whose filename is "/dev/fd/N") the file's name.
void RecordProgramImage(Process& process, const PreparedExec& prepared,
                        ktl::StringView filename, bool comm_from_file = false);

}  // namespace sentry::loader

#endif  // RINGFENCE_KERNEL_LOADER_LOADER_H_
