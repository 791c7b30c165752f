// What the ipc syscalls (sys_pipe.cc, sys_poll.cc, sys_epoll.cc,
// sys_event_files.cc) share: installing new files, the sigmask argument
// of ppoll/pselect6/epoll_pwait, and timeouts as poll-wait deadlines.
#ifndef RINGFENCE_KERNEL_SYSCALLS_IPC_SUPPORT_H_
#define RINGFENCE_KERNEL_SYSCALLS_IPC_SUPPORT_H_

#include <cstdint>
#include <optional>

#include "kernel/fs/file.h"
#include "kernel/ktl/result.h"
#include "kernel/syscalls/user_address.h"

namespace sentry::syscalls {

// Installs `file` at the lowest free fd (EMFILE over RLIMIT_NOFILE).
ktl::Result<int> InstallFile(fs::File& file, bool close_on_exec);

// A sigmask argument: none when `mask` is null, else EINVAL unless
// `size` is 8, EFAULT if unreadable.
ktl::Result<std::optional<uint64_t>> ReadSignalMask(UserAddress mask, uint64_t size);

// A millisecond timeout (negative: forever) as an ipc::PollFiles deadline.
int64_t DeadlineFromMs(int timeout_ms);
// A struct timespec timeout (null: forever) as a PollFiles deadline.
// EINVAL for an invalid one, EFAULT if unreadable.
ktl::Result<int64_t> DeadlineFromTimespec(UserAddress timeout);

}  // namespace sentry::syscalls

#endif  // RINGFENCE_KERNEL_SYSCALLS_IPC_SUPPORT_H_
