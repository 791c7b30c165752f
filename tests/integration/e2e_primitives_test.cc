// The primitives under issue 4's end-to-end cases, one at a time:
// multiprocessing.Pool's locks are semaphores in shared memory (shared
// futexes), and make's posix_spawn resets the effective uid
// (tests/programs/process_shared.c, process_credentials.c). Natively
// (RINGFENCE_TEST_NATIVE=1) they run on Linux itself.
#include <unistd.h>

#include <string>

#include "gtest/gtest.h"
#include "tests/integration/program_modes.h"

namespace ringfence::testing {
namespace {

class ProcessSharedTest : public ProgramModeTest {
 protected:
  ProcessSharedTest() : ProgramModeTest("process_shared") {}
};

TEST_P(ProcessSharedTest, FutexInSharedAnonymousMemory) { ExpectModePasses("futex"); }
TEST_P(ProcessSharedTest, FutexInAShmFileMappedTwice) { ExpectModePasses("file"); }
TEST_P(ProcessSharedTest, PrivateMemoryFutexesStayPerProcess) { ExpectModePasses("private"); }
TEST_P(ProcessSharedTest, NamedAndUnnamedSemaphores) { ExpectModePasses("sem"); }
TEST_P(ProcessSharedTest, ProcessSharedMutexAndCondition) { ExpectModePasses("mutex"); }

INSTANTIATE_TEST_SUITE_P(LinkModes, ProcessSharedTest, kLinkModes, LinkModeName);

class ProcessCredentialsTest : public ProgramModeTest {
 protected:
  ProcessCredentialsTest() : ProgramModeTest("process_credentials") {}
};

TEST_P(ProcessCredentialsTest, SetAndGetIds) {
  RunResult r = RunMode("ids");
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_FALSE(Contains(r.out, "FAIL")) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "process_credentials ids done\n")) << r.Describe();
  // The sandbox's first process has the caller's ids: as root, the
  // scenarios must have run.
  if (getuid() == 0) EXPECT_TRUE(Contains(r.out, "ok setuid_rules\n")) << r.Describe();
}

TEST_P(ProcessCredentialsTest, SupplementaryGroupsAndFileAccess) {
  RunResult r = RunMode("groups");
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_FALSE(Contains(r.out, "FAIL")) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "process_credentials groups done\n")) << r.Describe();
  if (getuid() == 0) EXPECT_TRUE(Contains(r.out, "ok other_group_denied\n")) << r.Describe();
}

TEST_P(ProcessCredentialsTest, PerThreadIdsAndGlibcBroadcast) {
  RunResult r = RunMode("threads");
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_FALSE(Contains(r.out, "FAIL")) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "process_credentials threads done\n")) << r.Describe();
  if (getuid() == 0) EXPECT_TRUE(Contains(r.out, "ok per_thread_ids\n")) << r.Describe();
}

INSTANTIATE_TEST_SUITE_P(LinkModes, ProcessCredentialsTest, kLinkModes, LinkModeName);

}  // namespace
}  // namespace ringfence::testing
