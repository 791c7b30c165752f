// `ringfence do` with its files served by Gofers: --root, --volume and
// --writable-root, the Gofer processes' start-up errors, and the relay's
// counts in --stats. Sandbox only: these test the CLI and the file path, not
// Linux semantics.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/sandbox_runner.h"
#include "tests/integration/test_programs.h"

namespace ringfence::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class GoferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (SandboxRun::Native()) GTEST_SKIP() << "sandbox only";
    // A root holding one static program at /bin/hello.
    ASSERT_EQ(mkdir((root_.path() + "/bin").c_str(), 0755), 0);
    hello_ = root_.WriteFile("bin/hello", ReadFile(TestProgram("hello")));
  }

  // `ringfence do FLAGS... -- PROGRAM ARGS...`
  RunResult Run(const std::vector<std::string>& flags, const std::string& program,
                const std::vector<std::string>& args = {}) {
    SandboxRun run(program, args);
    for (const std::string& flag : flags) run.Flag(flag);
    return run.Run();
  }

  TempDir root_;
  TempDir volume_;
  std::string hello_;
};

TEST_F(GoferTest, RootServesTheSandboxFromADirectory) {
  RunResult result = Run({"--root=" + root_.path(), "--stats"}, "/bin/hello");
  EXPECT_EQ(result.status, 0) << result.Describe();
  EXPECT_EQ(result.out, "hello, world\n");
  // The root's Gofer was attached once.
  EXPECT_EQ(result.Stat("gofer.attach"), 1) << result.err;
  EXPECT_GE(result.Stat("hypercall.gofer"), 1);
}

TEST_F(GoferTest, DefaultRootIsTheHostRoot) {
  SandboxRun run(hello_);
  run.Flag("--stats");
  RunResult result = run.Run();
  EXPECT_EQ(result.status, 0) << result.Describe();
  EXPECT_EQ(result.out, "hello, world\n");
  // The root's Gofer, and one per volume the runner adds to show the
  // sandbox files under the host's /tmp (hello_ is in a TempDir).
  std::vector<std::string> argv = run.Argv();
  long long volumes = std::count_if(argv.begin(), argv.end(), [](const std::string& arg) {
    return arg.rfind("--volume", 0) == 0;
  });
  EXPECT_EQ(result.Stat("gofer.attach"), 1 + volumes) << result.err;
}

TEST_F(GoferTest, EachVolumeGetsItsOwnGofer) {
  ASSERT_EQ(mkdir((root_.path() + "/data").c_str(), 0755), 0);
  TempDir second;
  RunResult result = Run({"--root=" + root_.path(), "--stats", "--volume=" + volume_.path() + ":/data",
                          "--volume", second.path() + ":/tmp/scratch:ro"},
                         "/bin/hello");
  EXPECT_EQ(result.status, 0) << result.Describe();
  EXPECT_EQ(result.out, "hello, world\n");
  EXPECT_EQ(result.Stat("gofer.attach"), 3) << result.err;
  // Nothing was written into the (read-only) root by mounting.
  struct stat st;
  EXPECT_NE(stat((root_.path() + "/tmp").c_str(), &st), 0);
}

// --- files through the Gofer, with busybox in the served root ---------------

class GoferFilesTest : public GoferTest {
 protected:
  void SetUp() override {
    GoferTest::SetUp();
    if (IsSkipped()) return;
    busybox_ = root_.WriteFile("bin/busybox", ReadFile("/bin/busybox"));
    ASSERT_EQ(mkdir((root_.path() + "/etc").c_str(), 0755), 0);
    root_.WriteFile("etc/hostname", "served-by-gofer\n");
    ASSERT_EQ(mkdir((root_.path() + "/data").c_str(), 0755), 0);
  }
  RunResult Busybox(std::vector<std::string> flags, const std::vector<std::string>& args,
                    const std::string& stdin_data = "") {
    flags.insert(flags.begin(), "--root=" + root_.path());
    SandboxRun run("/bin/busybox", args);
    for (const std::string& flag : flags) run.Flag(flag);
    return run.Stdin(stdin_data).Run();
  }
  std::string busybox_;
};

TEST_F(GoferFilesTest, ReadsAndListsTheRoot) {
  RunResult cat = Busybox({}, {"cat", "/etc/hostname"});
  EXPECT_EQ(cat.status, 0) << cat.Describe();
  EXPECT_EQ(cat.out, "served-by-gofer\n");
  RunResult ls = Busybox({}, {"ls", "/"});
  EXPECT_EQ(ls.status, 0) << ls.Describe();
  EXPECT_EQ(ls.out, "bin\ndata\netc\n");
  RunResult missing = Busybox({}, {"cat", "/etc/missing"});
  EXPECT_EQ(missing.status, 1) << missing.Describe();
  EXPECT_NE(missing.err.find("No such file or directory"), std::string::npos) << missing.err;
}

