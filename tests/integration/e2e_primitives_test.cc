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

  // `mode` passes. The sandbox's first process has the caller's ids: as
  // root, its scenarios must have run, through to `last_check`.
  void ExpectScenariosPass(const std::string& mode, const std::string& last_check) const {
    SCOPED_TRACE(mode);
    RunResult r = RunMode(mode);
    EXPECT_EQ(r.status, 0) << r.Describe();
    EXPECT_FALSE(Contains(r.out, "FAIL")) << r.Describe();
    EXPECT_TRUE(Contains(r.out, "process_credentials " + mode + " done\n")) << r.Describe();
    if (getuid() == 0) {
      EXPECT_TRUE(Contains(r.out, "ok " + last_check + "\n")) << r.Describe();
    }
  }
};

TEST_P(ProcessCredentialsTest, SetAndGetIds) { ExpectScenariosPass("ids", "setuid_rules"); }
TEST_P(ProcessCredentialsTest, SupplementaryGroupsAndFileAccess) {
  ExpectScenariosPass("groups", "other_group_denied");
}
TEST_P(ProcessCredentialsTest, PerThreadIdsAndGlibcBroadcast) {
  ExpectScenariosPass("threads", "per_thread_ids");
}

INSTANTIATE_TEST_SUITE_P(LinkModes, ProcessCredentialsTest, kLinkModes, LinkModeName);

}  // namespace
}  // namespace ringfence::testing
