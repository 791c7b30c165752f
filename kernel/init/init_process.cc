#include "kernel/init/init_process.h"

#include "kernel/fs/host_file.h"
#include "kernel/fs/mount_namespace.h"
#include "kernel/ktl/format.h"
#include "kernel/ktl/panic.h"
#include "kernel/ktl/string.h"
#include "kernel/loader/initial_stack.h"
#include "kernel/loader/loader.h"
#include "kernel/loader/program_search.h"
#include "kernel/mm/physical_memory.h"
#include "kernel/sched/scheduler.h"
#include "kernel/syscalls/fs_support.h"
#include "kernel/task/exec.h"
#include "kernel/task/exit.h"
#include "kernel/task/process_registry.h"
#include "kernel/task/task.h"
#include "platform_kvm/guest/address.h"
#include "platform_kvm/guest/context_switch.h"
#include "platform_kvm/guest/cpu.h"
#include "platform_kvm/guest/hypercall.h"

namespace sentry {
namespace {

using ringfence::abi::BootInfo;

// The shell's status for "found but cannot execute".
constexpr int kCannotExecuteStatus = 126;
constexpr int kNotFoundStatus = 127;

void InstallStdio(Process& process, const BootInfo& boot) {
  for (uint32_t fd = 0; fd < 3; ++fd) {
    const auto& stdio = boot.stdio[fd];
    if (!stdio.is_open) continue;
    auto* file = new (std::nothrow) fs::HostFile(fd, stdio.open_flags, stdio.file_type,
                                                 stdio.is_terminal != 0,
                                                 /*inode=*/fd + 1);
    if (file == nullptr) ktl::Panic("out of memory creating stdio");
    auto installed = process.files().InstallAt(static_cast<int>(fd), file, false, 3);
    file->Unref();  // the table holds its own reference
    if (!installed.ok()) ktl::Panic("cannot install stdio");
  }
}

// The shell's statuses: 127 when a file is missing (the program or its
// interpreter), 126 when it exists but cannot be executed.
[[noreturn]] void FailExec(ktl::StringView path, const loader::ExecDiagnostic& diagnostic,
                           ktl::Errno error) {
  char line[512];
  const char* reason = diagnostic.reason ? diagnostic.reason : "exec format error";
  if (diagnostic.subject[0] != '\0') {
    ktl::FormatTo(line, sizeof(line), "ringfence: cannot execute %s: %s: %s (%s)\n", path,
                  reason, diagnostic.subject, ktl::ErrnoName(error));
  } else {
    ktl::FormatTo(line, sizeof(line), "ringfence: cannot execute %s: %s (%s)\n", path, reason,
                  ktl::ErrnoName(error));
  }
  platform::WriteToStderr(line, ktl::StrLen(line));
  ExitProcess(error == ktl::Errno::kENOENT ? kNotFoundStatus : kCannotExecuteStatus);
}

// The words a shell prints for the errors of finding a program.
const char* Describe(ktl::Errno error) {
  switch (error) {
    case ktl::Errno::kENOENT:
      return "No such file or directory";
    case ktl::Errno::kEACCES:
      return "Permission denied";
    case ktl::Errno::kENOTDIR:
      return "Not a directory";
    case ktl::Errno::kELOOP:
      return "Too many levels of symbolic links";
    case ktl::Errno::kENAMETOOLONG:
      return "File name too long";
    default:
      return "cannot open";
  }
}

// The program named `name` could not be found or opened: bash's message
// ("command not found" for a searched name) and status.
[[noreturn]] void FailFind(const vfs::Caller& caller, ktl::StringView name, ktl::Errno error) {
  char line[512];
  if (error == ktl::Errno::kENOENT && loader::IsSearchedName(name)) {
    ktl::FormatTo(line, sizeof(line), "ringfence: %s: command not found\n", name);
  } else {
    auto attr = fs::MountNamespace().Stat(caller, name, 0);
    bool directory =
        error == ktl::Errno::kEACCES && attr.ok() && vfs::IsDirMode(attr.value().mode);
    ktl::FormatTo(line, sizeof(line), "ringfence: %s: %s (%s)\n", name,
                  directory ? "Is a directory" : Describe(error), ktl::ErrnoName(error));
  }
  platform::WriteToStderr(line, ktl::StrLen(line));
  ExitProcess(error == ktl::Errno::kENOENT ? kNotFoundStatus : kCannotExecuteStatus);
}

// Execs the program the boot arguments name into `process`: found in the
// sandbox's own file system, searched in its PATH like execvp(3).
loader::LoadedProgram ExecFirstProgram(Process& process, const BootInfo& boot) {
  const char* strings = static_cast<const char*>(platform::PhysToVirt(boot.args_gpa));
  ktl::StringView exec_path(strings, ktl::StrNLen(strings, boot.args_bytes));
  if (exec_path.size() == boot.args_bytes) ktl::Panic("malformed boot arguments");
  loader::ExecDiagnostic diagnostic;
  auto arguments = loader::ExecArguments::Copy(
      {strings + exec_path.size() + 1, boot.args_bytes - exec_path.size() - 1}, boot.argc,
      boot.envc);
  if (!arguments.ok()) ktl::Panic("malformed boot arguments");

  vfs::Credentials creds = syscalls::FsCredentials();  // the current task's: `process`
  const FsContext& context = process.fs_context();
  vfs::Caller caller{context.root, context.cwd, creds, context.umask};
  std::optional<ktl::StringView> search_path = arguments.value().Getenv("PATH");
  auto found = loader::FindProgram(fs::MountNamespace(), caller, exec_path,
                                   search_path ? *search_path : loader::kDefaultSearchPath);
  if (!found.ok()) FailFind(caller, exec_path, found.error());
  // The path that opened it is what execvp would have passed to execve.
  ktl::StringView filename(found.value().path.data(), found.value().path.size() - 1);
  auto prepared = loader::PrepareExec(fs::MountNamespace(), caller, found.value().file,
                                      filename, std::move(arguments).value(), &diagnostic);
  if (!prepared.ok()) FailExec(filename, diagnostic, prepared.error());
  auto limits = loader::CheckArgumentLimits(prepared.value().arguments, filename,
                                            process.rlimit(linux_abi::kRlimitStack).cur);
  if (!limits.ok()) {
    diagnostic.reason = "arguments and environment too large";
    FailExec(filename, diagnostic, limits.error());
  }
  auto loaded = loader::LoadProgram(process, process.address_space(), prepared.value(),
                                    filename, &diagnostic.reason);
  if (!loaded.ok()) FailExec(filename, diagnostic, loaded.error());
  loader::RecordProgramImage(process, prepared.value(), filename);
  return loaded.value();
}

}  // namespace

void StartInitProcess(const BootInfo& boot) {
  // At boot CR3 holds the Sentry's own page table.
  mm::AddressSpace* memory =
      NewUserAddressSpace(platform::ReadCr3() & platform::kPteAddressMask);
  if (memory == nullptr) ktl::Panic("cannot create the first address space");
  auto* process = new (std::nothrow) Process(1, memory);
  if (process == nullptr) ktl::Panic("cannot create the first process");
  Credentials& creds = process->credentials();
  creds.uid = creds.euid = creds.suid = boot.uid;
  creds.gid = creds.egid = creds.sgid = boot.gid;

  auto created = Task::Create(1, process);
  if (!created.ok()) ktl::Panic("cannot create the first task");
  Task* task = created.value();
  SetCurrentTask(task);
  memory->Activate();
  InstallStdio(*process, boot);
  fs::MountFileSystems(boot);
  process->fs_context().root = fs::MountNamespace().root();
  process->fs_context().cwd = fs::InitialWorkingDirectory(boot);

  loader::LoadedProgram loaded = ExecFirstProgram(*process, boot);
  if (!RegisterProcess(process->pid(), process).ok()) ktl::Panic("cannot register the first process");

  // The first entry to ring 3 is the scheduler's first switch to the task;
  // this boot context becomes the vCPU's idle thread.
  platform::TrapFrame frame = ProgramEntryFrame(loaded.entry, loaded.stack_pointer);
  task->thread().saved_rsp = platform::PrepareNewThreadStack(task->kernel_stack_top(), frame);
  sched::MakeRunnable(task->thread());
  sched::RunIdleLoop();
}

}  // namespace sentry
