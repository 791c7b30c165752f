#include "kernel/sched/futex.h"

#include "kernel/sched/scheduler.h"
#include "kernel/syscalls/user_pointer.h"
#include "kernel/task/task.h"

namespace sentry::sched {
namespace {

using ktl::Errno;

FutexTable g_futexes;

// The `space` of keys naming a word by its guest-physical address.
constexpr char kPhysicalMemory = 0;

ktl::Result<FutexKey> KeyFor(uint64_t address, FutexScope scope) {
  if (address % sizeof(uint32_t) != 0) return Errno::kEINVAL;
  mm::AddressSpace& space = CurrentTask().address_space();
  if (scope == FutexScope::kShared) {
    mm::PhysAddr word = TRY(space.SharedWordAddress(address));
    if (word != 0) return FutexKey{&kPhysicalMemory, word};
  }
  return FutexKey{&space, address};
}

constexpr auto kWake = [](Thread& thread) { MakeRunnable(thread); };

}  // namespace

ktl::Result<int64_t> FutexWait(uint64_t address, FutexScope scope, uint32_t expected,
                               uint32_t bitset, int64_t deadline_ns) {
  if (bitset == 0) return Errno::kEINVAL;
  FutexKey key = TRY(KeyFor(address, scope));
  uint32_t value = TRY(UserPointer<uint32_t>(address).Read());
  if (value != expected) return Errno::kEAGAIN;
  g_futexes.Enqueue(CurrentTask().thread(), key, bitset);
  switch (Block(deadline_ns)) {
    case WakeReason::kTimeout:
      return Errno::kETIMEDOUT;
    case WakeReason::kInterrupted: {
      // As Linux: without a timeout the wait restarts (unless a handler
      // without SA_RESTART runs); with one it resumes through
      // restart_syscall with the same deadline, or fails with EINTR.
      if (deadline_ns == 0) return Errno::kERESTARTSYS;
      signal::RestartBlock& restart = CurrentTask().signals().restart;
      restart = {};
      restart.kind = signal::RestartBlock::Kind::kFutexWait;
      restart.deadline_ns = deadline_ns;
      restart.address = address;
      restart.shared = scope == FutexScope::kShared;
      restart.expected = expected;
      restart.bitset = bitset;
      return Errno::kERESTART_RESTARTBLOCK;
    }
    default:
      return 0;
  }
}

ktl::Result<int64_t> FutexWake(uint64_t address, FutexScope scope, int count, uint32_t bitset) {
  if (bitset == 0) return Errno::kEINVAL;
  FutexKey key = TRY(KeyFor(address, scope));
  return g_futexes.Wake(key, count, bitset, kWake);
}

ktl::Result<int64_t> FutexRequeue(uint64_t address, uint64_t target, FutexScope scope,
                                  int wake_count, int requeue_count, const uint32_t* expected) {
  if (wake_count < 0 || requeue_count < 0) return Errno::kEINVAL;
  FutexKey from = TRY(KeyFor(address, scope));
  FutexKey to = TRY(KeyFor(target, scope));
  if (expected != nullptr) {
    uint32_t value = TRY(UserPointer<uint32_t>(address).Read());
    if (value != *expected) return Errno::kEAGAIN;
  }
  return g_futexes.Requeue(from, to, wake_count, requeue_count, kWake);
}

ktl::Result<int64_t> FutexWakeOp(uint64_t address, uint64_t target, FutexScope scope,
                                 int wake_count, int wake_count2, uint32_t encoded_op) {
  FutexKey first = TRY(KeyFor(address, scope));
  FutexKey second = TRY(KeyFor(target, scope));
  WakeOp op = TRY(WakeOp::Decode(encoded_op));
  UserPointer<uint32_t> word(target);
  uint32_t old_value = TRY(word.Read());
  TRY(word.Write(op.Apply(old_value)));
  int64_t woken = g_futexes.Wake(first, wake_count, kFutexBitsetMatchAny, kWake);
  if (op.ShouldWake(old_value)) {
    woken += g_futexes.Wake(second, wake_count2, kFutexBitsetMatchAny, kWake);
  }
  return woken;
}

}  // namespace sentry::sched
