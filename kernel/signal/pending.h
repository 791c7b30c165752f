// A set of pending signals with their siginfo: one per thread and one
// shared by the thread group. Standard signals (1..31) coalesce: while one
// is pending, another of the same number is dropped. Real-time signals
// (32..64) queue, each instance with its own siginfo, up to a limit.
// Portable (unit-tested hosted).
#ifndef RINGFENCE_KERNEL_SIGNAL_PENDING_H_
#define RINGFENCE_KERNEL_SIGNAL_PENDING_H_

#include <cstddef>
#include <cstdint>

#include "kernel/abi/linux.h"
#include "kernel/ktl/vector.h"

namespace sentry::signal {

enum class EnqueueResult : uint8_t {
  kQueued,
  kCoalesced,  // a standard signal already pending: the new one is dropped
  kFull,       // the real-time queue is at its limit (sigqueue: EAGAIN)
};

class PendingSignals {
 public:
  // Queued real-time signals per set (Linux counts RLIMIT_SIGPENDING per
  // user; a fixed cap per set keeps one app from exhausting the heap).
  static constexpr size_t kMaxQueued = 1024;

  uint64_t set() const { return set_; }
  bool empty() const { return set_ == 0; }

  EnqueueResult Enqueue(const linux_abi::SigInfo& info);

  // Takes the lowest-numbered pending signal in `allowed` (synchronous
  // fault signals first, as Linux), its oldest instance. False if none.
  bool Dequeue(uint64_t allowed, linux_abi::SigInfo* info);

  // Drops every pending instance of the signals in `mask`.
  void Discard(uint64_t mask);

 private:
  bool DequeueSignal(int signal, linux_abi::SigInfo* info);

  uint64_t set_ = 0;
  linux_abi::SigInfo standard_[31] = {};     // by signal - 1
  ktl::Vector<linux_abi::SigInfo> queued_;   // real-time, in arrival order
};

}  // namespace sentry::signal

#endif  // RINGFENCE_KERNEL_SIGNAL_PENDING_H_
