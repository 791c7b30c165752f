// execve's point of no return: the calling task's process drops its old
// program and runs a prepared one (kernel/loader/exec_prepare.h), as
// Linux's begin_new_exec + load_elf_binary + start_thread.
#ifndef RINGFENCE_KERNEL_TASK_EXEC_H_
#define RINGFENCE_KERNEL_TASK_EXEC_H_

#include "kernel/ktl/result.h"
#include "kernel/ktl/string.h"
#include "kernel/loader/exec_prepare.h"
#include "kernel/task/task.h"

namespace sentry {

// A new, empty user address space sharing the kernel half of `kernel_root`,
// the Sentry's own page table (which it also loads before it is freed);
// null when out of memory.
mm::AddressSpace* NewUserAddressSpace(uint64_t kernel_root);

// The registers a new program starts with (start_thread): all zero but
// rip, rsp, the user segments and RFLAGS with IF set.
platform::TrapFrame ProgramEntryFrame(uint64_t entry, uint64_t stack_pointer);

// Replaces `task`'s program with `prepared`; `filename` is the path the
// exec was given (AT_EXECFN, comm; see loader::RecordProgramImage for
// `comm_from_file`). On return `task.frame()` enters the new
// program. Everything that can fail with an errno was checked before (the
// caller ran PrepareExec and loader::CheckArgumentLimits); a failure to
// load the image now kills the process with SIGSEGV, as on Linux.
//
// The new image gets a fresh address space (the old one is freed), the
// close-on-exec fds closed, caught signals reset to SIG_DFL (ignored ones
// stay ignored), no alternate signal stack, the FPU and FS/GS bases in
// their initial state, no robust list or clear_child_tid. The blocked mask
// and pending signals are kept.
void ExecReplaceImage(Task& task, const loader::PreparedExec& prepared,
                      ktl::StringView filename, bool comm_from_file);

}  // namespace sentry

#endif  // RINGFENCE_KERNEL_TASK_EXEC_H_
