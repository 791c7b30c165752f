// The wait behind poll(2), ppoll, select(2) and pselect6: scan a set of
// files for readiness and sleep until one is ready, the timeout passes or a
// signal arrives. Sentry only.
#ifndef RINGFENCE_KERNEL_IPC_POLL_WAIT_H_
#define RINGFENCE_KERNEL_IPC_POLL_WAIT_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "kernel/fs/file.h"
#include "kernel/ktl/result.h"

namespace sentry::ipc {

// One polled file. `file` null: a closed fd, reported as kPollNval, unless
// `ignored` (poll's negative fds, never reported).
struct PollRequest {
  fs::File* file = nullptr;
  bool ignored = false;
  uint32_t events = 0;   // what the caller asks for (kPollErr/kPollHup are added)
  uint32_t revents = 0;  // out
};

// A deadline on the monotonic clock: never (kForever), now (kNoWait, a
// zero timeout), or an absolute time.
inline constexpr int64_t kForever = -1;
inline constexpr int64_t kNoWait = 0;

// Fills every request's revents and returns how many are non-zero, waiting
// for at least one until `deadline_ns` (then 0). EINTR if a signal
// interrupts the wait (poll and select are not restarted after a handler,
// see signal(7)); ENOMEM. The caller keeps the files alive.
ktl::Result<size_t> PollFiles(std::span<PollRequest> requests, int64_t deadline_ns);

// Runs `wait` with the task's signal mask replaced by `mask` (ppoll's,
// pselect6's and epoll_pwait's sigmask argument), then restores it.
// TODO(issue 4, signals): Linux keeps the temporary mask until the signal
// that interrupted the wait is delivered (saved_sigmask); restore it only
// after delivery once the signals code offers that.
template <typename Wait>
auto WithSignalMask(const uint64_t* mask, Wait wait) -> decltype(wait());

}  // namespace sentry::ipc

#include "kernel/task/task.h"

namespace sentry::ipc {

template <typename Wait>
auto WithSignalMask(const uint64_t* mask, Wait wait) -> decltype(wait()) {
  if (mask == nullptr) return wait();
  Task& task = CurrentTask();
  uint64_t saved = task.blocked_signals();
  task.set_blocked_signals(*mask);
  auto result = wait();
  task.set_blocked_signals(saved);
  return result;
}

}  // namespace sentry::ipc

#endif  // RINGFENCE_KERNEL_IPC_POLL_WAIT_H_
