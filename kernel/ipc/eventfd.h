// eventfd(2): a 64-bit counter as a file. Reads take the counter (or 1 in
// semaphore mode) and block while it is 0; writes add to it and block
// while the sum would pass 0xfffffffffffffffe. Sentry only.
#ifndef RINGFENCE_KERNEL_IPC_EVENTFD_H_
#define RINGFENCE_KERNEL_IPC_EVENTFD_H_

#include <cstdint>

#include "kernel/ipc/anon_file.h"
#include "kernel/ktl/result.h"
#include "kernel/vfs/ref_ptr.h"

namespace sentry::ipc {

inline constexpr uint32_t kEfdSemaphore = 1;

class EventFd final : public AnonFile {
 public:
  // `flags`: O_NONBLOCK and kEfdSemaphore (the rest is the caller's).
  EventFd(uint64_t initial, uint32_t flags, const AnonIdentity& identity);

  ktl::Result<size_t> Read(mm::AddressSpace& memory, std::span<const fs::UserSegment> segments,
                           int64_t offset) override;
  ktl::Result<size_t> Write(mm::AddressSpace& memory, std::span<const fs::UserSegment> segments,
                            int64_t offset) override;
  uint32_t Readiness() override;
  vfs::WaiterQueue* waiter_queue() override { return &waiters_; }

 private:
  static constexpr uint64_t kMaxCount = 0xfffffffffffffffe;
  // Blocks until `ready` holds (unless O_NONBLOCK: EAGAIN).
  template <typename Ready>
  ktl::Result<void> WaitUntil(uint32_t events, Ready ready);

  uint64_t count_;
  bool semaphore_;
  vfs::WaiterQueue waiters_;
};

}  // namespace sentry::ipc

#endif  // RINGFENCE_KERNEL_IPC_EVENTFD_H_
