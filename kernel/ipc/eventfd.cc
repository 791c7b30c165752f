#include "kernel/ipc/eventfd.h"

#include "kernel/ipc/wait.h"
#include "kernel/vfs/io_buffer.h"

namespace sentry::ipc {
namespace {

constexpr uint32_t kReadable = vfs::kPollIn | vfs::kPollRdNorm;
constexpr uint32_t kWritable = vfs::kPollOut | vfs::kPollWrNorm;

}  // namespace

EventFd::EventFd(uint64_t initial, uint32_t flags, const AnonIdentity& identity)
    : AnonFile(linux_abi::kO_RDWR | (flags & linux_abi::kO_NONBLOCK), 0600, identity, "eventfd"),
      count_(initial),
      semaphore_((flags & kEfdSemaphore) != 0) {}

template <typename Ready>
ktl::Result<void> EventFd::WaitUntil(uint32_t events, Ready ready) {
  while (!ready()) {
    if (flags() & linux_abi::kO_NONBLOCK) return ktl::Errno::kEAGAIN;
    if (WaitOn(waiters_, events, 0) == sched::WakeReason::kInterrupted) return InterruptedErrno();
  }
  return ktl::Ok();
}

ktl::Result<size_t> EventFd::Read(mm::AddressSpace& memory,
                                  std::span<const fs::UserSegment> segments, int64_t offset) {
  vfs::UserIoBuffer buffer(memory, segments);
  if (buffer.size() < sizeof(uint64_t)) return ktl::Errno::kEINVAL;
  TRY(WaitUntil(kReadable, [this] { return count_ != 0; }));
  uint64_t value = semaphore_ ? 1 : count_;
  TRY(buffer.CopyOut(0, &value, sizeof(value)));
  count_ -= value;
  waiters_.Notify(kWritable);
  return sizeof(value);
}

ktl::Result<size_t> EventFd::Write(mm::AddressSpace& memory,
                                   std::span<const fs::UserSegment> segments, int64_t offset) {
  vfs::UserIoBuffer buffer(memory, segments);
  if (buffer.size() < sizeof(uint64_t)) return ktl::Errno::kEINVAL;
  uint64_t value;
  TRY(buffer.CopyIn(0, &value, sizeof(value)));
  if (value == UINT64_MAX) return ktl::Errno::kEINVAL;
  TRY(WaitUntil(kWritable, [this, value] { return kMaxCount - count_ >= value; }));
  count_ += value;
  if (value != 0) waiters_.Notify(kReadable);
  return sizeof(value);
}

uint32_t EventFd::Readiness() {
  uint32_t events = 0;
  if (count_ > 0) events |= kReadable;
  if (count_ < kMaxCount) events |= kWritable;
  return events;
}

}  // namespace sentry::ipc
