#include "kernel/ktl/spinlock.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace ktl {
namespace {

TEST(SpinlockTest, TryLockAndGuard) {
  Spinlock lock;
  EXPECT_FALSE(lock.IsLocked());
  {
    SpinlockGuard guard(lock);
    EXPECT_TRUE(lock.IsLocked());
    EXPECT_FALSE(lock.TryLock());
  }
  EXPECT_TRUE(lock.TryLock());
  lock.Unlock();
}

TEST(SpinlockTest, MutualExclusion) {
  Spinlock lock;
  long counter = 0;  // Guarded by lock.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100000; ++i) {
        SpinlockGuard guard(lock);
        counter = counter + 1;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter, 400000);
}

}  // namespace
}  // namespace ktl
