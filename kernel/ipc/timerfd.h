// timerfd_create(2): a timer whose expirations are read from a file.
//
// Expiry is computed from the clock when looked at (read, poll, gettime)
// rather than by a timer callback: the count of expirations up to now
// follows from the first expiry and the interval. Sleepers bound their
// sleep with ReadinessDeadline(), so a poll or epoll_wait on a timerfd
// wakes at the expiry. Sentry only.
#ifndef RINGFENCE_KERNEL_IPC_TIMERFD_H_
#define RINGFENCE_KERNEL_IPC_TIMERFD_H_

#include <cstdint>

#include "kernel/ipc/anon_file.h"
#include "kernel/ktl/result.h"

namespace sentry::ipc {

// The anonymous-inode name, whose address also tells a timerfd from other
// files (timerfd_settime on another file is EINVAL).
inline constexpr char kTimerFdName[] = "timerfd";
inline constexpr uint32_t kTfdTimerAbstime = 1;
inline constexpr uint32_t kTfdTimerCancelOnSet = 2;

// struct itimerspec.
struct TimerSpec {
  linux_abi::Timespec interval;
  linux_abi::Timespec value;
};

class TimerFd final : public AnonFile {
 public:
  // `clock`: CLOCK_REALTIME, CLOCK_MONOTONIC or CLOCK_BOOTTIME (checked by
  // the caller). `flags`: O_NONBLOCK.
  TimerFd(int clock, uint32_t flags, const AnonIdentity& identity);

  // timerfd_settime: arms (value non-zero; absolute on the timer's clock
  // with kTfdTimerAbstime) or disarms; returns the previous setting.
  // EINVAL for an invalid timespec.
  ktl::Result<TimerSpec> Set(const TimerSpec& spec, uint32_t flags);
  // timerfd_gettime: the time left to the next expiry and the interval.
  TimerSpec Get();

  // Reads the expirations since the last read (8 bytes), blocking for the
  // first unless O_NONBLOCK (EAGAIN).
  ktl::Result<size_t> Read(mm::AddressSpace& memory, std::span<const fs::UserSegment> segments,
                           int64_t offset) override;
  uint32_t Readiness() override;
  vfs::WaiterQueue* waiter_queue() override { return &waiters_; }
  int64_t ReadinessDeadline() override;

 private:
  int64_t Now() const;
  // Counts the expirations up to now into ticks_ and moves next_ past now.
  void Update();
  // The monotonic time of next_ (the timer's clock may be the realtime one).
  int64_t NextMonotonic() const;

  int clock_;
  int64_t next_ = 0;      // next expiry on the timer's clock, 0: disarmed
  int64_t interval_ = 0;  // 0: one-shot
  uint64_t ticks_ = 0;    // expirations not yet read
  vfs::WaiterQueue waiters_;
};

}  // namespace sentry::ipc

#endif  // RINGFENCE_KERNEL_IPC_TIMERFD_H_
