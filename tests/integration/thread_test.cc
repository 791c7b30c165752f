// Threads, futexes and sleeps: tests/programs/thread_*.c under `ringfence
// do` and, with RINGFENCE_TEST_NATIVE=1, on Linux itself.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/sandbox_runner.h"
#include "tests/integration/test_programs.h"

namespace ringfence::testing {
namespace {

// Runs a program mode that must exit 0 after printing `done_line`.
RunResult ExpectPasses(const std::string& name, std::vector<std::string> args,
                       const std::string& done_line) {
  RunResult r = SandboxRun(TestProgram(name), std::move(args)).TimeoutSeconds(120).Run();
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_FALSE(r.timed_out) << r.Describe();
  EXPECT_FALSE(Contains(r.out, "FAIL")) << r.Describe();
  EXPECT_TRUE(Contains(r.out, done_line + "\n")) << r.Describe();
  return r;
}

TEST(ThreadTest, CreateJoinEightThreads) {
  RunResult r = ExpectPasses("thread_basic", {}, "thread_basic done");
  if (!SandboxRun::Native()) {
    // `ringfence do` defaults to the caller's CPUs (smp_test.cc checks the count).
    EXPECT_NE(r.Field("cpus"), "") << r.Describe();
  }
}

TEST(ThreadTest, CreateJoinEightThreadsPie) {
  ExpectPasses("thread_basic_pie", {}, "thread_basic done");
}

TEST(ThreadTest, ExitGroupFromSecondaryThread) {
  RunResult r = SandboxRun(TestProgram("thread_basic"), {"exit_group"}).TimeoutSeconds(60).Run();
  EXPECT_EQ(r.status, 7) << r.Describe();
  EXPECT_FALSE(Contains(r.out, "FAIL")) << r.Describe();
}

TEST(ThreadTest, LastThreadExitEndsProcessWithItsStatus) {
  RunResult r = SandboxRun(TestProgram("thread_basic"), {"main_exit"}).TimeoutSeconds(60).Run();
  EXPECT_EQ(r.status, 9) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "last thread exiting\n")) << r.Describe();
}

TEST(ThreadTest, FutexSemantics) { ExpectPasses("thread_sync", {}, "thread_sync  done"); }

TEST(ThreadTest, MutexAndCondvarContention) {
  ExpectPasses("thread_sync", {"contention"}, "thread_sync contention done");
}

TEST(ThreadTest, FutexStressSixteenThreads) {
  ExpectPasses("thread_sync", {"stress", "16"}, "thread_sync stress done");
}

TEST(ThreadTest, SleepsAreNeverEarly) { ExpectPasses("thread_sleep", {}, "thread_sleep done"); }

}  // namespace
}  // namespace ringfence::testing
