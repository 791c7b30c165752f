// Processes: tests/programs/process_*.c under `ringfence do` and, with
// RINGFENCE_TEST_NATIVE=1, on Linux itself (fork, vfork, COW memory, wait4,
// waitid, zombies, orphans, process groups, prctl, limits), in both link
// forms.
#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "tests/integration/program_modes.h"
#include "tests/integration/sandbox_runner.h"

namespace ringfence::testing {
namespace {

class ProcessBasicTest : public ProgramModeTest {
 protected:
  ProcessBasicTest() : ProgramModeTest("process_basic") {}
};

TEST_P(ProcessBasicTest, ForkWaitCopyOnWriteVforkZombies) { ExpectModePasses(""); }

TEST_P(ProcessBasicTest, OrphanGoesToChildSubreaper) {
  RunResult r = RunMode("orphans");
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_FALSE(Contains(r.out, "FAIL")) << r.Describe();
  EXPECT_EQ(r.Field("orphan_ppid_is_self"), "1") << r.Describe();
}

TEST_P(ProcessBasicTest, OrphanGoesToInit) {
  RunResult r = RunMode("init_orphan");
  EXPECT_EQ(r.status, 0) << r.Describe();
  if (!SandboxRun::Native()) {
    // The test program is the sandbox's PID 1.
    EXPECT_EQ(r.Field("init_orphan_ppid"), "1") << r.Describe();
  } else {
    EXPECT_NE(r.Field("init_orphan_ppid"), "0") << r.Describe();
  }
}

TEST_P(ProcessBasicTest, TwoHundredForksDoNotLeak) {
  RunResult r = RunMode("many");  // 200 fork+exit+wait
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "process_basic many done\n")) << r.Describe();
  if (!SandboxRun::Native()) {
    // Every child's memory, page tables and kernel stacks come back: allow
    // for heap slack, far below 200 leaked address spaces.
    long drift_kb = std::atol(r.Field("memfree_drift_kb").c_str());
    EXPECT_LT(drift_kb, 1024) << r.Describe();
  }
}

INSTANTIATE_TEST_SUITE_P(LinkModes, ProcessBasicTest, kLinkModes, LinkModeName);

class ProcessControlTest : public ProgramModeTest {
 protected:
  ProcessControlTest() : ProgramModeTest("process_control") {}
};

TEST_P(ProcessControlTest, WaitidGroupsSessionsPrctlLimits) { ExpectModePasses("all"); }

INSTANTIATE_TEST_SUITE_P(LinkModes, ProcessControlTest, kLinkModes, LinkModeName);

TEST(ProcessShellTest, SubshellsAreForkedAndWaitedFor) {
  // busybox sh forks for each subshell and reports its status.
  RunResult r = SandboxRun("/bin/busybox", {"sh", "-c", "(exit 3); echo $?; (echo sub; exit 0)"})
                    .TimeoutSeconds(120)
                    .Run();
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_EQ(r.out, "3\nsub\n") << r.Describe();
}

}  // namespace
}  // namespace ringfence::testing
