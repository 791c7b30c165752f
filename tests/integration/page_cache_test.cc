// Page caches of read-only files outlive their mappings: a program exec'd
// again maps the frames the previous exec filled, without reading its
// files (the program, ld.so, libc) from the host again. Measured through
// --stats' count of preadv hypercalls (host file reads), so the comparison
// runs in the sandbox only; natively the program just has to work.
#include <string>

#include "gtest/gtest.h"
#include "tests/integration/sandbox_runner.h"
#include "tests/integration/test_programs.h"

namespace ringfence::testing {
namespace {

// Runs exec_repeat ROUNDS PROGRAM; returns the host reads it took (-1 if
// --stats reported none).
long long HostReadsOfExecs(int rounds, const std::string& program) {
  RunResult r = SandboxRun(TestProgram("exec_repeat"), {std::to_string(rounds), program})
                    .Flag("--stats")
                    .Run();
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "exec_repeat done " + std::to_string(rounds) + "\n"))
      << r.Describe();
  return r.Stat("hypercall.preadv");
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

TEST_P(PageCacheTest, ExecsAfterTheFirstReadNothingFromTheHost) {
  if (SandboxRun::Native()) {
    HostReadsOfExecs(3, Program());
    return;
  }
  long long once = HostReadsOfExecs(1, Program());
  long long four = HostReadsOfExecs(4, Program());
  ASSERT_GT(once, 0) << "the first exec reads its files";
  EXPECT_EQ(four, once) << "each further exec read " << (four - once) / 3.0
                        << " times from the host";
}

INSTANTIATE_TEST_SUITE_P(Programs, PageCacheTest, ::testing::Values("true", "hello_dyn"));

}  // namespace
}  // namespace ringfence::testing
