#include "kernel/syscalls/ipc_support.h"

#include "kernel/ipc/poll_wait.h"
#include "kernel/syscalls/user_pointer.h"
#include "kernel/task/task.h"
#include "kernel/time/clock.h"
#include "kernel/time/timespec.h"

namespace sentry::syscalls {

ktl::Result<int> InstallFile(fs::File& file, bool close_on_exec) {
  Process& self = CurrentTask().process();
  return self.files().Install(&file, 0, close_on_exec,
                              self.rlimit(linux_abi::kRlimitNofile).cur);
}

ktl::Result<std::optional<uint64_t>> ReadSignalMask(UserAddress mask, uint64_t size) {
  if (mask.value == 0) return std::optional<uint64_t>();
  if (size != sizeof(uint64_t)) return ktl::Errno::kEINVAL;
  return std::optional<uint64_t>(TRY(UserPointer<uint64_t>(mask.value).Read()));
}

int64_t DeadlineFromMs(int timeout_ms) {
  if (timeout_ms < 0) return ipc::kForever;
  if (timeout_ms == 0) return ipc::kNoWait;
  return time::DeadlineAfter(time::MonotonicNs(), int64_t{timeout_ms} * 1000000);
}

ktl::Result<int64_t> DeadlineFromTimespec(UserAddress timeout) {
  if (timeout.value == 0) return ipc::kForever;
  linux_abi::Timespec value = TRY(UserPointer<linux_abi::Timespec>(timeout.value).Read());
  int64_t ns = TRY(time::TimespecToNs(value));
  if (ns == 0) return ipc::kNoWait;
  return time::DeadlineAfter(time::MonotonicNs(), ns);
}

}  // namespace sentry::syscalls
