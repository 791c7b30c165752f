// The futex wait table: which threads sleep on which futex word, and the
// wake, requeue and wake-op rules of futex(2). Portable: reading and
// writing the user word is the caller's job (sys_futex.cc), so the Linux
// corner cases here are unit-tested hosted.
#ifndef RINGFENCE_KERNEL_SCHED_FUTEX_TABLE_H_
#define RINGFENCE_KERNEL_SCHED_FUTEX_TABLE_H_

#include <cstddef>
#include <cstdint>

#include "kernel/ktl/result.h"
#include "kernel/sched/queues.h"
#include "kernel/sched/thread.h"

namespace sentry::sched {

inline constexpr uint32_t kFutexBitsetMatchAny = 0xffffffff;

class FutexTable {
 public:
  // Links `thread` (about to block) as a waiter on `key` with `bitset`.
  void Enqueue(Thread& thread, const FutexKey& key, uint32_t bitset);

  // FUTEX_WAKE(_BITSET): releases waiters on `key` whose bitset intersects
  // `bitset`, oldest first. As Linux, at least one is released when there
  // is one, even for count <= 0. Returns how many.
  int Wake(const FutexKey& key, int count, uint32_t bitset, WakeFn wake);

  // FUTEX_(CMP_)REQUEUE: releases up to `wake_count` waiters on `from`, then
  // moves up to `requeue_count` of the rest to `to`. Returns released +
  // moved, as Linux does.
  int Requeue(const FutexKey& from, const FutexKey& to, int wake_count, int requeue_count,
              WakeFn wake);

  // Waiters on `key` (for tests and assertions).
  size_t CountWaiters(const FutexKey& key);

 private:
  static constexpr size_t kBuckets = 64;
  WaitList& BucketFor(const FutexKey& key);

  WaitList buckets_[kBuckets];
};

// FUTEX_WAKE_OP's encoded operation (val3): what to do to the second word
// and when to wake its waiters.
struct WakeOp {
  uint32_t op = 0;    // FUTEX_OP_SET, _ADD, _OR, _ANDN, _XOR
  uint32_t cmp = 0;   // FUTEX_OP_CMP_EQ .. _GE
  uint32_t oparg = 0;
  int32_t cmparg = 0;

  // ENOSYS for an unknown op or comparison, as Linux.
  static ktl::Result<WakeOp> Decode(uint32_t encoded);
  // The word's new value.
  uint32_t Apply(uint32_t old_value) const;
  // Whether the word's old value calls for waking the second futex.
  bool ShouldWake(uint32_t old_value) const;
};

}  // namespace sentry::sched

#endif  // RINGFENCE_KERNEL_SCHED_FUTEX_TABLE_H_
