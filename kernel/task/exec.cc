#include "kernel/task/exec.h"

#include "kernel/abi/linux.h"
#include "kernel/loader/loader.h"
#include "kernel/signal/fpu_state.h"
#include "kernel/syscalls/fs_support.h"
#include "kernel/task/exit.h"
#include "platform_kvm/abi/memory_layout.h"
#include "platform_kvm/guest/cpu.h"
#include "platform_kvm/guest/page_table.h"

namespace sentry {
namespace {

// flush_signal_handlers: a caught signal goes back to its default action
// (the handler is gone with the old image); an ignored one stays ignored.
// Flags, restorer and mask are cleared either way.
void ResetSignalActions(Process& process) {
  for (int signal = 1; signal <= linux_abi::kNumSignals; ++signal) {
    linux_abi::SigAction& action = process.signal_action(signal);
    uint64_t handler =
        action.handler == linux_abi::kSigIgnore ? linux_abi::kSigIgnore : linux_abi::kSigDefault;
    action = {handler, 0, 0, 0};
  }
}

// do_close_on_exec: the fds marked FD_CLOEXEC close, each dropping the
// process's POSIX locks on its file as close(2) does.
void CloseOnExecFiles(Process& process) {
  fs::FdTable& files = process.files();
  for (size_t fd = 0; fd < files.slot_count(); ++fd) {
    auto close_on_exec = files.CloseOnExec(static_cast<int>(fd));
    if (!close_on_exec.ok() || !close_on_exec.value()) continue;
    auto file = files.Get(static_cast<int>(fd));
    if (file.ok()) syscalls::ReleasePosixLocks(*file.value());
    (void)files.Close(static_cast<int>(fd));
  }
}

// The thread's user state outside the address space, as a new process
// starts: FPU/SSE in the init state, no FS/GS base, no altstack, no robust
// list or clear_child_tid.
void ResetThreadState(Task& task) {
  signal::ResetFpuForHandler();
  task.fs_base = 0;
  task.gs_base = 0;
  platform::WriteMsr(platform::kMsrFsBase, 0);
  platform::WriteMsr(platform::kMsrKernelGsBase, 0);  // the user's, after SWAPGS
  task.alt_stack() = {0, linux_abi::kSsDisable, 0, 0};
  task.robust_list_head = 0;
  task.robust_list_length = 0;
  task.clear_child_tid = 0;
}

// The syscall's frame becomes the new program's entry state (rcx != rip
// makes the return use IRET).
void EnterProgram(platform::TrapFrame& frame, const loader::LoadedProgram& loaded) {
  platform::TrapFrame entry = ProgramEntryFrame(loaded.entry, loaded.stack_pointer);
  entry.vector = frame.vector;
  entry.error_code = frame.error_code;
  frame = entry;
}

}  // namespace

platform::TrapFrame ProgramEntryFrame(uint64_t entry, uint64_t stack_pointer) {
  platform::TrapFrame frame = {};
  frame.rip = entry;
  frame.rsp = stack_pointer;
  frame.cs = platform::kUserCodeSelector;
  frame.ss = platform::kUserDataSelector;
  frame.rflags = 0x202;  // IF set, as Linux starts processes
  return frame;
}

mm::AddressSpace* NewUserAddressSpace(uint64_t kernel_root) {
  auto* memory = new (std::nothrow) mm::AddressSpace(ringfence::abi::kUserAddressEnd);
  if (memory == nullptr) return nullptr;
  if (!memory->Init(kernel_root).ok()) {
    delete memory;
    return nullptr;
  }
  return memory;
}

void ExecReplaceImage(Task& task, const loader::PreparedExec& prepared,
                      ktl::StringView filename, bool comm_from_file) {
  Process& process = task.process();
  // Linux's de_thread: the other threads of the group end first. (The
  // survivor keeps its own tid; Linux gives it the leader's.)
  KillOtherThreads(task);

  // The new image is built in a new address space; the old one stays
  // active (and the process keeps running in it) until the load is done.
  // The Sentry's own table, not CR3: that is the caller's, which this frees.
  mm::AddressSpace* memory = NewUserAddressSpace(process.address_space().kernel_root());
  if (memory == nullptr) KillProcess(linux_abi::kSigSegv);
  const char* reason = nullptr;
  auto loaded = loader::LoadProgram(process, *memory, prepared, filename, &reason);
  if (!loaded.ok()) {
    memory->Unref();
    KillProcess(linux_abi::kSigSegv);
  }
  process.ReplaceAddressSpace(memory);

  CloseOnExecFiles(process);
  ResetSignalActions(process);
  ResetThreadState(task);
  loader::RecordProgramImage(process, prepared, filename, comm_from_file);
  EnterProgram(task.frame(), loaded.value());
}

}  // namespace sentry
