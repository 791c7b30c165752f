#include "vmm/exit_stats.h"

#include <linux/kvm.h>

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace ringfence::vmm {
namespace {

TEST(ExitStatsTest, EmptyPrintsOnlyTotal) {
  ExitStats stats;
  EXPECT_EQ(stats.Format(), "ringfence-stats: exits.total 0\n");
}

TEST(ExitStatsTest, CountsSortedByName) {
  ExitStats stats;
  for (int i = 0; i < 10; ++i) stats.RecordExit(KVM_EXIT_IO);
  stats.RecordExit(KVM_EXIT_HLT);
  stats.RecordExit(KVM_EXIT_SHUTDOWN);
  for (int i = 0; i < 5; ++i) {
    stats.RecordHypercall(static_cast<uint32_t>(abi::Hypercall::kWritev));
  }
  stats.RecordHypercall(static_cast<uint32_t>(abi::Hypercall::kTerminalIoctl));
  EXPECT_EQ(stats.TotalExits(), 12u);
  EXPECT_EQ(stats.Exits(KVM_EXIT_IO), 10u);
  EXPECT_EQ(stats.Hypercalls(abi::Hypercall::kWritev), 5u);
  EXPECT_EQ(stats.Format(),
            "ringfence-stats: exits.hlt 1\n"
            "ringfence-stats: exits.io 10\n"
            "ringfence-stats: exits.shutdown 1\n"
            "ringfence-stats: exits.total 12\n"
            "ringfence-stats: hypercall.terminal_ioctl 1\n"
            "ringfence-stats: hypercall.writev 5\n");
}

TEST(ExitStatsTest, HostileNumbersAreCountedNotIndexed) {
  ExitStats stats;
  stats.RecordExit(0xffffffffu);
  stats.RecordExit(ExitStats::kMaxExitReasons);
  stats.RecordExit(50);  // in range, but unnamed
  stats.RecordHypercall(0);
  stats.RecordHypercall(abi::kHypercallCount);
  stats.RecordHypercall(0xdeadbeef);
  EXPECT_EQ(stats.TotalExits(), 3u);
  EXPECT_EQ(stats.InvalidHypercalls(), 3u);
  EXPECT_EQ(stats.Format(),
            "ringfence-stats: exits.other 2\n"
            "ringfence-stats: exits.reason_50 1\n"
            "ringfence-stats: exits.total 3\n"
            "ringfence-stats: hypercall.invalid 3\n");
}

TEST(ExitStatsTest, Names) {
  EXPECT_EQ(ExitStats::ExitReasonName(KVM_EXIT_FAIL_ENTRY), "fail_entry");
  EXPECT_EQ(ExitStats::ExitReasonName(KVM_EXIT_INTERNAL_ERROR),
            "internal_error");
  EXPECT_EQ(ExitStats::ExitReasonName(KVM_EXIT_MMIO), "mmio");
  EXPECT_EQ(ExitStats::ExitReasonName(KVM_EXIT_INTR), "intr");
  const char* expected[] = {"exit",           "writev",   "readv",
                            "preadv",         "pwritev",  "fstat",
                            "terminal_ioctl", "get_time", "panic",
                            "gofer",          "close_handle", "start_cpu",
                            "yield"};
  static_assert(std::size(expected) == abi::kHypercallCount - 1);
  for (uint32_t n = 1; n < abi::kHypercallCount; ++n) {
    EXPECT_EQ(ExitStats::HypercallName(n), expected[n - 1]);
  }
  EXPECT_TRUE(ExitStats::HypercallName(0).empty());
}

TEST(ExitStatsTest, ConcurrentRecordingLosesNothing) {
  ExitStats stats;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        stats.RecordExit(KVM_EXIT_IO);
        stats.RecordHypercall(static_cast<uint32_t>(abi::Hypercall::kReadv));
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(stats.Exits(KVM_EXIT_IO), uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(stats.Hypercalls(abi::Hypercall::kReadv),
            uint64_t{kThreads} * kPerThread);
}

TEST(ExitStatsTest, PrintWritesFormat) {
  ExitStats stats;
  stats.RecordExit(KVM_EXIT_IO);
  char* buffer = nullptr;
  size_t size = 0;
  FILE* f = open_memstream(&buffer, &size);
  ASSERT_NE(f, nullptr);
  stats.Print(f);
  std::fclose(f);
  EXPECT_EQ(std::string(buffer, size), stats.Format());
  free(buffer);
}

}  // namespace
}  // namespace ringfence::vmm