TEST_F(GoferFilesTest, TheRootKeepsTheHostUnchangedUnlessWritable) {
  // The default root is an overlay (kernel/fs/overlay): the write succeeds
  // in the sandbox and never reaches the host.
  RunResult kept = Busybox({}, {"mkdir", "/made"});
  EXPECT_EQ(kept.status, 0) << kept.Describe();
  struct stat st;
  EXPECT_NE(stat((root_.path() + "/made").c_str(), &st), 0);

  RunResult made = Busybox({"--writable-root"}, {"tee", "/made"}, "through the gofer\n");
  EXPECT_EQ(made.status, 0) << made.Describe();
  EXPECT_EQ(ReadFile(root_.path() + "/made"), "through the gofer\n");
}

TEST_F(GoferFilesTest, VolumesAreServedAtTheirGuestPaths) {
  volume_.WriteFile("in-volume", "volume data\n");
  std::string spec = "--volume=" + volume_.path() + ":/data";
  RunResult cat = Busybox({spec}, {"cat", "/data/in-volume"});
  EXPECT_EQ(cat.status, 0) << cat.Describe();
  EXPECT_EQ(cat.out, "volume data\n");
  // Read-write by default, even over a read-only root.
  RunResult tee = Busybox({spec}, {"tee", "/data/written"}, "from the sandbox\n");
  EXPECT_EQ(tee.status, 0) << tee.Describe();
  EXPECT_EQ(ReadFile(volume_.path() + "/written"), "from the sandbox\n");
  // ...and read-only with :ro.
  RunResult ro = Busybox({spec + ":ro"}, {"tee", "/data/refused"}, "x");
  EXPECT_NE(ro.status, 0) << ro.Describe();
  EXPECT_NE(ro.err.find("Read-only file system"), std::string::npos) << ro.err;
  struct stat st;
  EXPECT_NE(stat((volume_.path() + "/refused").c_str(), &st), 0);
}

TEST_F(GoferFilesTest, StartsInTheCallersDirectoryWhenInsideTheRoot) {
  RINGFENCE_SKIP_IF_BUILD_TREE_UNDER_TMP(RINGFENCE_TEST_PROGRAMS_DIR);
  char cwd[4096];
  ASSERT_NE(getcwd(cwd, sizeof(cwd)), nullptr);
  // Default root "/": the caller's directory.
  RunResult host = SandboxRun("/bin/busybox", {"pwd"}).Run();
  EXPECT_EQ(host.status, 0) << host.Describe();
  EXPECT_EQ(host.out, std::string(cwd) + "\n");
  // A root the caller is not in: "/".
  RunResult outside = Busybox({}, {"pwd"});
  EXPECT_EQ(outside.status, 0) << outside.Describe();
  EXPECT_EQ(outside.out, "/\n");
}

TEST_F(GoferTest, BadRootsAreSandboxErrors) {
  RunResult missing = Run({"--root=" + root_.path() + "/missing"}, "/bin/hello");
  EXPECT_EQ(missing.status, 125) << missing.Describe();
  EXPECT_NE(missing.err.find("ringfence: --root"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("No such file or directory"), std::string::npos) << missing.err;
  EXPECT_EQ(missing.out, "");

  RunResult file = Run({"--root=" + hello_}, "/bin/hello");
  EXPECT_EQ(file.status, 125) << file.Describe();
  EXPECT_NE(file.err.find("not a directory"), std::string::npos) << file.err;
}

TEST_F(GoferTest, BadVolumesAreSandboxErrors) {
  struct Case {
    std::string spec;
    std::string message;
  };
  std::vector<Case> cases = {
      {volume_.path(), "expected HOST:GUEST"},
      {volume_.path() + ":/data:rw", "expected HOST:GUEST"},
      {"relative:/data", "absolute"},
      {volume_.path() + ":data", "absolute"},
      {volume_.path() + ":/bin/../etc", "'..'"},
      {volume_.path() + ":/", "cannot mount over /"},
      {volume_.path() + "/missing:/bin", "No such file or directory"},
      {hello_ + ":/bin", "is not a directory"},
      {volume_.path() + ":/nowhere", "is not a directory in the root"},
  };
  for (const Case& c : cases) {
    RunResult result = Run({"--root=" + root_.path(), "--volume=" + c.spec}, "/bin/hello");
    EXPECT_EQ(result.status, 125) << c.spec << "\n" << result.Describe();
    EXPECT_NE(result.err.find("ringfence: --volume " + c.spec + ": "), std::string::npos)
        << result.err;
    EXPECT_NE(result.err.find(c.message), std::string::npos) << c.spec << ": " << result.err;
    EXPECT_EQ(result.out, "");
  }
}

TEST_F(GoferTest, TheGoferProcessesAreReaped) {
  RunResult result = Run({"--root=" + root_.path(), "--volume=" + volume_.path() + ":/tmp/v"},
                         "/bin/hello");
  EXPECT_EQ(result.status, 0) << result.Describe();
  // ringfence exited only after its Gofers did: none is left behind holding
  // the served directories.
  std::string ps;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = ReadFile(entry.path() / "cmdline");
    for (const std::string& dir : {root_.path(), volume_.path()}) {
      if (cmdline.find(dir) != std::string::npos) ps += name + " ";
    }
  }
  EXPECT_EQ(ps, "") << "processes still serving the test's directories";
}

}  // namespace
}  // namespace ringfence::testing
