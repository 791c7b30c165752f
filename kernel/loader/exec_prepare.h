// Preparing an exec: everything execve(2) checks before its point of no
// return, without touching the process. The loop follows #! lines (up to
// kMaxScriptNesting scripts, then ELOOP), reads and validates the ELF
// program and, for PT_INTERP, opens and validates its interpreter.
//
// Errors, as Linux reports them:
//   - neither an ELF file nor a #! script, or a malformed ELF: ENOEXEC;
//   - a #! interpreter or PT_INTERP that does not exist: ENOENT; one that
//     cannot be executed: EACCES (OpenExecutable's rules);
//   - an ELF interpreter that is not a valid x86-64 ELF file: ELIBBAD, EIO
//     if it is shorter than an ELF header. Stricter than Linux (as gVisor):
//     an interpreter that has a PT_INTERP itself is ELIBBAD too.
#ifndef RINGFENCE_KERNEL_LOADER_EXEC_PREPARE_H_
#define RINGFENCE_KERNEL_LOADER_EXEC_PREPARE_H_

#include "kernel/elf/elf_parser.h"
#include "kernel/ktl/result.h"
#include "kernel/ktl/string.h"
#include "kernel/loader/exec_arguments.h"
#include "kernel/loader/exec_file.h"
#include "kernel/vfs/vfs.h"

namespace sentry::loader {

// Scripts one exec may pass through before the ELF program: the fifth
// script's interpreter must be an ELF file (measured on Linux 6.x, whose
// exec_binprm allows depth 0..5).
inline constexpr int kMaxScriptNesting = 5;

// Why an exec failed, in words, for the one-line message a user sees.
struct ExecDiagnostic {
  const char* reason = nullptr;  // static text; null: the errno says it all
  char subject[128] = {};        // the interpreter it concerns, if any (may be cut)
};

struct PreparedExec {
  vfs::RefPtr<ExecFile> program;  // the ELF file that runs (a script's interpreter)
  elf::ElfImage image;
  vfs::RefPtr<ExecFile> interpreter;  // the PT_INTERP file, or null
  elf::ElfImage interpreter_image;
  ExecArguments arguments;  // after the #! rewrites
};

// `file` was opened (OpenExecutable) from `filename`, the path the exec was
// given; #! and PT_INTERP paths resolve like it, from `caller`.
ktl::Result<PreparedExec> PrepareExec(vfs::Vfs& vfs, const vfs::Caller& caller,
                                      vfs::RefPtr<ExecFile> file, ktl::StringView filename,
                                      ExecArguments arguments, ExecDiagnostic* diagnostic);

}  // namespace sentry::loader

#endif  // RINGFENCE_KERNEL_LOADER_EXEC_PREPARE_H_
