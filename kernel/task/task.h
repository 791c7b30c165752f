// Tasks (threads) and processes (thread groups).
//
// The split is Linux's: the address space, fd table, signal actions and
// limits belong to the process; the signal mask, alternate stack and TLS
// belong to the task. Processes form the tree fork builds (parent, children,
// process groups and sessions); a process that has exited stays as a zombie
// holding its wait status until its parent reaps it (kernel/task/wait.h).
#ifndef RINGFENCE_KERNEL_TASK_TASK_H_
#define RINGFENCE_KERNEL_TASK_TASK_H_

#include <cstdint>
#include <utility>

#include "kernel/abi/linux.h"
#include "kernel/fs/fd_table.h"
#include "kernel/ktl/intrusive_list.h"
#include "kernel/ktl/result.h"
#include "kernel/mm/address_space.h"
#include "kernel/sched/queues.h"
#include "kernel/sched/thread.h"
#include "kernel/signal/signal_state.h"
#include "kernel/task/credentials.h"
#include "kernel/vfs/mount.h"
#include "platform_kvm/guest/trap_frame.h"

namespace sentry {

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
  // Writing the file is ETXTBSY while a process (exec'd, or forked from
  // one) runs it, until it execs again or exits (Linux's exe_file denial).
  vfs::WriteDenial write_denial;
};

// What CLONE_FILES and CLONE_FS share between processes: a counted holder
// (threads share the whole Process instead).
template <typename T>
class Shared {
 public:
  Shared() = default;
  explicit Shared(const T& initial) : value(initial) {}
  T value;
  void Ref() { ++references_; }
  void Unref() {
    if (--references_ == 0) delete this;
  }

 private:
  uint32_t references_ = 1;
};

class Task;

class Process {
 public:
  // The first process: a new fd table and fs context; takes over the
  // reference to `address_space`.
  Process(int32_t pid, mm::AddressSpace* address_space);
  // A child (fork.cc): shares or copies the parent's pieces.
  Process(int32_t pid, mm::AddressSpace* address_space, vfs::RefPtr<Shared<fs::FdTable>> files,
          vfs::RefPtr<Shared<FsContext>> fs_context);
  Process(const Process&) = delete;
  ~Process();

  int32_t pid() const { return pid_; }
  int32_t parent_pid() const { return parent != nullptr ? parent->pid() : 0; }
  mm::AddressSpace& address_space() { return *address_space_; }
  fs::FdTable& files() { return files_->value; }
  FsContext& fs_context() { return fs_->value; }
  const vfs::RefPtr<Shared<fs::FdTable>>& shared_files() { return files_; }
  const vfs::RefPtr<Shared<FsContext>>& shared_fs_context() { return fs_; }
  // Puts `fresh` (whose reference this takes) in place of the address space
  // and drops the old one: exec, and exit (with an empty one). `fresh` gets
  // the process's RLIMIT_STACK, RLIMIT_DATA and RLIMIT_AS; a vfork parent's
  // wait ends, as Linux's mm_release does.
  void ReplaceAddressSpace(mm::AddressSpace* fresh);
  // The same with an empty address space that is never freed (exit).
  void ReleaseAddressSpace();
  // Drops the fd table (exit); files() is an empty table afterwards.
  void ReleaseFiles();
  // The group leader's credentials, what others see of the process (kill,
  // wait, /proc, prlimit). They stay after the leader exits, as a zombie
  // leader's do on Linux. Each thread has its own: Task::credentials().
  Credentials& credentials() { return credentials_; }
  linux_abi::SigAction& signal_action(int signal) { return actions_[signal - 1]; }
  // Pending group signals, group stop, timers (kernel/signal/).
  signal::ProcessSignals& signals() { return signals_; }
  linux_abi::Rlimit& rlimit(int resource) { return rlimits_[resource]; }
  const ProgramImage& program_image() const { return program_image_; }
  void set_program_image(ProgramImage image) { program_image_ = std::move(image); }

  // Live threads in the group (kernel/task/thread_life.cc).
  uint32_t thread_count = 1;

