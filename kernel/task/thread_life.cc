#include "kernel/task/thread_life.h"

#include "kernel/ktl/intrusive_list.h"
#include "kernel/sched/futex.h"
#include "kernel/sched/scheduler.h"
#include "kernel/syscalls/user_pointer.h"
#include "kernel/task/exit.h"
#include "kernel/task/fork.h"
#include "kernel/task/process_registry.h"
#include "kernel/task/task.h"
#include "platform_kvm/guest/context_switch.h"
#include "platform_kvm/guest/cpu.h"

namespace sentry {
namespace {

using ktl::Errno;

// What glibc's pthread_create passes (CLONE_DETACHED is ignored, as Linux).
constexpr uint64_t kThreadFlags = kCloneVm | kCloneFs | kCloneFiles | kCloneSighand |
                                  kCloneThread;
constexpr uint64_t kOptionalThreadFlags = kCloneSysvsem | kCloneSettls | kCloneParentSettid |
                                          kCloneChildCleartid | kCloneChildSettid |
                                          kCloneDetached;

// Robust futex words (linux/futex.h).
constexpr uint32_t kFutexWaiters = 0x80000000u;
constexpr uint32_t kFutexOwnerDied = 0x40000000u;
constexpr uint32_t kFutexTidMask = 0x3fffffffu;
constexpr int kRobustListLimit = 2048;  // ROBUST_LIST_LIMIT: stops a looped list

// What a new process may ask for beyond sharing nothing.
constexpr uint64_t kProcessFlags = kCloneVm | kCloneFs | kCloneFiles | kCloneVfork |
                                   kCloneParent | kCloneSysvsem | kCloneSettls |
                                   kCloneParentSettid | kCloneChildCleartid | kCloneChildSettid |
                                   kCloneDetached | kClonePtrace | kCloneUntraced | kCloneIo;

// The Linux checks that make a flag combination invalid whatever is
// supported (copy_process), then what the Sentry supports.
ktl::Result<void> CheckCloneFlags(uint64_t flags, int exit_signal) {
  if ((flags & (kCloneNewns | kCloneFs)) == (kCloneNewns | kCloneFs)) return Errno::kEINVAL;
  if ((flags & (kCloneNewuser | kCloneFs)) == (kCloneNewuser | kCloneFs)) return Errno::kEINVAL;
  if ((flags & kCloneThread) && !(flags & kCloneSighand)) return Errno::kEINVAL;
  if ((flags & kCloneSighand) && !(flags & kCloneVm)) return Errno::kEINVAL;
  if ((flags & kClonePidfd) && (flags & kCloneDetached)) return Errno::kEINVAL;
  if ((flags & kClonePidfd) && (flags & kCloneThread)) return Errno::kEINVAL;
  if (exit_signal < 0 || exit_signal > linux_abi::kNumSignals) return Errno::kEINVAL;
  if (!(flags & kCloneThread)) {
    // A process: sharing signal handlers without the thread group is not
    // supported (it needs handler tables apart from the process).
    if (flags & ~kProcessFlags) return Errno::kENOSYS;
    return ktl::Ok();
  }
  // Threads share everything pthread_create shares.
  if ((flags & kThreadFlags) != kThreadFlags) return Errno::kENOSYS;
  if (flags & ~(kThreadFlags | kOptionalThreadFlags)) return Errno::kENOSYS;
  return ktl::Ok();
}

// Linux's handle_futex_death: a lock word still owned by the dead thread
// gets FUTEX_OWNER_DIED, and one waiter is woken to take it over.
void ReleaseRobustFutex(uint64_t address, int32_t tid) {
  UserPointer<uint32_t> word(address);
  auto value = word.Read();
  if (!value.ok() || (value.value() & kFutexTidMask) != static_cast<uint32_t>(tid)) return;
  uint32_t released = (value.value() & kFutexWaiters) | kFutexOwnerDied;
  if (!word.Write(released).ok()) return;
  if (value.value() & kFutexWaiters) {
    (void)sched::FutexWake(address, sched::FutexScope::kShared, 1, sched::kFutexBitsetMatchAny);
  }
}

// Walks the robust list registered with set_robust_list (struct
// robust_list_head: list, futex_offset, list_op_pending). Faults end the
// walk silently, as on Linux.
void ReleaseRobustList(Task& task) {
  uint64_t head = task.robust_list_head;
  if (head == 0) return;
  struct {
    uint64_t list;
    int64_t futex_offset;
    uint64_t pending;
  } header;
  if (!task.address_space().CopyIn(head, &header, sizeof(header)).ok()) return;
  uint64_t pending = header.pending & ~1ull;  // bit 0 marks PI futexes
  uint64_t entry = header.list & ~1ull;
  for (int count = 0; entry != head && count < kRobustListLimit; ++count) {
    auto next = UserPointer<uint64_t>(entry).Read();
    if (!next.ok()) return;
    if (entry != pending) {
      ReleaseRobustFutex(entry + static_cast<uint64_t>(header.futex_offset), task.tid());
    }
    entry = next.value() & ~1ull;
  }
  if (pending != 0) {
    ReleaseRobustFutex(pending + static_cast<uint64_t>(header.futex_offset), task.tid());
  }
}

// RLIMIT_NPROC: the tasks of the caller's real user, zombies included as
// Linux counts them until they are reaped. Root (CAP_SYS_RESOURCE) is exempt.
ktl::Result<void> CheckTaskLimit(Process& process) {
  uint32_t uid = CurrentTask().credentials().uid;
  if (uid == 0) return ktl::Ok();
  uint64_t limit = process.rlimit(linux_abi::kRlimitNproc).cur;
  uint64_t count = 0;
  for (Task& task : LiveTasks()) {
    if (task.credentials().uid == uid) ++count;
  }
  ForEachProcess([&](int32_t, Process* other) {
    if (other->zombie && other->credentials().uid == uid) ++count;
    return true;
  });
  if (count >= limit) return Errno::kEAGAIN;
  return ktl::Ok();
}

// A thread in the caller's process.
ktl::Result<int64_t> CloneThread(const CloneRequest& request, const platform::TrapFrame& parent) {
  Task& self = CurrentTask();
  Process& process = self.process();
  int32_t tid = AllocateTid();
  Task* child = TRY(Task::Create(tid, &process));  // inherits the live FPU state
  InitChildTask(*child, self, request, parent);
  // Linux ignores faults on these two stores: the thread exists already.
  if (request.flags & kCloneChildSettid) {
    (void)UserPointer<int32_t>(request.child_tid).Write(tid);
  }
  if (request.flags & kCloneParentSettid) {
    (void)UserPointer<int32_t>(request.parent_tid).Write(tid);
  }
  ++process.thread_count;
  sched::MakeRunnable(child->thread());
  return tid;
}

}  // namespace

ktl::Result<int64_t> Clone(const CloneRequest& request, const platform::TrapFrame& parent) {
  TRY(CheckCloneFlags(request.flags, request.exit_signal));
  if ((request.flags & kCloneSettls) && request.tls >= mm::VmaSet::kDefaultMaxAddress) {
    return Errno::kEPERM;  // as arch_prctl(ARCH_SET_FS) refuses it
  }
  TRY(CheckTaskLimit(CurrentTask().process()));
  if (request.flags & kCloneThread) return CloneThread(request, parent);
  return CloneProcess(request, parent);
}

void InitChildTask(Task& child, Task& self, const CloneRequest& request,
                   const platform::TrapFrame& parent) {
  platform::TrapFrame frame = parent;
  frame.rax = 0;  // clone returns 0 in the child
  if (request.stack != 0) frame.rsp = request.stack;
  child.thread().saved_rsp = platform::PrepareNewThreadStack(child.kernel_stack_top(), frame);
  child.fs_base = (request.flags & kCloneSettls) ? request.tls
                                                : platform::ReadMsr(platform::kMsrFsBase);
  child.gs_base = platform::ReadMsr(platform::kMsrKernelGsBase);
  child.set_blocked_signals(self.blocked_signals());
  child.cpu_affinity = self.cpu_affinity;
  child.credentials() = self.credentials();  // a fork child's leader: its process's
  if (request.flags & kCloneChildCleartid) child.clear_child_tid = request.child_tid;
}

void ReleaseThreadState(Task& task) {
  ReleaseRobustList(task);
  if (task.clear_child_tid != 0) {
    // What pthread_join waits for: the tid word cleared, then a wake.
    if (UserPointer<int32_t>(task.clear_child_tid).Write(0).ok()) {
      (void)sched::FutexWake(task.clear_child_tid, sched::FutexScope::kShared, 1,
                             sched::kFutexBitsetMatchAny);
    }
    task.clear_child_tid = 0;
  }
}

void ExitThread(int status) { EndThread(CurrentTask(), ExitedStatus(status)); }

Task* FindThread(int32_t tid) {
  for (Task& task : LiveTasks()) {
    if (task.tid() == tid) return &task;
  }
  return nullptr;
}

}  // namespace sentry
