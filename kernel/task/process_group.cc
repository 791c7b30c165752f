#include "kernel/task/process_group.h"

#include "kernel/task/process_registry.h"
#include "kernel/task/task.h"

namespace sentry {
namespace {

using ktl::Errno;

// Whether a process of group `pgid` exists in session `sid` (any session
// when sid is 0).
bool GroupExists(int32_t pgid, int32_t sid) {
  bool found = false;
  ForEachProcess([&](int32_t, Process* process) {
    if (process->pgid == pgid && (sid == 0 || process->sid == sid)) found = true;
    return !found;
  });
  return found;
}

ktl::Result<Process*> LookUp(int32_t pid) {
  if (pid < 0) return Errno::kESRCH;
  if (pid == 0) return &CurrentTask().process();
  Process* process = FindProcess(pid);
  if (process == nullptr) return Errno::kESRCH;
  return process;
}

}  // namespace

ktl::Result<void> SetProcessGroup(int32_t pid, int32_t pgid) {
  Process& self = CurrentTask().process();
  if (pid == 0) pid = self.pid();
  if (pgid == 0) pgid = pid;
  if (pgid < 0) return Errno::kEINVAL;
  Process* target = pid > 0 ? FindProcess(pid) : nullptr;
  if (target == nullptr) return Errno::kESRCH;
  if (target != &self) {
    if (target->parent != &self) return Errno::kESRCH;
    if (target->sid != self.sid) return Errno::kEPERM;
    if (target->did_exec) return Errno::kEACCES;
  }
  if (target->sid == target->pid()) return Errno::kEPERM;  // a session leader
  if (pgid != target->pid() && !GroupExists(pgid, self.sid)) return Errno::kEPERM;
  target->pgid = pgid;
  return ktl::Ok();
}

ktl::Result<int32_t> CreateSession() {
  Process& self = CurrentTask().process();
  if (GroupExists(self.pid(), 0)) return Errno::kEPERM;
  self.sid = self.pgid = self.pid();
  return self.sid;
}

ktl::Result<int32_t> ProcessGroupOf(int32_t pid) { return TRY(LookUp(pid))->pgid; }

ktl::Result<int32_t> SessionOf(int32_t pid) { return TRY(LookUp(pid))->sid; }

void ForEachProcessInGroup(int32_t pgid, ktl::FunctionRef<void(Process&)> visit) {
  ForEachProcess([&](int32_t, Process* process) {
    if (process->pgid == pgid) visit(*process);
    return true;
  });
}

}  // namespace sentry
