// Processes: tests/programs/process_*.c under `ringfence do` and, with
// RINGFENCE_TEST_NATIVE=1, on Linux itself (fork, vfork, COW memory, wait4,
// waitid, zombies, orphans, process groups, prctl, limits).
#include <cstdlib>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/sandbox_runner.h"

#ifndef RINGFENCE_TEST_PROGRAMS_DIR
#error "RINGFENCE_TEST_PROGRAMS_DIR must be defined by CMake"
#endif

namespace ringfence::testing {
namespace {

std::string Program(const std::string& name) {
  return std::string(RINGFENCE_TEST_PROGRAMS_DIR) + "/" + name;
}

// Runs a program mode that must exit 0 after printing `done_line`.
RunResult ExpectPasses(const std::string& name, std::vector<std::string> args,
                       const std::string& done_line) {
  RunResult r = SandboxRun(Program(name), std::move(args)).TimeoutSeconds(180).Run();
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_FALSE(r.timed_out) << r.Describe();
  EXPECT_FALSE(Contains(r.out, "FAIL")) << r.Describe();
  EXPECT_TRUE(Contains(r.out, done_line + "\n")) << r.Describe();
  return r;
}

TEST(ProcessTest, ForkWaitCopyOnWriteVforkZombies) {
  ExpectPasses("process_basic", {}, "process_basic  done");
}

TEST(ProcessTest, ForkWaitCopyOnWriteVforkZombiesPie) {
  ExpectPasses("process_basic_pie", {}, "process_basic  done");
}

TEST(ProcessTest, OrphanGoesToChildSubreaper) {
  RunResult r = ExpectPasses("process_basic", {"orphans"}, "process_basic orphans done");
  EXPECT_EQ(r.Field("orphan_ppid_is_self"), "1") << r.Describe();
}

TEST(ProcessTest, OrphanGoesToInit) {
  RunResult r = ExpectPasses("process_basic", {"init_orphan"}, "process_basic init_orphan done");
  if (!SandboxRun::Native()) {
    // The test program is the sandbox's PID 1.
    EXPECT_EQ(r.Field("init_orphan_ppid"), "1") << r.Describe();
  } else {
    EXPECT_NE(r.Field("init_orphan_ppid"), "0") << r.Describe();
  }
}

TEST(ProcessTest, TwoHundredForksDoNotLeak) {
  RunResult r = ExpectPasses("process_basic", {"many", "200"}, "process_basic many done");
  if (!SandboxRun::Native()) {
    // Every child's memory, page tables and kernel stacks come back: allow
    // for page-cache and heap slack, far below 200 leaked address spaces.
    long drift_kb = std::atol(r.Field("memfree_drift_kb").c_str());
    EXPECT_LT(drift_kb, 2048) << r.Describe();
  }
}

TEST(ProcessTest, WaitidGroupsSessionsPrctlLimits) {
  ExpectPasses("process_control", {}, "process_control done");
}

TEST(ProcessTest, WaitidGroupsSessionsPrctlLimitsPie) {
  ExpectPasses("process_control_pie", {}, "process_control done");
}

TEST(ProcessTest, ShellSubshellsAreForkedAndWaitedFor) {
  // busybox sh forks for each subshell and reports its status.
  RunResult r = SandboxRun("/bin/busybox", {"sh", "-c", "(exit 3); echo $?; (echo sub; exit 0)"})
                    .TimeoutSeconds(120)
                    .Run();
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_EQ(r.out, "3\nsub\n") << r.Describe();
}

}  // namespace
}  // namespace ringfence::testing
