#include "kernel/task/exit.h"

#include "kernel/ktl/format.h"
#include "kernel/ktl/string.h"
#include "kernel/sched/scheduler.h"
#include "kernel/signal/send.h"
#include "kernel/syscalls/fs_support.h"
#include "kernel/syscalls/syscall_table.h"
#include "kernel/task/process_registry.h"
#include "kernel/task/task.h"
#include "kernel/task/thread_life.h"
#include "kernel/task/wait.h"
#include "platform_kvm/guest/hypercall.h"
#include "platform_kvm/guest/smp.h"
#include "platform_kvm/guest/steal_time.h"

namespace sentry {
namespace {

using linux_abi::kSigChld;

bool g_print_stats = false;

void PrintStat(const char* name, int64_t value) {
  char line[80];
  ktl::FormatTo(line, sizeof(line), "ringfence-stats: %s %ld\n", name, value);
  platform::WriteToStderr(line, ktl::StrLen(line));
}

// PID 1's end is the sandbox's: its status becomes the CLI's, as a shell
// reports it (128 + signal for a killed program).
[[noreturn]] void EndSandbox(int wait_status) {
  if (g_print_stats) {
    syscalls::PrintSyscallStats();
    PrintStat("sentry.tlb_shootdown_ipis", static_cast<int64_t>(platform::ShootdownIpisSent()));
    if (platform::StealTimeEnabled()) {
      int64_t steal = 0;
      for (uint32_t cpu = 0; cpu < platform::CpuCount(); ++cpu) steal += platform::StealNs(cpu);
      PrintStat("sentry.steal_ns", steal);
    }
  }
  int signal = wait_status & 0x7f;
  platform::HypercallExit(signal != 0 ? 128 + signal : (wait_status >> 8) & 0xff);
}

// Where the children of `dying` go: the nearest ancestor still alive that
// asked for it (PR_SET_CHILD_SUBREAPER), else PID 1.
Process* NewParentFor(Process& dying) {
  for (Process* ancestor = dying.parent; ancestor != nullptr; ancestor = ancestor->parent) {
    if (ancestor->child_subreaper && !ancestor->group_exiting) return ancestor;
  }
  return FindProcess(1);
}

void ReparentChildren(Process& dying) {
  Process* reaper = NewParentFor(dying);
  while (Process* child = dying.children.PopFront()) {
    child->parent = reaper;
    reaper->children.PushBack(child);
    if (child->pdeath_signal != 0 && !child->zombie) {
      linux_abi::SigInfo info = {};
      info.signo = child->pdeath_signal;
      info.code = linux_abi::kSiUser;
      info.sender.pid = dying.pid();
      info.sender.uid = dying.credentials().uid;
      signal::SendToProcess(*child, info);
    }
    if (child->zombie && NotifyParentOfExit(*child)) ReapZombie(*child);
  }
}

// The last thread of `task`'s process is ending: the process becomes a
// zombie (or is reaped at once if its parent does not want zombies).
[[noreturn]] void EndProcess(Task& task) {
  Process& process = task.process();
  if (process.pid() == 1) EndSandbox(process.group_exit_status);
  process.exited_user_ns += TaskCpuNs(task);
  // Record locks belong to the process: gone with its files.
  fs::FdTable& files = process.files();
  for (size_t fd = 0; fd < files.slot_count(); ++fd) {
    auto file = files.Get(static_cast<int>(fd));
    if (file.ok()) syscalls::ReleasePosixLocks(*file.value());
  }
  process.ReleaseFiles();
  process.ReleaseAddressSpace();  // also ends a vfork parent's wait
  process.set_program_image({});  // the file may be written again
  ReparentChildren(process);
  if (task.thread_group_node.InList()) LiveTasks().Remove(&task);
  process.thread_count = 0;
  process.thread_killer = nullptr;
  process.wait_status = process.group_exit_status;
  process.zombie = true;
  if (NotifyParentOfExit(process)) ReapZombie(process);
  sched::ExitCurrent();
}

// exit_group and fatal signals: the whole group ends with `wait_status`.
[[noreturn]] void ExitGroup(int wait_status) {
  Task& task = CurrentTask();
  Process& process = task.process();
  if (process.thread_killer != nullptr && process.thread_killer != &task) {
    EndThread(task, wait_status);  // another thread is ending the group already
  }
  if (!process.group_exiting) {
    process.group_exiting = true;
    process.group_exit_status = wait_status;
  }
  if (process.pid() == 1) EndSandbox(process.group_exit_status);
  KillOtherThreads(task);
  EndThread(task, wait_status);
}

}  // namespace

void SetPrintStatsAtExit(bool enabled) { g_print_stats = enabled; }

void ExitProcess(int status) { ExitGroup(ExitedStatus(status)); }

void KillProcess(int signal) {
  // No core flag, whatever RLIMIT_CORE says: Linux sets WCOREDUMP only when
  // a core file was written, and the sandbox writes none (it has no
  // core_pattern destination), so it reports what Linux does when the dump
  // fails (RLIMIT_CORE 0, an unwritable directory): a plain
  // death by the signal, CLD_KILLED for waitid. RLIMIT_CORE itself is kept
  // and reported as set.
  ExitGroup(signal);
}

void KillOtherThreads(Task& survivor) {
  Process& process = survivor.process();
  process.thread_killer = &survivor;
  for (Task& task : LiveTasks()) {
    if (&task.process() == &process && &task != &survivor) sched::Interrupt(task.thread());
  }
  while (process.thread_count > 1) {
    process.thread_exits.Add(survivor.thread());
    // A signal for the survivor must not end the wait, nor turn it into a
    // spin: the others may be ending on other vCPUs, which need the BKL.
    sched::BlockIgnoringSignals(0);
  }
  process.thread_killer = nullptr;
}

void EndThreadIfKilled(Task& task) {
  Process& process = task.process();
  if (process.thread_killer != nullptr && process.thread_killer != &task) {
    EndThread(task, process.group_exit_status);
  }
}

void EndThread(Task& task, int wait_status) {
  ReleaseThreadState(task);
  Process& process = task.process();
  if (process.thread_count == 1) {
    if (!process.group_exiting) {
      process.group_exiting = true;
      process.group_exit_status = wait_status;
    }
    EndProcess(task);
  }
  process.exited_user_ns += TaskCpuNs(task);
  if (task.thread_group_node.InList()) LiveTasks().Remove(&task);
  --process.thread_count;
  process.thread_exits.WakeAll([](sched::Thread& thread) { sched::MakeRunnable(thread); });
  sched::ExitCurrent();
}

}  // namespace sentry
