#include "kernel/task/task.h"

#include "kernel/ktl/panic.h"
#include "kernel/mm/physical_memory.h"
#include "kernel/sched/scheduler.h"
#include "kernel/task/fork.h"
#include "kernel/signal/fpu_state.h"
#include "kernel/time/clock.h"
#include "platform_kvm/guest/address.h"
#include "kernel/ktl/string.h"
#include "platform_kvm/guest/percpu.h"

namespace sentry {

using linux_abi::kRlimInfinity;

namespace {

// What a zombie has left: no mappings, no files. Never freed.
mm::AddressSpace& EmptyAddressSpace() {
  static mm::AddressSpace empty(0);
  return empty;
}

Shared<fs::FdTable>* EmptyFiles() {
  static Shared<fs::FdTable> empty;  // its own reference keeps it alive
  return &empty;
}

}  // namespace

Process::Process(int32_t pid, mm::AddressSpace* address_space,
                 vfs::RefPtr<Shared<fs::FdTable>> files, vfs::RefPtr<Shared<FsContext>> fs_context)
    : pid_(pid),
      address_space_(address_space),
      files_(std::move(files)),
      fs_(std::move(fs_context)) {
  for (auto& limit : rlimits_) limit = {kRlimInfinity, kRlimInfinity};
}

Process::~Process() {
  ReleaseFiles();
  if (address_space_ != &EmptyAddressSpace()) address_space_->Unref();
}

void Process::ReplaceAddressSpace(mm::AddressSpace* fresh) {
  mm::AddressSpace* old = address_space_;
  address_space_ = fresh;
  // The limits the address space enforces itself.
  fresh->set_stack_limit(rlimits_[linux_abi::kRlimitStack].cur);
  fresh->set_data_limit(rlimits_[linux_abi::kRlimitData].cur);
  fresh->set_address_limit(rlimits_[linux_abi::kRlimitAs].cur);
  if (&CurrentTask().process() == this && fresh != &EmptyAddressSpace()) fresh->Activate();
  EndVfork(*this);
  if (old != &EmptyAddressSpace()) old->Unref();
}

void Process::ReleaseAddressSpace() { ReplaceAddressSpace(&EmptyAddressSpace()); }

void Process::ReleaseFiles() { files_ = vfs::RefPtr<Shared<fs::FdTable>>(EmptyFiles()); }

void Process::InheritFrom(const Process& parent) {
  for (int i = 0; i < linux_abi::kNumSignals; ++i) actions_[i] = parent.actions_[i];
  for (int i = 0; i < linux_abi::kRlimitCount; ++i) rlimits_[i] = parent.rlimits_[i];
  ktl::StrCopy(executable_, parent.executable_, sizeof(executable_));
  ktl::StrCopy(comm_, parent.comm_, sizeof(comm_));
  program_image_ = parent.program_image_;
  pgid = parent.pgid;
  sid = parent.sid;
}

void Process::SetComm(const char* name) { ktl::StrCopy(comm_, name, sizeof(comm_)); }

Process::Process(int32_t pid, mm::AddressSpace* address_space)
    : pid_(pid),
      address_space_(address_space),
      files_(vfs::MakeRef<Shared<fs::FdTable>>()),
      fs_(vfs::MakeRef<Shared<FsContext>>()) {
  if (!files_ || !fs_) ktl::Panic("out of memory creating the first process");
  pgid = sid = pid;
  // Linux's defaults for a new login session.
  for (auto& limit : rlimits_) limit = {kRlimInfinity, kRlimInfinity};
  rlimits_[linux_abi::kRlimitStack] = {8ull << 20, kRlimInfinity};
  rlimits_[linux_abi::kRlimitCore] = {0, kRlimInfinity};
  rlimits_[linux_abi::kRlimitNproc] = {63704, 63704};
  rlimits_[linux_abi::kRlimitNofile] = {1024, 1048576};
  rlimits_[linux_abi::kRlimitMemlock] = {8ull << 20, 8ull << 20};
  rlimits_[linux_abi::kRlimitSigpending] = {63704, 63704};
  rlimits_[linux_abi::kRlimitMsgqueue] = {819200, 819200};
  rlimits_[linux_abi::kRlimitNice] = {0, 0};
  rlimits_[linux_abi::kRlimitRtprio] = {0, 0};
}

namespace {
constexpr size_t kKernelStackPages = 4;
int32_t g_next_tid = 1;
}  // namespace

ktl::IntrusiveList<Task, &Task::thread_group_node>& LiveTasks() {
  static ktl::IntrusiveList<Task, &Task::thread_group_node> tasks;
  return tasks;
}

ktl::Result<Task*> Task::Create(int32_t tid, Process* process) {
  mm::PhysAddr stack = TRY(mm::PhysicalPages().AllocContiguous(kKernelStackPages));
  auto fpu = mm::PhysicalPages().AllocZeroedPage();
  if (!fpu.ok()) {
    mm::PhysicalPages().FreeContiguous(stack, kKernelStackPages);
    return fpu.error();
  }
  uint64_t stack_top = reinterpret_cast<uint64_t>(platform::PhysToVirt(stack)) +
                       kKernelStackPages * mm::kPageSize;
  auto* fpu_area = static_cast<uint8_t*>(platform::PhysToVirt(fpu.value()));
  auto* task = new (std::nothrow) Task(tid, process, stack_top, fpu_area);
  if (task == nullptr) {
    mm::PhysicalPages().FreeContiguous(stack, kKernelStackPages);
    mm::PhysicalPages().FreePage(fpu.value());
    return ktl::Errno::kENOMEM;
  }
  signal::SaveLiveFpu(fpu_area);
  LiveTasks().PushBack(task);
  return task;
}

void Task::Destroy(Task* task) {
  if (task->thread_group_node.InList()) LiveTasks().Remove(task);
  uint64_t stack_base = task->kernel_stack_top_ - kKernelStackPages * mm::kPageSize;
  mm::PhysicalPages().FreeContiguous(platform::KernelVirtToPhys(reinterpret_cast<void*>(stack_base)),
                                     kKernelStackPages);
  mm::PhysicalPages().FreePage(platform::KernelVirtToPhys(task->fpu_area_));
  delete task;
}

int64_t TaskCpuNs(Task& task) {
  int64_t ns = task.user_ns;
  if (task.thread().state == sched::ThreadState::kRunning) {
    ns += sched::RunClockNs(task.thread().cpu) - task.scheduled_at_ns;
  }
  return ns;
}

int64_t ProcessCpuNs(const Process& process) {
  int64_t total = process.exited_user_ns;
  for (Task& task : LiveTasks()) {
    if (&task.process() == &process) total += TaskCpuNs(task);
  }
  return total;
}

int64_t CpuClockCheckAfterNs(int64_t left, uint32_t threads) {
  constexpr int64_t kTickNs = 4'000'000;
  int64_t wait = left / (threads > 1 ? threads : 1);
  return wait > kTickNs ? wait : kTickNs;
}

int32_t AllocateTid() {
  // Tids are never reused while the sandbox runs (2^31 of them).
  return ++g_next_tid;
}

void Process::SetExecutable(const char* path) {
  ktl::StrCopy(executable_, path, sizeof(executable_));
  const char* name = path;
  for (const char* c = path; *c; ++c) {
    if (*c == '/') name = c + 1;
  }
  ktl::StrCopy(comm_, name, sizeof(comm_));
}


void Task::set_blocked_signals(uint64_t mask) {
  // SIGKILL and SIGSTOP can never be blocked.
  blocked_signals_ = mask & ~(SignalBit(linux_abi::kSigKill) | SignalBit(linux_abi::kSigStop));
}

Task& CurrentTask() { return *static_cast<Task*>(platform::ThisCpu()->current_task); }

void SetCurrentTask(Task* task) {
  platform::ThisCpu()->current_task = task;
  platform::SetKernelStack(task->kernel_stack_top());
}

}  // namespace sentry
