// A walk over a Gofer volume holding more files than the Gofer allows fids
// (gofer/server.h: max_fids): the Sentry must release fids of files it no
// longer uses (dentry eviction), or find fails with EMFILE. Sandbox only:
// the count is checked against the host's own walk of the same tree.
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "tests/integration/sandbox_runner.h"

namespace ringfence::testing {
namespace {

size_t CountLines(const std::string& text) {
  size_t lines = 0;
  for (char c : text) lines += c == '\n';
  return lines;
}

TEST(GoferManyFilesTest, FindCountsEveryFileOfALargeVolume) {
  if (SandboxRun::Native()) GTEST_SKIP() << "sandbox only";
  constexpr int kDirs = 60, kFilesPerDir = 100;  // 6,000 files: > 4,096 fids
  TempDir volume;
  for (int d = 0; d < kDirs; ++d) {
    std::string dir = "d" + std::to_string(d);
    ASSERT_EQ(mkdir((volume.path() + "/" + dir).c_str(), 0755), 0);
    for (int f = 0; f < kFilesPerDir; ++f) {
      std::ofstream(volume.path() + "/" + dir + "/f" + std::to_string(f) + ".gz") << f;
    }
  }
  size_t native = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(volume.path())) {
    native += entry.path().extension() == ".gz";
  }
  ASSERT_EQ(native, static_cast<size_t>(kDirs * kFilesPerDir));

  SandboxRun run("/bin/busybox", {"find", "/tmp/many", "-name", "*.gz"});
  run.Flag("--volume=" + volume.path() + ":/tmp/many").Flag("--stats");
  RunResult result = run.Run();
  EXPECT_EQ(result.status, 0) << result.Describe();
  EXPECT_EQ(CountLines(result.out), native) << result.err.substr(0, 2000);
  EXPECT_EQ(result.err.find("Too many open files"), std::string::npos) << result.err.substr(0, 2000);
  std::printf("find over %zu files: %lld gofer hypercalls\n", native,
              static_cast<long long>(result.Stat("hypercall.gofer")));
}

}  // namespace
}  // namespace ringfence::testing
