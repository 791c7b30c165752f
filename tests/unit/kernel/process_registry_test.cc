#include "kernel/task/process_registry.h"

#include <gtest/gtest.h>

#include <vector>

namespace sentry {
namespace {

TEST(ProcessRegistryTest, FindsListsInPidOrderAndForgets) {
  auto* a = reinterpret_cast<Process*>(0x1000);
  auto* b = reinterpret_cast<Process*>(0x2000);
  size_t before = ProcessCount();
  ASSERT_TRUE(RegisterProcess(9001, b).ok());
  ASSERT_TRUE(RegisterProcess(9000, a).ok());
  EXPECT_EQ(RegisterProcess(9000, b).error(), ktl::Errno::kEEXIST);
  EXPECT_EQ(FindProcess(9000), a);
  EXPECT_EQ(FindProcess(9001), b);
  EXPECT_EQ(FindProcess(9002), nullptr);
  EXPECT_EQ(ProcessCount(), before + 2);
  std::vector<int32_t> pids;
  ForEachProcess([&](int32_t pid, Process*) {
    pids.push_back(pid);
    return true;
  });
  ASSERT_GE(pids.size(), 2u);
  for (size_t i = 1; i < pids.size(); ++i) EXPECT_LT(pids[i - 1], pids[i]);
  UnregisterProcess(9000);
  UnregisterProcess(9001);
  UnregisterProcess(9001);  // already gone: nothing happens
  EXPECT_EQ(FindProcess(9000), nullptr);
  EXPECT_EQ(ProcessCount(), before);
}

}  // namespace
}  // namespace sentry