  // --- the process tree (fork.cc, exit.cc, wait.cc) ----------------------
  Process* parent = nullptr;  // null for PID 1, the sandbox's first process
  ktl::IntrusiveListNode sibling_node;  // in parent->children
  ktl::IntrusiveList<Process, &Process::sibling_node> children;
  int32_t pgid = 0;  // process group and session ids
  int32_t sid = 0;
  bool did_exec = false;  // since fork: setpgid by the parent is EACCES then
  int32_t vfork_parent_tid = 0;  // the thread sleeping in vfork until EndVfork
  int exit_signal = linux_abi::kSigChld;  // what the parent gets at exit (0: none)
  int pdeath_signal = 0;                  // PR_SET_PDEATHSIG
  bool child_subreaper = false;           // PR_SET_CHILD_SUBREAPER
  // While set, every thread but this one ends at its next return to user
  // mode (exit_group, execve, a fatal signal): KillOtherThreads.
  Task* thread_killer = nullptr;
  bool group_exiting = false;  // the group is ending: exit_group or a fatal signal
  int group_exit_status = 0;   // the wait status it ends with
  sched::WaitQueue thread_exits;  // KillOtherThreads waits here
  bool zombie = false;
  int wait_status = 0;  // once a zombie: what wait reports
  // Stop/continue events wait(WUNTRACED / WCONTINUED) has not reported yet.
  int unreported_stop = 0;  // the stop signal, 0: none
  bool unreported_continue = false;
  sched::WaitQueue child_events;  // this process's threads in wait4/waitid
  // CPU time of the exited threads, and of the reaped children (with their
  // own reaped children), in nanoseconds.
  int64_t exited_user_ns = 0;
  int64_t children_user_ns = 0;
  int64_t children_maxrss_kb = 0;
  // The program image exec loaded: its path (/proc/<pid>/exe) and the task
  // name (comm: the path's last component, at most 15 bytes).
  void SetExecutable(const char* path);
  // comm alone, at most 15 bytes kept (exec names it after the path it was
  // given, which for a script is not the file that runs).
  void SetComm(const char* name);
  const char* executable() const { return executable_; }
  const char* comm() const { return comm_; }
  // A fork child's copy of what it inherits from `parent`: signal actions,
  // limits, names, process group and session. (Its credentials are the
  // forking thread's: InitChildTask.)
  void InheritFrom(const Process& parent);

 private:
  int32_t pid_;
  mm::AddressSpace* address_space_;
  vfs::RefPtr<Shared<fs::FdTable>> files_;
  vfs::RefPtr<Shared<FsContext>> fs_;
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
  // execve from a thread that is not the group leader: once the others are
  // gone, the survivor takes the leader's tid (the process's pid), as
  // Linux's de_thread does.
  void TakeLeaderTid() {
    if (!is_leader()) process_->credentials() = own_credentials_;
    tid_ = process_->pid();
  }
  bool is_leader() const { return tid_ == process_->pid(); }
  Process& process() { return *process_; }
  // This thread's credentials: Linux's are per thread (glibc's set*id
  // wrappers change every thread's, signalling each to make the call). The
  // leader's are its process's.
  Credentials& credentials() { return is_leader() ? process_->credentials() : own_credentials_; }
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
  // vfork: the child this task waits for until it execs or exits (0: none),
  // and where it waits (kernel/task/fork.cc).
  int32_t vfork_child = 0;
  sched::WaitQueue vfork_done;
  // CPU time this task used (getrusage, times), in nanoseconds, up to when
  // the scheduler last switched to it (scheduled_at_ns, on the run clock of
  // its vCPU: sched::RunClockNs, which leaves out host steal time). The
  // Sentry does not tell its own time from the app's: all of it counts as
  // user time.
  int64_t user_ns = 0;
  int64_t scheduled_at_ns = 0;
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
  Credentials own_credentials_;  // unused by the leader
};

// Every task created and not yet exited.
ktl::IntrusiveList<Task, &Task::thread_group_node>& LiveTasks();

// CPU time used so far (CLOCK_THREAD_CPUTIME_ID, getrusage, CPU-time
// timers), in nanoseconds, counting the running slice of a task on a CPU.
int64_t TaskCpuNs(Task& task);
// The process's (CLOCK_PROCESS_CPUTIME_ID, ITIMER_VIRTUAL/PROF): its exited
// threads' and its live threads' time.
int64_t ProcessCpuNs(const Process& process);
// How long to wait before reading a CPU clock `left` short of a deadline
// again: its `threads` threads add up to one CPU each, and Linux checks CPU
// timers no more often than its tick (4 ms at HZ=250).
int64_t CpuClockCheckAfterNs(int64_t left, uint32_t threads);

// A thread id no live task has.
int32_t AllocateTid();

// The task running on this vCPU.
Task& CurrentTask();
void SetCurrentTask(Task* task);

// Bit for `signal` in a signal mask.
inline constexpr uint64_t SignalBit(int signal) { return 1ull << (signal - 1); }

}  // namespace sentry

#endif  // RINGFENCE_KERNEL_TASK_TASK_H_
