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
#include "kernel/ktl/intrusive_list.h"
#include "kernel/ktl/result.h"
#include "kernel/mm/address_space.h"
#include "kernel/sched/thread.h"
#include "kernel/signal/signal_state.h"
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
// (/proc/PID/cmdline and environ read the address space's argument ranges,
// as Linux's mm->arg_start...).
struct ProgramImage {
  vfs::Path executable;  // invalid when the file is not in the VFS
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
  // Pending group signals, group stop, timers (kernel/signal/).
  signal::ProcessSignals& signals() { return signals_; }
  linux_abi::Rlimit& rlimit(int resource) { return rlimits_[resource]; }
  const ProgramImage& program_image() const { return program_image_; }
  void set_program_image(ProgramImage image) { program_image_ = std::move(image); }

  // Live threads in the group (kernel/task/thread_life.cc).
  uint32_t thread_count = 1;
  // The program image exec loaded: its path (/proc/<pid>/exe) and the task
  // name (comm: the path's last component, at most 15 bytes).
  void SetExecutable(const char* path);
  const char* executable() const { return executable_; }
  const char* comm() const { return comm_; }

 private:
  int32_t pid_;
  int32_t parent_pid_ = 0;  // the sandbox's first process has no parent inside it
  mm::AddressSpace* address_space_;
  fs::FdTable files_;
  FsContext fs_context_;
  Credentials credentials_;
  linux_abi::SigAction actions_[linux_abi::kNumSignals] = {};
  signal::ProcessSignals signals_{this};
  linux_abi::Rlimit rlimits_[linux_abi::kRlimitCount];
  char executable_[4096] = {};
  char comm_[16] = {};
  ProgramImage program_image_;
};

class Task {
 public:
  // A task with its kernel stack and FPU area (initialised from the
  // caller's live FPU state, as a clone inherits it).
  static ktl::Result<Task*> Create(int32_t tid, Process* process);
  // Frees a task made by Create; it must not be running.
  static void Destroy(Task* task);
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
  // Pending thread signals, sigsuspend's saved mask, restart block.
  signal::TaskSignals& signals() { return signals_; }
  uint64_t clear_child_tid = 0;
  uint64_t robust_list_head = 0;
  uint64_t robust_list_length = 0;

  // --- scheduling (kernel/sched) --------------------------------------
  sched::Thread& thread() { return thread_; }
  static Task& FromThread(sched::Thread& thread) { return *static_cast<Task*>(thread.owner()); }
  // User state outside the TrapFrame, saved while another thread runs.
  uint64_t fs_base = 0;
  uint64_t gs_base = 0;
  uint8_t* fpu_area() { return fpu_area_; }
  uint64_t cpu_affinity = ~0ull;  // sched_setaffinity mask (bit per vCPU)
  ktl::IntrusiveListNode thread_group_node;  // LiveTasks(), until exit

 private:
  Task(int32_t tid, Process* process, uint64_t kernel_stack_top, uint8_t* fpu_area)
      : tid_(tid), process_(process), kernel_stack_top_(kernel_stack_top), fpu_area_(fpu_area) {}

  int32_t tid_;
  Process* process_;
  uint64_t kernel_stack_top_;
  uint8_t* fpu_area_;
  sched::Thread thread_{this};
  platform::TrapFrame* frame_ = nullptr;
  uint64_t blocked_signals_ = 0;
  linux_abi::SignalStack alt_stack_ = {0, linux_abi::kSsDisable, 0, 0};
  signal::TaskSignals signals_;
};

// Every task created and not yet exited.
ktl::IntrusiveList<Task, &Task::thread_group_node>& LiveTasks();

// A thread id no live task has.
int32_t AllocateTid();

// The task running on this vCPU.
Task& CurrentTask();
void SetCurrentTask(Task* task);

// Bit for `signal` in a signal mask.
inline constexpr uint64_t SignalBit(int signal) { return 1ull << (signal - 1); }

}  // namespace sentry

#endif  // RINGFENCE_KERNEL_TASK_TASK_H_
