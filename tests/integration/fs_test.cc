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
#include "tests/integration/test_programs.h"

namespace ringfence::testing {
namespace {

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
  SandboxRun run(TestProgram(program), {base});
  for (const std::string& flag : flags) run.Flag(flag);
  // Sandbox-only expectations: statfs says tmpfs for /tmp (fs_attr).
  if (!SandboxRun::Native()) run.Env("RINGFENCE_FS_TEST_SANDBOX", "1");
  RunResult r = run.TimeoutSeconds(120).Run();
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_FALSE(r.timed_out) << r.Describe();
  EXPECT_FALSE(Contains(r.out, "FAIL")) << r.Describe();
  EXPECT_TRUE(Contains(r.out, program + " done\n")) << r.Describe();
}

// --strace decodes paths, *at dirfds and octal modes.
TEST(FsStraceTest, ShowsPathsDirFdsAndModes) {
  if (SandboxRun::Native()) GTEST_SKIP() << "sandbox-only flag";
  RunResult r = SandboxRun(TestProgram("fs_stat"), {"/tmp"})
                    .Flag("--strace")
                    .Run();
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "mkdir(\"d\", 0750) = 0\n")) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "openat(AT_FDCWD, \"f\", 0x0, 0) = 3\n")) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "newfstatat(999, \"x\", ")) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "symlink(\"f\", \"l\") = 0\n")) << r.Describe();
}

std::string TestName(const ::testing::TestParamInfo<FsProgramTest::ParamType>& info) {
  return std::get<0>(info.param) + (std::get<1>(info.param) == "gofer" ? "_gofer" : "_tmp");
}

INSTANTIATE_TEST_SUITE_P(
    Fs, FsProgramTest,
    ::testing::Combine(::testing::Values("fs_open", "fs_stat", "fs_dirs", "fs_links", "fs_cwd",
                                         "fs_attr", "fs_data", "fs_fcntl", "fs_locks",
                                         "fs_xattr"),
                       ::testing::Values("/tmp")),
    TestName);

// The Gofer's file system has no fallocate and no extended attributes yet,
// so fs_attr and fs_xattr run on tmpfs only.
INSTANTIATE_TEST_SUITE_P(
    FsGofer, FsProgramTest,
    ::testing::Combine(::testing::Values("fs_open", "fs_stat", "fs_dirs", "fs_links", "fs_cwd",
                                         "fs_data", "fs_fcntl", "fs_locks"),
                       ::testing::Values("gofer")),
    TestName);

}  // namespace
}  // namespace ringfence::testing
