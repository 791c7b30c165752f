#include "kernel/sched/futex_table.h"

namespace sentry::sched {
namespace {

constexpr uint32_t kOpSet = 0, kOpAdd = 1, kOpOr = 2, kOpAndn = 3, kOpXor = 4;
constexpr uint32_t kOpArgShift = 8;  // FUTEX_OP_OPARG_SHIFT: oparg is 1 << oparg
constexpr uint32_t kCmpEq = 0, kCmpNe = 1, kCmpLt = 2, kCmpLe = 3, kCmpGt = 4, kCmpGe = 5;

// Sign-extends the low 12 bits.
int32_t SignExtend12(uint32_t value) {
  return static_cast<int32_t>(value << 20) >> 20;
}

}  // namespace

WaitList& FutexTable::BucketFor(const FutexKey& key) {
  uint64_t mix = (key.address >> 2) ^ reinterpret_cast<uint64_t>(key.space);
  mix *= 0x9e3779b97f4a7c15ull;  // Fibonacci hashing spreads nearby words
  return buckets_[mix >> 58];
}

void FutexTable::Enqueue(Thread& thread, const FutexKey& key, uint32_t bitset) {
  WaitList& bucket = BucketFor(key);
  thread.futex_key = key;
  thread.futex_bitset = bitset;
  bucket.PushBack(&thread);
  thread.waiting_on = &bucket;
}

int FutexTable::Wake(const FutexKey& key, int count, uint32_t bitset, WakeFn wake) {
  WaitList& bucket = BucketFor(key);
  int woken = 0;
  for (Thread* thread = bucket.front(); thread != nullptr;) {
    Thread* next = bucket.Next(thread);
    if (thread->futex_key == key && (thread->futex_bitset & bitset) != 0) {
      thread->LeaveWaitList(WakeReason::kWoken);
      wake(*thread);
      if (++woken >= count) break;
    }
    thread = next;
  }
  return woken;
}

int FutexTable::Requeue(const FutexKey& from, const FutexKey& to, int wake_count,
                        int requeue_count, WakeFn wake) {
  WaitList& source = BucketFor(from);
  WaitList& target = BucketFor(to);
  int woken = 0, moved = 0;
  // Visit each waiter present at the start once: a requeue into the same
  // bucket appends, and must not be seen again.
  size_t to_visit = source.size();
  for (Thread* thread = source.front(); thread != nullptr && to_visit > 0; --to_visit) {
    Thread* next = source.Next(thread);
    if (thread->futex_key == from) {
      if (woken < wake_count) {
        thread->LeaveWaitList(WakeReason::kWoken);
        wake(*thread);
        ++woken;
      } else if (moved < requeue_count) {
        source.Remove(thread);
        thread->futex_key = to;
        target.PushBack(thread);
        thread->waiting_on = &target;
        ++moved;
      } else {
        break;
      }
    }
    thread = next;
  }
  return woken + moved;
}

size_t FutexTable::CountWaiters(const FutexKey& key) {
  size_t count = 0;
  for (Thread& thread : BucketFor(key)) {
    if (thread.futex_key == key) ++count;
  }
  return count;
}

ktl::Result<WakeOp> WakeOp::Decode(uint32_t encoded) {
  WakeOp result;
  result.op = (encoded >> 28) & 0xf;
  result.cmp = (encoded >> 24) & 0xf;
  int32_t oparg = SignExtend12(encoded >> 12);
  result.cmparg = SignExtend12(encoded);
  if (result.op & kOpArgShift) {
    // Linux masks an out-of-range shift (and warns once).
    result.oparg = 1u << (static_cast<uint32_t>(oparg) & 31);
    result.op &= ~kOpArgShift;
  } else {
    result.oparg = static_cast<uint32_t>(oparg);
  }
  if (result.op > kOpXor || result.cmp > kCmpGe) return ktl::Errno::kENOSYS;
  return result;
}

uint32_t WakeOp::Apply(uint32_t old_value) const {
  switch (op) {
    case kOpSet: return oparg;
    case kOpAdd: return old_value + oparg;
    case kOpOr: return old_value | oparg;
    case kOpAndn: return old_value & ~oparg;
    default: return old_value ^ oparg;  // kOpXor; Decode rejected the rest
  }
}

bool WakeOp::ShouldWake(uint32_t old_value) const {
  int32_t value = static_cast<int32_t>(old_value);
  switch (cmp) {
    case kCmpEq: return value == cmparg;
    case kCmpNe: return value != cmparg;
    case kCmpLt: return value < cmparg;
    case kCmpLe: return value <= cmparg;
    case kCmpGt: return value > cmparg;
    default: return value >= cmparg;  // kCmpGe
  }
}

}  // namespace sentry::sched
