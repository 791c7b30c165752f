// eventfd, eventfd2, timerfd_create, timerfd_settime, timerfd_gettime.
#include "kernel/ipc/eventfd.h"
#include "kernel/ipc/pipe.h"
#include "kernel/ipc/timerfd.h"
#include "kernel/syscalls/handlers.h"
#include "kernel/syscalls/ipc_support.h"
#include "kernel/syscalls/user_pointer.h"
#include "kernel/time/timespec.h"

namespace sentry::syscalls {
namespace {

using ktl::Errno;

constexpr uint32_t kEventFdFlags =
    ipc::kEfdSemaphore | linux_abi::kO_NONBLOCK | linux_abi::kO_CLOEXEC;
constexpr uint32_t kTimerFdFlags = linux_abi::kO_NONBLOCK | linux_abi::kO_CLOEXEC;
constexpr int kClockRealtime = 0, kClockMonotonic = 1, kClockBoottime = 7;

// Allocates a T and installs it; the fd is the result.
template <typename T, typename... Args>
ktl::Result<int64_t> InstallNew(uint32_t flags, Args... args) {
  auto file = vfs::MakeRef<T>(args..., flags, ipc::NewAnonIdentity());
  if (!file) return Errno::kENOMEM;
  return TRY(InstallFile(*file, (flags & linux_abi::kO_CLOEXEC) != 0));
}

// The timerfd behind `fd`: EBADF if none, EINVAL if another kind of file.
ktl::Result<fs::FileRef> TimerFile(int fd, ipc::TimerFd** timer) {
  fs::FileRef file = TRY(CurrentTask().process().files().Get(fd));
  if (file->AnonymousName() != ipc::kTimerFdName) return Errno::kEINVAL;
  *timer = static_cast<ipc::TimerFd*>(file.get());
  return file;
}

}  // namespace

ktl::Result<int64_t> sys_eventfd2(uint32_t initial, int flags) {
  if (static_cast<uint32_t>(flags) & ~kEventFdFlags) return Errno::kEINVAL;
  return InstallNew<ipc::EventFd>(static_cast<uint32_t>(flags), uint64_t{initial});
}

ktl::Result<int64_t> sys_eventfd(uint32_t initial) { return sys_eventfd2(initial, 0); }

ktl::Result<int64_t> sys_timerfd_create(int clock, int flags) {
  if (static_cast<uint32_t>(flags) & ~kTimerFdFlags) return Errno::kEINVAL;
  if (clock != kClockRealtime && clock != kClockMonotonic && clock != kClockBoottime) {
    return Errno::kEINVAL;
  }
  return InstallNew<ipc::TimerFd>(static_cast<uint32_t>(flags), clock);
}

ktl::Result<int64_t> sys_timerfd_settime(int fd, int flags, UserAddress new_value,
                                         UserAddress old_value) {
  ipc::TimerSpec spec = TRY(UserPointer<ipc::TimerSpec>(new_value.value).Read());
  if (static_cast<uint32_t>(flags) & ~(ipc::kTfdTimerAbstime | ipc::kTfdTimerCancelOnSet)) {
    return Errno::kEINVAL;
  }
  TRY(time::TimespecToNs(spec.value));
  TRY(time::TimespecToNs(spec.interval));
  ipc::TimerFd* timer = nullptr;
  fs::FileRef file = TRY(TimerFile(fd, &timer));
  ipc::TimerSpec old = TRY(timer->Set(spec, static_cast<uint32_t>(flags)));
  if (old_value.value != 0) TRY(UserPointer<ipc::TimerSpec>(old_value.value).Write(old));
  return 0;
}

ktl::Result<int64_t> sys_timerfd_gettime(int fd, UserAddress current) {
  ipc::TimerFd* timer = nullptr;
  fs::FileRef file = TRY(TimerFile(fd, &timer));
  TRY(UserPointer<ipc::TimerSpec>(current.value).Write(timer->Get()));
  return 0;
}

}  // namespace sentry::syscalls
