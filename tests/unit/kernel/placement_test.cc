// Per-vCPU run queues: where a runnable thread goes (ChooseCpu), which vCPU
// an idle one steals from (ChooseVictim) and which thread (StealFrom).
#include "kernel/sched/placement.h"

#include <vector>

#include "gtest/gtest.h"

namespace sentry::sched {
namespace {

constexpr uint64_t kAll = ~0ull;

CpuLoad Busy(size_t queued = 0) { return {true, false, queued}; }
CpuLoad Idle() { return {true, true, 0}; }
CpuLoad Offline() { return {false, true, 0}; }

TEST(ChooseCpuTest, PrefersTheLastCpuWhenIdle) {
  std::vector<CpuLoad> cpus = {Busy(), Idle(), Idle()};
  EXPECT_EQ(ChooseCpu(cpus.data(), 3, kAll, /*last=*/2, /*current=*/0), 2u);
}

TEST(ChooseCpuTest, OtherwiseAnIdleCpuStartingFromTheWakers) {
  std::vector<CpuLoad> cpus = {Busy(), Busy(), Idle(), Idle()};
  EXPECT_EQ(ChooseCpu(cpus.data(), 4, kAll, /*last=*/0, /*current=*/3), 3u);
  EXPECT_EQ(ChooseCpu(cpus.data(), 4, kAll, /*last=*/0, /*current=*/1), 2u);
}

TEST(ChooseCpuTest, IdleButWithQueuedWorkIsNotIdle) {
  std::vector<CpuLoad> cpus = {Busy(), {true, true, 1}, Idle()};
  EXPECT_EQ(ChooseCpu(cpus.data(), 3, kAll, /*last=*/1, /*current=*/0), 2u);
}

TEST(ChooseCpuTest, AllBusyPicksTheLeastLoadedTiesToTheWaker) {
  std::vector<CpuLoad> cpus = {Busy(2), Busy(0), Busy(0)};
  EXPECT_EQ(ChooseCpu(cpus.data(), 3, kAll, /*last=*/1, /*current=*/2), 2u);
  EXPECT_EQ(ChooseCpu(cpus.data(), 3, kAll, /*last=*/1, /*current=*/0), 1u);
}

TEST(ChooseCpuTest, HonoursAffinity) {
  std::vector<CpuLoad> cpus = {Idle(), Busy(3), Idle()};
  EXPECT_EQ(ChooseCpu(cpus.data(), 3, /*allowed=*/0b010, /*last=*/0, /*current=*/0), 1u);
  EXPECT_EQ(ChooseCpu(cpus.data(), 3, /*allowed=*/0b110, /*last=*/0, /*current=*/0), 2u);
}

TEST(ChooseCpuTest, OfflineCpusOnlyWhenNothingAllowedIsOnline) {
  std::vector<CpuLoad> cpus = {Busy(5), Offline()};
  EXPECT_EQ(ChooseCpu(cpus.data(), 2, kAll, /*last=*/1, /*current=*/0), 0u);
  EXPECT_EQ(ChooseCpu(cpus.data(), 2, /*allowed=*/0b10, /*last=*/0, /*current=*/0), 1u);
}

TEST(ChooseCpuTest, NoAllowedCpuFallsBackToTheWaker) {
  std::vector<CpuLoad> cpus = {Busy(), Busy()};
  EXPECT_EQ(ChooseCpu(cpus.data(), 2, /*allowed=*/0b100, /*last=*/1, /*current=*/0), 0u);
}

TEST(ChooseVictimTest, TheLongestQueueAmongTheOthers) {
  std::vector<CpuLoad> cpus = {Busy(1), Idle(), Busy(3), {false, false, 9}};
  EXPECT_EQ(ChooseVictim(cpus.data(), 4, /*self=*/1), 2);
  EXPECT_EQ(ChooseVictim(cpus.data(), 4, /*self=*/2), 0);
}

TEST(ChooseVictimTest, NothingQueuedNothingToSteal) {
  std::vector<CpuLoad> cpus = {Busy(0), Idle()};
  EXPECT_EQ(ChooseVictim(cpus.data(), 2, /*self=*/1), -1);
}

TEST(StealFromTest, TakesTheOldestThreadAllowedHere) {
  Thread pinned_elsewhere, movable, later;
  RunQueue queue;
  queue.Push(pinned_elsewhere);
  queue.Push(movable);
  queue.Push(later);
  auto affinity = [&](Thread& thread) -> uint64_t {
    return &thread == &pinned_elsewhere ? 0b01 : kAll;
  };
  EXPECT_EQ(StealFrom(queue, /*cpu=*/1, affinity), &movable);
  EXPECT_EQ(queue.size(), 2u);
  EXPECT_EQ(StealFrom(queue, /*cpu=*/1, affinity), &later);
  EXPECT_EQ(StealFrom(queue, /*cpu=*/1, affinity), nullptr);
  EXPECT_EQ(queue.Pop(), &pinned_elsewhere);
}

}  // namespace
}  // namespace sentry::sched
