#include "kernel/ipc/timerfd.h"

#include "kernel/ipc/wait.h"
#include "kernel/time/clock.h"
#include "kernel/time/timespec.h"
#include "kernel/vfs/io_buffer.h"

namespace sentry::ipc {
namespace {

constexpr int kClockRealtime = 0;
constexpr uint32_t kReadable = vfs::kPollIn | vfs::kPollRdNorm;

linux_abi::Timespec NsToTimespec(int64_t ns) {
  return {ns / time::kNsPerSecond, ns % time::kNsPerSecond};
}

}  // namespace

TimerFd::TimerFd(int clock, uint32_t flags, const AnonIdentity& identity)
    : AnonFile(linux_abi::kO_RDWR | (flags & linux_abi::kO_NONBLOCK), 0600, identity, kTimerFdName),
      clock_(clock) {}

int64_t TimerFd::Now() const {
  return clock_ == kClockRealtime ? time::RealtimeNs() : time::MonotonicNs();
}

int64_t TimerFd::NextMonotonic() const {
  if (clock_ != kClockRealtime) return next_;
  return time::DeadlineAfter(time::MonotonicNs(), next_ - time::RealtimeNs());
}

void TimerFd::Update() {
  if (next_ == 0) return;
  int64_t now = Now();
  if (now < next_) return;
  uint64_t expired = 1;
  if (interval_ > 0) {
    expired += static_cast<uint64_t>((now - next_) / interval_);
    next_ += static_cast<int64_t>(expired) * interval_;
  } else {
    next_ = 0;
  }
  ticks_ += expired;
  waiters_.Notify(kReadable);
}

ktl::Result<TimerSpec> TimerFd::Set(const TimerSpec& spec, uint32_t flags) {
  int64_t value = TRY(time::TimespecToNs(spec.value));
  int64_t interval = TRY(time::TimespecToNs(spec.interval));
  TimerSpec old = Get();
  ticks_ = 0;
  interval_ = interval;
  if (value == 0) {
    next_ = 0;
  } else if (flags & kTfdTimerAbstime) {
    next_ = value;  // an absolute time already past expires at once
  } else {
    next_ = time::DeadlineAfter(Now(), value);
  }
  // Sleepers recompute their deadline from the new setting.
  waiters_.Notify(kReadable);
  return old;
}

TimerSpec TimerFd::Get() {
  Update();
  TimerSpec spec = {NsToTimespec(interval_), {0, 0}};
  if (next_ != 0) {
    int64_t left = next_ - Now();
    // An armed timer reports at least 1 ns left, as Linux does.
    spec.value = NsToTimespec(left > 0 ? left : 1);
  }
  return spec;
}

ktl::Result<size_t> TimerFd::Read(mm::AddressSpace& memory,
                                  std::span<const fs::UserSegment> segments, int64_t offset) {
  vfs::UserIoBuffer buffer(memory, segments);
  if (buffer.size() < sizeof(uint64_t)) return ktl::Errno::kEINVAL;
  for (;;) {
    Update();
    if (ticks_ != 0) break;
    if (flags() & linux_abi::kO_NONBLOCK) return ktl::Errno::kEAGAIN;
    int64_t deadline = next_ != 0 ? NextMonotonic() : 0;
    if (deadline == 0 && next_ != 0) deadline = 1;  // already due
    if (WaitOn(waiters_, kReadable, deadline) == sched::WakeReason::kInterrupted) {
      return InterruptedErrno();
    }
  }
  uint64_t ticks = ticks_;
  TRY(buffer.CopyOut(0, &ticks, sizeof(ticks)));
  ticks_ = 0;
  return sizeof(ticks);
}

uint32_t TimerFd::Readiness() {
  Update();
  return ticks_ != 0 ? kReadable : 0;
}

int64_t TimerFd::ReadinessDeadline() {
  if (next_ == 0) return 0;
  int64_t deadline = NextMonotonic();
  return deadline > 0 ? deadline : 1;
}

}  // namespace sentry::ipc
