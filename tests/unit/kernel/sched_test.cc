// The scheduler's portable bookkeeping: run queue order, wait queues,
// the timer list, and futex(2)'s wake/requeue/wake-op rules.
#include <vector>

#include "gtest/gtest.h"
#include "kernel/sched/futex_table.h"
#include "kernel/sched/queues.h"
#include "kernel/time/timespec.h"

namespace sentry::sched {
namespace {

// Collects released threads in order.
struct Woken {
  std::vector<Thread*> threads;
  void operator()(Thread& thread) { threads.push_back(&thread); }
};

TEST(RunQueueTest, RoundRobinOrder) {
  Thread a, b, c;
  RunQueue queue;
  queue.Push(a);
  queue.Push(b);
  EXPECT_EQ(queue.Pop(), &a);
  queue.Push(a);  // a yielded: back of the line
  queue.Push(c);
  EXPECT_EQ(queue.Pop(), &b);
  EXPECT_EQ(queue.Pop(), &a);
  EXPECT_EQ(queue.Pop(), &c);
  EXPECT_EQ(queue.Pop(), nullptr);
  EXPECT_EQ(a.state, ThreadState::kRunnable);
}

TEST(WaitQueueTest, WakesOldestFirstAndCounts) {
  Thread a, b, c;
  WaitQueue queue;
  queue.Add(a);
  queue.Add(b);
  queue.Add(c);
  Woken woken;
  EXPECT_EQ(queue.Wake(2, woken), 2u);
  ASSERT_EQ(woken.threads.size(), 2u);
  EXPECT_EQ(woken.threads[0], &a);
  EXPECT_EQ(woken.threads[1], &b);
  EXPECT_EQ(a.wake_reason, WakeReason::kWoken);
  EXPECT_EQ(a.waiting_on, nullptr);
  EXPECT_EQ(queue.WakeAll(woken), 1u);
  EXPECT_TRUE(queue.empty());
}

TEST(TimerListTest, ExpiresInDeadlineOrderAndLeavesWaitList) {
  Thread a, b, c;
  WaitQueue queue;
  TimerList timers;
  a.deadline_ns = 300;
  b.deadline_ns = 100;
  c.deadline_ns = 200;
  queue.Add(a);
  timers.Add(a);
  timers.Add(b);
  timers.Add(c);
  EXPECT_EQ(timers.EarliestDeadline(), 100);
  Woken expired;
  EXPECT_EQ(timers.Expire(250, expired), 2u);
  ASSERT_EQ(expired.threads.size(), 2u);
  EXPECT_EQ(expired.threads[0], &b);
  EXPECT_EQ(expired.threads[1], &c);
  EXPECT_EQ(b.wake_reason, WakeReason::kTimeout);
  EXPECT_EQ(timers.EarliestDeadline(), 300);
  EXPECT_EQ(timers.Expire(300, expired), 1u);
  EXPECT_TRUE(queue.empty());  // a's timeout took it off the wait queue
  EXPECT_EQ(a.waiting_on, nullptr);
  EXPECT_TRUE(timers.empty());
}

TEST(TimerListTest, RemoveIsIdempotent) {
  Thread a;
  TimerList timers;
  a.deadline_ns = 5;
  timers.Add(a);
  timers.Remove(a);
  timers.Remove(a);
  EXPECT_TRUE(timers.empty());
  EXPECT_EQ(timers.EarliestDeadline(), 0);
}

class FutexTableTest : public ::testing::Test {
 protected:
  int space_ = 0;
  FutexKey Key(uint64_t address) { return {&space_, address}; }
  FutexTable table_;
  Woken woken_;
};

TEST_F(FutexTableTest, WakeCountsAndMatchesKeys) {
  Thread a, b, c;
  table_.Enqueue(a, Key(0x1000), kFutexBitsetMatchAny);
  table_.Enqueue(b, Key(0x2000), kFutexBitsetMatchAny);
  table_.Enqueue(c, Key(0x1000), kFutexBitsetMatchAny);
  EXPECT_EQ(table_.Wake(Key(0x1000), 5, kFutexBitsetMatchAny, woken_), 2);
  EXPECT_EQ(table_.CountWaiters(Key(0x2000)), 1u);
  EXPECT_EQ(table_.Wake(Key(0x3000), 5, kFutexBitsetMatchAny, woken_), 0);
  EXPECT_EQ(table_.Wake(Key(0x2000), 5, kFutexBitsetMatchAny, woken_), 1);
}

TEST_F(FutexTableTest, ZeroCountStillWakesOneAsLinux) {
  Thread a, b;
  table_.Enqueue(a, Key(0x1000), kFutexBitsetMatchAny);
  table_.Enqueue(b, Key(0x1000), kFutexBitsetMatchAny);
  EXPECT_EQ(table_.Wake(Key(0x1000), 0, kFutexBitsetMatchAny, woken_), 1);
  EXPECT_EQ(table_.Wake(Key(0x1000), 1, kFutexBitsetMatchAny, woken_), 1);
}

TEST_F(FutexTableTest, DifferentAddressSpacesDoNotMatch) {
  int other_space = 0;
  Thread a;
  table_.Enqueue(a, Key(0x1000), kFutexBitsetMatchAny);
  EXPECT_EQ(table_.Wake({&other_space, 0x1000}, 1, kFutexBitsetMatchAny, woken_), 0);
  EXPECT_EQ(table_.Wake(Key(0x1000), 1, kFutexBitsetMatchAny, woken_), 1);
}

TEST_F(FutexTableTest, BitsetSelectsWaiters) {
  Thread a, b;
  table_.Enqueue(a, Key(0x1000), 0x1);
  table_.Enqueue(b, Key(0x1000), 0x6);
  EXPECT_EQ(table_.Wake(Key(0x1000), 5, 0x4, woken_), 1);
  ASSERT_EQ(woken_.threads.size(), 1u);
  EXPECT_EQ(woken_.threads[0], &b);
  EXPECT_EQ(table_.CountWaiters(Key(0x1000)), 1u);
  EXPECT_EQ(table_.Wake(Key(0x1000), 5, 0x1, woken_), 1);
}

TEST_F(FutexTableTest, RequeueWakesThenMoves) {
  Thread a, b, c, d;
  for (Thread* t : {&a, &b, &c, &d}) table_.Enqueue(*t, Key(0x1000), kFutexBitsetMatchAny);
  EXPECT_EQ(table_.Requeue(Key(0x1000), Key(0x2000), 1, 2, woken_), 3);
  ASSERT_EQ(woken_.threads.size(), 1u);
  EXPECT_EQ(woken_.threads[0], &a);
  EXPECT_EQ(table_.CountWaiters(Key(0x1000)), 1u);
  EXPECT_EQ(table_.CountWaiters(Key(0x2000)), 2u);
  EXPECT_EQ(b.futex_key, Key(0x2000));
  // A timeout on a requeued waiter takes it off the new bucket.
  b.LeaveWaitList(WakeReason::kTimeout);
  EXPECT_EQ(table_.CountWaiters(Key(0x2000)), 1u);
  EXPECT_EQ(table_.Wake(Key(0x2000), 5, kFutexBitsetMatchAny, woken_), 1);
  EXPECT_EQ(table_.Wake(Key(0x1000), 5, kFutexBitsetMatchAny, woken_), 1);
}

TEST_F(FutexTableTest, RequeueOntoItselfTerminates) {
  Thread a, b;
  table_.Enqueue(a, Key(0x1000), kFutexBitsetMatchAny);
  table_.Enqueue(b, Key(0x1000), kFutexBitsetMatchAny);
  EXPECT_EQ(table_.Requeue(Key(0x1000), Key(0x1000), 0, 1 << 30, woken_), 2);
  EXPECT_EQ(table_.CountWaiters(Key(0x1000)), 2u);
  EXPECT_EQ(table_.Wake(Key(0x1000), 5, kFutexBitsetMatchAny, woken_), 2);
}

// FUTEX_OP(op, oparg, cmp, cmparg) from linux/futex.h.
constexpr uint32_t EncodeOp(uint32_t op, uint32_t oparg, uint32_t cmp, uint32_t cmparg) {
  return ((op & 0xf) << 28) | ((cmp & 0xf) << 24) | ((oparg & 0xfff) << 12) | (cmparg & 0xfff);
}

TEST(WakeOpTest, OperationsAndComparisons) {
  auto add = WakeOp::Decode(EncodeOp(1, 5, 0, 7));
  ASSERT_TRUE(add.ok());
  EXPECT_EQ(add.value().Apply(10), 15u);
  EXPECT_TRUE(add.value().ShouldWake(7));
  EXPECT_FALSE(add.value().ShouldWake(8));
  auto shift_or = WakeOp::Decode(EncodeOp(8 | 2, 4, 4, 0));  // OR with 1 << 4, cmp GT 0
  ASSERT_TRUE(shift_or.ok());
  EXPECT_EQ(shift_or.value().Apply(1), 17u);
  EXPECT_TRUE(shift_or.value().ShouldWake(1));
  EXPECT_FALSE(shift_or.value().ShouldWake(0xffffffff));  // signed: -1 > 0 is false
  auto andn = WakeOp::Decode(EncodeOp(3, 0xff, 5, 0xfff));  // cmparg sign-extends to -1
  ASSERT_TRUE(andn.ok());
  EXPECT_EQ(andn.value().Apply(0x1234), 0x1200u);
  EXPECT_TRUE(andn.value().ShouldWake(0));  // 0 >= -1
  auto set = WakeOp::Decode(EncodeOp(0, 0xfff, 1, 0));  // oparg sign-extends too
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set.value().Apply(3), 0xffffffffu);
}

TEST(WakeOpTest, UnknownOpOrComparisonIsEnosys) {
  EXPECT_EQ(WakeOp::Decode(EncodeOp(5, 0, 0, 0)).error(), ktl::Errno::kENOSYS);
  EXPECT_EQ(WakeOp::Decode(EncodeOp(0, 0, 6, 0)).error(), ktl::Errno::kENOSYS);
}

TEST(TimespecTest, ValidatesAndSaturates) {
  EXPECT_EQ(time::TimespecToNs({1, 5}).value(), 1000000005);
  EXPECT_EQ(time::TimespecToNs({0, 1000000000}).error(), ktl::Errno::kEINVAL);
  EXPECT_EQ(time::TimespecToNs({0, -1}).error(), ktl::Errno::kEINVAL);
  EXPECT_EQ(time::TimespecToNs({-1, 0}).error(), ktl::Errno::kEINVAL);
  EXPECT_EQ(time::TimespecToNs({INT64_MAX, 0}).value(), time::kMaxTimeNs);
  EXPECT_EQ(time::DeadlineAfter(100, 50), 150);
  EXPECT_EQ(time::DeadlineAfter(100, time::kMaxTimeNs), time::kMaxTimeNs);
}

}  // namespace
}  // namespace sentry::sched
