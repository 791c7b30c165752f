// Sending signals: kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo.
// The queueing rules are kernel/signal/send.h's.
#include "kernel/abi/linux.h"
#include "kernel/signal/send.h"
#include "kernel/signal/signal_set.h"
#include "kernel/syscalls/handlers.h"
#include "kernel/task/process_registry.h"
#include "kernel/task/thread_life.h"

namespace sentry::syscalls {
namespace {

using ktl::Errno;
using linux_abi::SigInfo;

// Signal 0 only checks that the target exists (and may be signalled).
ktl::Result<void> CheckSignal(int signal) {
  if (signal != 0 && !signal::ValidSignal(signal)) return Errno::kEINVAL;
  return ktl::Ok();
}

ktl::Result<void> SendTo(Process& process, const SigInfo& info) {
  if (info.signo == 0) return ktl::Ok();
  TRY(signal::QueueToProcess(process, info));
  return ktl::Ok();
}

ktl::Result<void> SendTo(Task& task, const SigInfo& info) {
  if (info.signo == 0) return ktl::Ok();
  TRY(signal::QueueToTask(task, info));
  return ktl::Ok();
}

// The processes kill(2) names with `pid` <= 0. Until process groups exist
// every process is alone in its group (the sandbox starts with one), so
// group `pgid` is the process whose pid it is.
// TODO(issue 4, fork): use the process-group lookup once it is on main.
template <typename Fn>
bool ForEachKillTarget(int32_t pid, Fn fn) {
  Process& self = CurrentTask().process();
  if (pid == 0) {
    fn(self);
    return true;
  }
  if (pid == -1) {  // everyone but init and the caller
    bool any = false;
    ForEachProcess([&](int32_t target_pid, Process* process) {
      if (target_pid > 1 && process != &self) {
        fn(*process);
        any = true;
      }
      return true;
    });
    return any;
  }
  Process* leader = FindProcess(-pid);
  if (leader == nullptr) return false;
  fn(*leader);
  return true;
}

// The thread `tid`, in thread group `tgid` when that is > 0.
ktl::Result<Task*> FindTarget(int32_t tgid, int32_t tid) {
  Task* task = FindThread(tid);
  if (task == nullptr || (tgid > 0 && task->process().pid() != tgid)) return Errno::kESRCH;
  return task;
}

// rt_sigqueueinfo's siginfo: the caller may not pose as the kernel or as
// kill/tkill when signalling someone else (`to_self`: itself).
ktl::Result<SigInfo> ReadQueueInfo(int signal, UserAddress info_address, bool to_self) {
  SigInfo info = TRY(UserPointer<SigInfo>(info_address.value).Read());
  if ((info.code >= 0 || info.code == linux_abi::kSiTkill) && !to_self) return Errno::kEPERM;
  info.signo = signal;
  return info;
}

}  // namespace

ktl::Result<int64_t> sys_kill(int pid, int signal) {
  TRY(CheckSignal(signal));
  SigInfo info = signal::SenderInfo(signal, linux_abi::kSiUser);
  if (pid > 0) {
    Process* process = FindProcess(pid);
    if (process == nullptr) return Errno::kESRCH;
    TRY(SendTo(*process, info));
    return 0;
  }
  if (pid == INT32_MIN) return Errno::kESRCH;  // -pid would overflow, as Linux
  ktl::Result<void> result = ktl::Ok();
  bool found = ForEachKillTarget(pid, [&](Process& process) {
    ktl::Result<void> sent = SendTo(process, info);
    if (!sent.ok()) result = sent;
  });
  if (!found) return Errno::kESRCH;
  TRY(result);
  return 0;
}

ktl::Result<int64_t> sys_tkill(int tid, int signal) {
  TRY(CheckSignal(signal));
  if (tid <= 0) return Errno::kEINVAL;
  Task* task = TRY(FindTarget(0, tid));
  TRY(SendTo(*task, signal::SenderInfo(signal, linux_abi::kSiTkill)));
  return 0;
}

ktl::Result<int64_t> sys_tgkill(int tgid, int tid, int signal) {
  TRY(CheckSignal(signal));
  if (tgid <= 0 || tid <= 0) return Errno::kEINVAL;
  Task* task = TRY(FindTarget(tgid, tid));
  TRY(SendTo(*task, signal::SenderInfo(signal, linux_abi::kSiTkill)));
  return 0;
}

ktl::Result<int64_t> sys_rt_sigqueueinfo(int tgid, int signal, UserAddress info_address) {
  TRY(CheckSignal(signal));
  bool to_self = tgid == CurrentTask().process().pid();
  SigInfo info = TRY(ReadQueueInfo(signal, info_address, to_self));
  Process* process = tgid > 0 ? FindProcess(tgid) : nullptr;
  if (process == nullptr) return Errno::kESRCH;
  TRY(SendTo(*process, info));
  return 0;
}

ktl::Result<int64_t> sys_rt_tgsigqueueinfo(int tgid, int tid, int signal,
                                           UserAddress info_address) {
  TRY(CheckSignal(signal));
  if (tgid <= 0 || tid <= 0) return Errno::kEINVAL;
  SigInfo info = TRY(ReadQueueInfo(signal, info_address, tid == CurrentTask().tid()));
  Task* task = TRY(FindTarget(tgid, tid));
  TRY(SendTo(*task, info));
  return 0;
}

}  // namespace sentry::syscalls
