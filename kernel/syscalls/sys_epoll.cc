// epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait,
// epoll_pwait2: the syscall side of ipc::EventPoll, and the blocking wait.
#include "kernel/ipc/event_poll.h"
#include "kernel/ipc/pipe.h"
#include "kernel/ipc/poll_wait.h"
#include "kernel/ipc/wait.h"
#include "kernel/ktl/vector.h"
#include "kernel/syscalls/handlers.h"
#include "kernel/syscalls/ipc_support.h"
#include "kernel/syscalls/user_pointer.h"
#include "kernel/time/clock.h"

namespace sentry::syscalls {
namespace {

using ipc::EpollEvent;
using ktl::Errno;

constexpr int kMaxEvents = INT32_MAX / static_cast<int>(sizeof(EpollEvent));
// The end of the user half of the address space (access_ok's TASK_SIZE).
constexpr uint64_t kUserSpaceEnd = uint64_t{1} << 47;

ktl::Result<int64_t> CreateEventPoll(int flags) {
  auto poll = vfs::MakeRef<ipc::EventPoll>(static_cast<uint32_t>(linux_abi::kO_RDWR),
                                           ipc::NewAnonIdentity());
  if (!poll) return Errno::kENOMEM;
  return TRY(InstallFile(*poll, (flags & linux_abi::kO_CLOEXEC) != 0));
}

// The epoll instance at `fd`: EBADF if none, EINVAL if another file.
ktl::Result<fs::FileRef> EventPollFile(int fd, ipc::EventPoll** poll) {
  fs::FileRef file = TRY(CurrentTask().process().files().Get(fd));
  *poll = file->event_poll();
  if (*poll == nullptr) return Errno::kEINVAL;
  return file;
}

// Waits for events on `poll` until `deadline` (ipc::kForever, kNoWait or
// monotonic ns) and copies them to `events`. EINTR when a signal
// interrupts: epoll_wait is never restarted after a handler.
ktl::Result<int64_t> WaitEvents(ipc::EventPoll& poll, UserAddress events, int max_events,
                                int64_t deadline) {
  ktl::Vector<EpollEvent> buffer;
  for (;;) {
    size_t room = poll.item_count() < static_cast<size_t>(max_events)
                      ? poll.item_count()
                      : static_cast<size_t>(max_events);
    TRY(buffer.Resize(room > 0 ? room : 1));
    size_t count = poll.Harvest({buffer.data(), room});
    if (count > 0) {
      TRY(CurrentTask().address_space().CopyOut(events.value, buffer.data(),
                                                count * sizeof(EpollEvent)));
      return static_cast<int64_t>(count);
    }
    if (deadline == ipc::kNoWait) return 0;
    if (deadline != ipc::kForever && time::MonotonicNs() >= deadline) return 0;
    int64_t sleep_until = deadline == ipc::kForever ? 0 : deadline;
    int64_t file_deadline = poll.ReadinessDeadline();
    if (file_deadline != 0 && (sleep_until == 0 || file_deadline < sleep_until)) {
      sleep_until = file_deadline;
    }
    if (ipc::WaitOn(*poll.waiter_queue(), vfs::kPollIn, sleep_until) ==
        sched::WakeReason::kInterrupted) {
      return Errno::kEINTR;
    }
  }
}

ktl::Result<int64_t> DoWait(int epoll_fd, UserAddress events, int max_events, int64_t deadline,
                            std::optional<uint64_t> mask) {
  if (max_events <= 0 || max_events > kMaxEvents) return Errno::kEINVAL;
  uint64_t length = static_cast<uint64_t>(max_events) * sizeof(EpollEvent);
  if (events.value > kUserSpaceEnd || kUserSpaceEnd - events.value < length) {
    return Errno::kEFAULT;
  }
  ipc::EventPoll* poll = nullptr;
  fs::FileRef file = TRY(EventPollFile(epoll_fd, &poll));
  return ipc::WithSignalMask(mask ? &*mask : nullptr,
                             [&] { return WaitEvents(*poll, events, max_events, deadline); });
}

}  // namespace

ktl::Result<int64_t> sys_epoll_create(int size) {
  if (size <= 0) return Errno::kEINVAL;
  return CreateEventPoll(0);
}

ktl::Result<int64_t> sys_epoll_create1(int flags) {
  if (static_cast<uint32_t>(flags) & ~linux_abi::kO_CLOEXEC) return Errno::kEINVAL;
  return CreateEventPoll(flags);
}

ktl::Result<int64_t> sys_epoll_ctl(int epoll_fd, int op, int fd, UserAddress event) {
  EpollEvent value = {};
  if (op != ipc::kEpollCtlDel) value = TRY(UserPointer<EpollEvent>(event.value).Read());
  fs::FileRef epoll_file = TRY(CurrentTask().process().files().Get(epoll_fd));
  fs::FileRef target = TRY(CurrentTask().process().files().Get(fd));
  if (target->waiter_queue() == nullptr) return Errno::kEPERM;
  ipc::EventPoll* poll = epoll_file->event_poll();
  if (poll == nullptr) return Errno::kEINVAL;
  TRY(poll->Control(op, *target, fd, value));
  return 0;
}

ktl::Result<int64_t> sys_epoll_wait(int epoll_fd, UserAddress events, int max_events,
                                    int timeout_ms) {
  return DoWait(epoll_fd, events, max_events, DeadlineFromMs(timeout_ms), std::nullopt);
}

ktl::Result<int64_t> sys_epoll_pwait(int epoll_fd, UserAddress events, int max_events,
                                     int timeout_ms, UserAddress signal_mask,
                                     uint64_t mask_size) {
  std::optional<uint64_t> mask = TRY(ReadSignalMask(signal_mask, mask_size));
  return DoWait(epoll_fd, events, max_events, DeadlineFromMs(timeout_ms), mask);
}

ktl::Result<int64_t> sys_epoll_pwait2(int epoll_fd, UserAddress events, int max_events,
                                      UserAddress timeout, UserAddress signal_mask,
                                      uint64_t mask_size) {
  int64_t deadline = TRY(DeadlineFromTimespec(timeout));
  std::optional<uint64_t> mask = TRY(ReadSignalMask(signal_mask, mask_size));
  return DoWait(epoll_fd, events, max_events, deadline, mask);
}

}  // namespace sentry::syscalls
