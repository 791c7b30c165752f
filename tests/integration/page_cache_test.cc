// Page caches of read-only files outlive their mappings: a program exec'd
// again maps the frames the previous exec filled, without reading its
// files (the program, ld.so, libc) from the host again; and read-only
// trees remember missing names, so ld.so's look for /etc/ld.so.preload
// asks the Gofer once. Measured through --stats' counts of preadv (host
// file reads) and Gofer hypercalls, so the comparison runs in the sandbox
// only; natively the program just has to work.
#include <string>

#include "gtest/gtest.h"
#include "tests/integration/sandbox_runner.h"
#include "tests/integration/test_programs.h"

namespace ringfence::testing {
namespace {

struct HostCalls {
  long long reads = -1;  // preadv hypercalls (-1: --stats reported none)
  long long gofer = -1;  // Gofer requests
};

// Runs exec_repeat ROUNDS PROGRAM; returns the host calls it took.
HostCalls HostCallsOfExecs(int rounds, const std::string& program) {
  RunResult r = SandboxRun(TestProgram("exec_repeat"), {std::to_string(rounds), program})
                    .Flag("--stats")
                    .Run();
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "exec_repeat done " + std::to_string(rounds) + "\n"))
      << r.Describe();
  return {r.Stat("hypercall.preadv"), r.Stat("hypercall.gofer")};
}

class PageCacheTest : public ::testing::TestWithParam<std::string> {
 protected:
  // /bin/true from the host root (under the overlay), or a dynamically
  // linked test program (from a read-only volume when the build tree is
  // shared so).
  std::string Program() const {
    return GetParam() == "true" ? "/bin/true" : TestProgram(GetParam());
  }
};

TEST_P(PageCacheTest, ExecsAfterTheFirstAskNothingOfTheHost) {
  if (SandboxRun::Native()) {
    HostCallsOfExecs(3, Program());
    return;
  }
  HostCalls once = HostCallsOfExecs(1, Program());
  HostCalls four = HostCallsOfExecs(4, Program());
  ASSERT_GT(once.reads, 0) << "the first exec reads its files";
  EXPECT_EQ(four.reads, once.reads)
      << "each further exec read " << (four.reads - once.reads) / 3.0 << " times from the host";
  ASSERT_GT(once.gofer, 0) << "the first exec looks its files up";
  EXPECT_EQ(four.gofer, once.gofer)
      << "each further exec made " << (four.gofer - once.gofer) / 3.0 << " Gofer requests";
}

INSTANTIATE_TEST_SUITE_P(Programs, PageCacheTest, ::testing::Values("true", "hello_dyn"));

}  // namespace
}  // namespace ringfence::testing
