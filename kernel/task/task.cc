#include "kernel/task/task.h"

#include "kernel/ktl/string.h"
#include "platform_kvm/guest/percpu.h"

namespace sentry {

using linux_abi::kRlimInfinity;

Process::Process(int32_t pid, mm::AddressSpace* address_space)
    : pid_(pid), address_space_(address_space) {
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
