#include "kernel/task/fork.h"

#include "kernel/sched/scheduler.h"
#include "kernel/task/process_registry.h"
#include "kernel/task/task.h"

namespace sentry {
namespace {

using ktl::Errno;

ktl::Result<vfs::RefPtr<Shared<fs::FdTable>>> ChildFiles(Process& parent, uint64_t flags) {
  if (flags & kCloneFiles) return parent.shared_files();
  auto copy = vfs::MakeRef<Shared<fs::FdTable>>();
  if (!copy) return Errno::kENOMEM;
  TRY(parent.files().CopyTo(copy->value));
  return copy;
}

ktl::Result<vfs::RefPtr<Shared<FsContext>>> ChildFsContext(Process& parent, uint64_t flags) {
  if (flags & kCloneFs) return parent.shared_fs_context();
  auto copy = vfs::MakeRef<Shared<FsContext>>(parent.fs_context());
  if (!copy) return Errno::kENOMEM;
  return copy;
}

ktl::Result<Process*> CreateChildProcess(Process& parent, uint64_t flags) {
  mm::AddressSpace* memory = nullptr;
  if (flags & kCloneVm) {
    memory = &parent.address_space();
    memory->Ref();
  } else {
    memory = TRY(parent.address_space().Fork());
  }
  auto files = ChildFiles(parent, flags);
  if (!files.ok()) {
    memory->Unref();
    return files.error();
  }
  auto fs_context = ChildFsContext(parent, flags);
  if (!fs_context.ok()) {
    memory->Unref();
    return fs_context.error();
  }
  auto* child = new (std::nothrow) Process(AllocateTid(), memory, std::move(files).value(),
                                           std::move(fs_context).value());
  if (child == nullptr) {
    memory->Unref();
    return Errno::kENOMEM;
  }
  child->InheritFrom(parent);
  return child;
}

// vfork: the caller sleeps until its child stops using its memory. Only a
// group exit ends the wait early (Linux waits killably).
void WaitForVforkChild(Task& self) {
  while (self.vfork_child != 0 && self.process().thread_killer == nullptr) {
    self.vfork_done.Add(self.thread());
    // A pending signal makes Block return at once: let the child run.
    if (sched::Block(0) == sched::WakeReason::kInterrupted) sched::Yield();
  }
  self.vfork_child = 0;
}

}  // namespace

ktl::Result<int64_t> CloneProcess(const CloneRequest& request, const platform::TrapFrame& frame) {
  Task& self = CurrentTask();
  Process& parent = self.process();
  // The sandbox's init cannot make siblings (Linux: SIGNAL_UNKILLABLE).
  if ((request.flags & kCloneParent) && parent.parent == nullptr) return Errno::kEINVAL;
  Process* child = TRY(CreateChildProcess(parent, request.flags));
  const int32_t pid = child->pid();
  auto task = Task::Create(pid, child);  // inherits the live FPU state
  if (!task.ok()) {
    delete child;
    return task.error();
  }
  if (auto registered = RegisterProcess(pid, child); !registered.ok()) {
    Task::Destroy(task.value());
    delete child;
    return registered.error();
  }
  InitChildTask(*task.value(), self, request, frame);
  task.value()->alt_stack() = self.alt_stack();
  if (request.flags & kCloneChildSettid) {
    // In the child's memory (a copy unless CLONE_VM); faults are ignored.
    (void)child->address_space().CopyOut(request.child_tid, &pid, sizeof(pid));
  }
  if (request.flags & kCloneParentSettid) {
    (void)parent.address_space().CopyOut(request.parent_tid, &pid, sizeof(pid));
  }
  if (request.flags & kCloneParent) {
    child->parent = parent.parent;
    child->exit_signal = parent.exit_signal;
  } else {
    child->parent = &parent;
    child->exit_signal = request.exit_signal;
  }
  child->parent->children.PushBack(child);
  if (request.flags & kCloneVfork) {
    child->vfork_parent_tid = self.tid();
    self.vfork_child = pid;
  }
  sched::MakeRunnable(task.value()->thread());
  if (request.flags & kCloneVfork) WaitForVforkChild(self);
  return pid;
}

void EndVfork(Process& child) {
  if (child.vfork_parent_tid == 0) return;
  Task* waiter = FindThread(child.vfork_parent_tid);
  child.vfork_parent_tid = 0;
  if (waiter != nullptr && waiter->vfork_child == child.pid()) {
    waiter->vfork_child = 0;
    waiter->vfork_done.WakeAll([](sched::Thread& thread) { sched::MakeRunnable(thread); });
  }
}

}  // namespace sentry
