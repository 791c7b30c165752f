#include "kernel/init/init_process.h"

#include "kernel/fs/host_file.h"
#include "kernel/fs/mount_namespace.h"
#include "kernel/ktl/format.h"
#include "kernel/ktl/panic.h"
#include "kernel/ktl/string.h"
#include "kernel/loader/loader.h"
#include "kernel/mm/physical_memory.h"
#include "kernel/sched/scheduler.h"
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

[[noreturn]] void FailExec(const char* path, const char* reason, ktl::Errno error) {
  char line[512];
  ktl::FormatTo(line, sizeof(line), "ringfence: cannot execute %s: %s (%s)\n",
                                path, reason ? reason : "exec format error",
                                ktl::ErrnoName(error));
  platform::WriteToStderr(line, ktl::StrLen(line));
  ExitProcess(kCannotExecuteStatus);
}

}  // namespace

void StartInitProcess(const BootInfo& boot) {
  auto* memory = new (std::nothrow) mm::AddressSpace(ringfence::abi::kUserAddressEnd);
  if (memory == nullptr || !memory->Init(platform::ReadCr3() & platform::kPteAddressMask).ok()) {
    ktl::Panic("cannot create the first address space");
  }
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

  const char* strings = static_cast<const char*>(platform::PhysToVirt(boot.args_gpa));
  loader::ProgramArguments arguments;
  arguments.exec_path = strings;
  arguments.strings = strings + ktl::StrLen(strings) + 1;
  arguments.argc = boot.argc;
  arguments.envc = boot.envc;
  const char* reason = nullptr;
  auto loaded = loader::LoadProgram(*process, ringfence::abi::kHandleExecutable, arguments,
                                    &reason);
  if (!loaded.ok()) FailExec(arguments.exec_path, reason, loaded.error());
  process->SetExecutable(arguments.exec_path);
  if (!RegisterProcess(process->pid(), process).ok()) ktl::Panic("cannot register the first process");

  // The first entry to ring 3 is the scheduler's first switch to the task;
  // this boot context becomes the vCPU's idle thread.
  platform::TrapFrame frame = {};
  frame.rip = loaded.value().entry;
  frame.rsp = loaded.value().stack_pointer;
  frame.cs = platform::kUserCodeSelector;
  frame.ss = platform::kUserDataSelector;
  frame.rflags = 0x202;  // IF set, as Linux starts processes
  task->thread().saved_rsp = platform::PrepareNewThreadStack(task->kernel_stack_top(), frame);
  sched::MakeRunnable(task->thread());
  sched::RunIdleLoop();
}

}  // namespace sentry
