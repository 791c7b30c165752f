#include "kernel/task/process_registry.h"

#include "kernel/ktl/spinlock.h"
#include "kernel/ktl/vector.h"

namespace sentry {
namespace {

struct Registered {
  int32_t pid;
  Process* process;
};

// Sorted by pid. A sorted array: pids are few and listing /proc wants
// them in order.
struct Registry {
  ktl::Spinlock lock;
  ktl::Vector<Registered> processes;  // Guarded by lock.
};

Registry& TheRegistry() {
  static Registry registry;
  return registry;
}

size_t IndexOf(const ktl::Vector<Registered>& processes, int32_t pid) {
  size_t low = 0, high = processes.size();
  while (low < high) {
    size_t middle = (low + high) / 2;
    if (processes[middle].pid < pid) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

}  // namespace

ktl::Result<void> RegisterProcess(int32_t pid, Process* process) {
  Registry& registry = TheRegistry();
  ktl::SpinlockGuard guard(registry.lock);
  size_t at = IndexOf(registry.processes, pid);
  if (at < registry.processes.size() && registry.processes[at].pid == pid) {
    return ktl::Errno::kEEXIST;
  }
  return registry.processes.Insert(at, Registered{pid, process});
}

void UnregisterProcess(int32_t pid) {
  Registry& registry = TheRegistry();
  ktl::SpinlockGuard guard(registry.lock);
  size_t at = IndexOf(registry.processes, pid);
  if (at < registry.processes.size() && registry.processes[at].pid == pid) {
    registry.processes.Erase(at);
  }
}

Process* FindProcess(int32_t pid) {
  Registry& registry = TheRegistry();
  ktl::SpinlockGuard guard(registry.lock);
  size_t at = IndexOf(registry.processes, pid);
  if (at < registry.processes.size() && registry.processes[at].pid == pid) {
    return registry.processes[at].process;
  }
  return nullptr;
}

void ForEachProcess(ktl::FunctionRef<bool(int32_t pid, Process* process)> visit) {
  Registry& registry = TheRegistry();
  ktl::SpinlockGuard guard(registry.lock);
  for (const Registered& entry : registry.processes) {
    if (!visit(entry.pid, entry.process)) break;
  }
}

size_t ProcessCount() {
  Registry& registry = TheRegistry();
  ktl::SpinlockGuard guard(registry.lock);
  return registry.processes.size();
}

}  // namespace sentry
