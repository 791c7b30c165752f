// The file-system syscalls end to end: each tests/programs/fs_*.c program
// runs in a fresh directory under /tmp (a tmpfs mount in the sandbox) and,
// in the sandbox only, under / (the root file system; natively that would
// write to the host's root). Natively (RINGFENCE_TEST_NATIVE=1) the same
// checks validate the expectations against Linux.
#include <string>
#include <tuple>

#include "gtest/gtest.h"
#include "tests/integration/sandbox_runner.h"

#ifndef RINGFENCE_TEST_PROGRAMS_DIR
#error "RINGFENCE_TEST_PROGRAMS_DIR must be defined by CMake"
#endif

namespace ringfence::testing {
namespace {

bool Contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

// (program, base directory).
class FsProgramTest : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(FsProgramTest, PassesEveryCheck) {
  const auto& [program, base] = GetParam();
  if (base == "/" && SandboxRun::Native()) GTEST_SKIP() << "would write to the host's root";
  RunResult r = SandboxRun(std::string(RINGFENCE_TEST_PROGRAMS_DIR) + "/" + program, {base})
                    .TimeoutSeconds(120)
                    .Run();
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_FALSE(r.timed_out) << r.Describe();
  EXPECT_FALSE(Contains(r.out, "FAIL")) << r.Describe();
  EXPECT_TRUE(Contains(r.out, program + " done\n")) << r.Describe();
}

INSTANTIATE_TEST_SUITE_P(
    Fs, FsProgramTest,
    ::testing::Combine(::testing::Values("fs_open", "fs_stat", "fs_dirs", "fs_links", "fs_cwd"),
                       ::testing::Values("/tmp", "/")),
    [](const ::testing::TestParamInfo<FsProgramTest::ParamType>& info) {
      return std::get<0>(info.param) + (std::get<1>(info.param) == "/" ? "_root" : "_tmp");
    });

}  // namespace
}  // namespace ringfence::testing
