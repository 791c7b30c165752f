// Tasks (threads) and processes (thread groups).
//
// This milestone runs one process with one thread, but the split is the
// Linux one so that fork/clone can grow into it: the address space, fd
// table, signal actions and limits belong to the process; the signal mask,
// alternate stack and TLS belong to the task.
#ifndef RINGFENCE_KERNEL_TASK_TASK_H_
#define RINGFENCE_KERNEL_TASK_TASK_H_

#include <cstdint>
#include <utility>

#include "kernel/abi/linux.h"
#include "kernel/fs/fd_table.h"
#include "kernel/mm/address_space.h"
#include "kernel/vfs/mount.h"
#include "platform_kvm/guest/trap_frame.h"

namespace sentry {

struct Credentials {
  uint32_t uid = 0, euid = 0, suid = 0;
  uint32_t gid = 0, egid = 0, sgid = 0;
};

// Where a process's paths start: its root (chroot) and working directory,
// and the umask applied to the modes of files it creates.
struct FsContext {
  vfs::Path root;
  vfs::Path cwd;
  uint32_t umask = 022;
};

// The program a process runs, as exec left it: what /proc/PID/exe links to
// and where /proc/PID/cmdline and environ read (mm->arg_start... in Linux).
struct ProgramImage {
  vfs::Path executable;  // invalid when the file is not in the VFS
  uint64_t arg_start = 0, arg_end = 0;  // argv's strings, NUL-separated
  uint64_t env_start = 0, env_end = 0;  // envp's strings
};

class Process {
 public:
  Process(int32_t pid, mm::AddressSpace* address_space);
  Process(const Process&) = delete;

  int32_t pid() const { return pid_; }
  int32_t parent_pid() const { return parent_pid_; }
  mm::AddressSpace& address_space() { return *address_space_; }
  fs::FdTable& files() { return files_; }
  FsContext& fs_context() { return fs_context_; }
  Credentials& credentials() { return credentials_; }
  linux_abi::SigAction& signal_action(int signal) { return actions_[signal - 1]; }
  linux_abi::Rlimit& rlimit(int resource) { return rlimits_[resource]; }
  const ProgramImage& program_image() const { return program_image_; }
  void set_program_image(ProgramImage image) { program_image_ = std::move(image); }

 private:
  int32_t pid_;
  int32_t parent_pid_ = 0;  // the sandbox's first process has no parent inside it
  mm::AddressSpace* address_space_;
  fs::FdTable files_;
  FsContext fs_context_;
  Credentials credentials_;
  linux_abi::SigAction actions_[linux_abi::kNumSignals] = {};
  linux_abi::Rlimit rlimits_[linux_abi::kRlimitCount];
  ProgramImage program_image_;
};

class Task {
 public:
  Task(int32_t tid, Process* process, uint64_t kernel_stack_top)
      : tid_(tid), process_(process), kernel_stack_top_(kernel_stack_top) {}
  Task(const Task&) = delete;

  int32_t tid() const { return tid_; }
  Process& process() { return *process_; }
  mm::AddressSpace& address_space() { return process_->address_space(); }
  uint64_t kernel_stack_top() const { return kernel_stack_top_; }

  // The user register frame of the current entry into the Sentry.
  platform::TrapFrame& frame() { return *frame_; }
  void set_frame(platform::TrapFrame* frame) { frame_ = frame; }

  uint64_t blocked_signals() const { return blocked_signals_; }
  void set_blocked_signals(uint64_t mask);
  linux_abi::SignalStack& alt_stack() { return alt_stack_; }
  uint64_t clear_child_tid = 0;
  uint64_t robust_list_head = 0;
  uint64_t robust_list_length = 0;

 private:
  int32_t tid_;
  Process* process_;
  uint64_t kernel_stack_top_;
  platform::TrapFrame* frame_ = nullptr;
  uint64_t blocked_signals_ = 0;
  linux_abi::SignalStack alt_stack_ = {0, linux_abi::kSsDisable, 0, 0};
};

// The task running on this vCPU.
Task& CurrentTask();
void SetCurrentTask(Task* task);

// Bit for `signal` in a signal mask.
inline constexpr uint64_t SignalBit(int signal) { return 1ull << (signal - 1); }

}  // namespace sentry

#endif  // RINGFENCE_KERNEL_TASK_TASK_H_
