// The file-system syscalls end to end: each tests/programs/fs_*.c program
// runs in a fresh directory under /tmp (a tmpfs mount in the sandbox) and
// on a Gofer-served host directory (a read-write --volume at /tmp/gofer in
// the sandbox; natively the directory itself). The root itself is the
// host's, read-only until the overlay gives it a writable layer. Natively
// (RINGFENCE_TEST_NATIVE=1) the same checks validate the expectations
// against Linux.
#include <string>
#include <tuple>
#include <vector>

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
  const auto& [program, where] = GetParam();
  TempDir volume;
  std::string base = where;
  std::vector<std::string> flags;
  if (where == "gofer") {
    base = SandboxRun::Native() ? volume.path() : "/tmp/gofer";
    flags.push_back("--volume=" + volume.path() + ":/tmp/gofer");
  }
  SandboxRun run(std::string(RINGFENCE_TEST_PROGRAMS_DIR) + "/" + program, {base});
  for (const std::string& flag : flags) run.Flag(flag);
  RunResult r = run.TimeoutSeconds(120).Run();
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_FALSE(r.timed_out) << r.Describe();
  EXPECT_FALSE(Contains(r.out, "FAIL")) << r.Describe();
  EXPECT_TRUE(Contains(r.out, program + " done\n")) << r.Describe();
}

INSTANTIATE_TEST_SUITE_P(
    Fs, FsProgramTest,
    ::testing::Combine(::testing::Values("fs_open", "fs_stat", "fs_dirs", "fs_links", "fs_cwd"),
                       ::testing::Values("/tmp", "gofer")),
    [](const ::testing::TestParamInfo<FsProgramTest::ParamType>& info) {
      return std::get<0>(info.param) + (std::get<1>(info.param) == "gofer" ? "_gofer" : "_tmp");
    });

}  // namespace
}  // namespace ringfence::testing
