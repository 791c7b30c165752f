// Kernel timers: expiry order, cancelling, and callbacks that re-arm.
#include <vector>

#include "gtest/gtest.h"
#include "kernel/time/timer_queue.h"

namespace sentry::time {
namespace {

struct Fired {
  std::vector<int> ids;
  TimerQueue* queue = nullptr;
  int64_t period = 0;  // re-arm the timer with id 0 this far after its deadline
};

struct Probe {
  int id;
  Fired* fired;
};

void Record(KernelTimer& timer, int64_t /*now*/) {
  auto* probe = static_cast<Probe*>(timer.context());
  probe->fired->ids.push_back(probe->id);
  if (probe->id == 0 && probe->fired->period != 0) {
    probe->fired->queue->Arm(timer, timer.deadline_ns() + probe->fired->period);
  }
}

TEST(TimerQueueTest, ExpiresInDeadlineOrder) {
  Fired fired;
  Probe p1{1, &fired}, p2{2, &fired}, p3{3, &fired};
  KernelTimer a(Record, &p1), b(Record, &p2), c(Record, &p3);
  TimerQueue queue;
  queue.Arm(a, 30);
  queue.Arm(b, 10);
  queue.Arm(c, 20);
  EXPECT_EQ(queue.EarliestDeadline(), 10);
  EXPECT_EQ(queue.Expire(25), 2u);
  EXPECT_EQ(fired.ids, (std::vector<int>{2, 3}));
  EXPECT_FALSE(b.armed());
  EXPECT_TRUE(a.armed());
  queue.Cancel(a);
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.Expire(100), 0u);
}

TEST(TimerQueueTest, RearmMovesTheTimer) {
  Fired fired;
  Probe p1{1, &fired}, p2{2, &fired};
  KernelTimer a(Record, &p1), b(Record, &p2);
  TimerQueue queue;
  queue.Arm(a, 10);
  queue.Arm(b, 20);
  queue.Arm(a, 30);  // re-arming replaces the old deadline
  EXPECT_EQ(queue.EarliestDeadline(), 20);
  queue.Expire(40);
  EXPECT_EQ(fired.ids, (std::vector<int>{2, 1}));
}

TEST(TimerQueueTest, PeriodicCallbackRunsOncePerPassedPeriod) {
  TimerQueue queue;
  Fired fired;
  fired.queue = &queue;
  fired.period = 10;
  Probe p0{0, &fired};
  KernelTimer periodic(Record, &p0);
  queue.Arm(periodic, 10);
  EXPECT_EQ(queue.Expire(35), 3u);  // 10, 20, 30
  EXPECT_EQ(periodic.deadline_ns(), 40);
  EXPECT_TRUE(periodic.armed());
  queue.Cancel(periodic);
}

}  // namespace
}  // namespace sentry::time
