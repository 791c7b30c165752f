// Unmodified, dynamically linked Debian programs in the sandbox: each one
// runs on the host and in the sandbox with the same argv, and the outputs
// and exit statuses must match. This exercises the Gofer-served overlay
// root, PT_INTERP (ld.so, libc), file mmap, /proc and #! scripts together.
// Natively (RINGFENCE_TEST_NATIVE=1) both runs are on the host, which checks
// the comparisons themselves.

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <cstdio>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/sandbox_runner.h"

namespace ringfence::testing {
namespace {

constexpr int kTimeoutSeconds = 180;

struct HostAndSandbox {
  RunResult host;
  RunResult sandbox;
};

SandboxRun Configured(const std::string& program, const std::vector<std::string>& args) {
  SandboxRun run(program, args);
  // Same collation and messages on both sides whatever the caller's locale.
  run.Env("LC_ALL", "C").TimeoutSeconds(kTimeoutSeconds);
  return run;
}

// Runs program+args on the host, then in the sandbox; both must exit 0.
HostAndSandbox RunBoth(const std::string& program, const std::vector<std::string>& args) {
  HostAndSandbox r;
  r.host = Configured(program, args).OnHost().Run();
  r.sandbox = Configured(program, args).Run();
  EXPECT_EQ(r.host.status, 0) << r.host.Describe();
  EXPECT_EQ(r.sandbox.status, r.host.status) << r.sandbox.Describe();
  return r;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The name column of `ls -la` ("name" or "name -> target"): skips the
// "total" line and the 8 mode/links/owner/group/size/date fields.
std::vector<std::string> LsLongNames(const std::string& out) {
  std::vector<std::string> names;
  for (const std::string& line : Lines(out)) {
    if (line.rfind("total ", 0) == 0) continue;
    std::istringstream fields(line);
    std::string skipped;
    for (int i = 0; i < 8; i++) fields >> skipped;
    std::string name;
    std::getline(fields >> std::ws, name);
    names.push_back(name);
  }
  return names;
}

// A script file next to the test binary: in the build tree, which the
// sandbox sees (read-only is enough) through the overlay root.
class BuildTreeScript {
 public:
  BuildTreeScript(const std::string& name, const std::string& contents) {
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    std::string dir = n > 0 ? std::string(exe, n) : std::string("./x");
    path_ = dir.substr(0, dir.rfind('/')) + "/debian_" + std::to_string(getpid()) + "_" + name;
    FILE* f = fopen(path_.c_str(), "w");
    if (f != nullptr) {
      fwrite(contents.data(), 1, contents.size(), f);
      fclose(f);
      chmod(path_.c_str(), 0755);
    }
  }
  ~BuildTreeScript() { unlink(path_.c_str()); }
  BuildTreeScript(const BuildTreeScript&) = delete;
  BuildTreeScript& operator=(const BuildTreeScript&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(DebianTest, LsLaRootListsTheSameEntries) {
  // Only the names (and symlink targets) are compared: the sandbox root is
  // an overlay over the host root, so its own times, link counts and sizes
  // (e.g. of "." and "..") may legitimately differ from the host's.
  HostAndSandbox r = RunBoth("/bin/ls", {"-la", "/"});
  std::vector<std::string> host = LsLongNames(r.host.out);
  EXPECT_FALSE(host.empty()) << r.host.Describe();
  EXPECT_EQ(LsLongNames(r.sandbox.out), host) << r.sandbox.Describe();
}

TEST(DebianTest, CatOsRelease) {
  HostAndSandbox r = RunBoth("/bin/cat", {"/etc/os-release"});
  EXPECT_NE(r.host.out.find("ID="), std::string::npos) << r.host.Describe();
  EXPECT_EQ(r.sandbox.out, r.host.out) << r.sandbox.Describe();
}

TEST(DebianTest, FindWalksTheSameTree) {
  // find's order is the directory order, which the Gofer need not keep.
  HostAndSandbox r = RunBoth("/usr/bin/find", {"/usr/share/doc", "-name", "*.gz"});
  std::vector<std::string> host = Lines(r.host.out);
  std::vector<std::string> sandbox = Lines(r.sandbox.out);
  std::sort(host.begin(), host.end());
  std::sort(sandbox.begin(), sandbox.end());
  EXPECT_FALSE(host.empty()) << r.host.Describe();
  EXPECT_EQ(sandbox, host) << r.sandbox.Describe();
}

TEST(DebianTest, Sha256sumOfALargeFile) {
  RINGFENCE_SKIP_IF_BUILD_TREE_UNDER_TMP(RINGFENCE_TEST_PROGRAMS_DIR);
  // The ringfence binary: several MiB, so many reads through the Gofer.
  HostAndSandbox r = RunBoth("/usr/bin/sha256sum", {SandboxRun::RingfenceBinary()});
  EXPECT_EQ(r.host.out.size(), 64 + 2 + SandboxRun::RingfenceBinary().size() + 1)
      << r.host.Describe();
  EXPECT_EQ(r.sandbox.out, r.host.out) << r.sandbox.Describe();
}

TEST(DebianTest, Python3ListsTheRoot) {
  // Printed one per line and compared as sets: listdir order is the
  // directory order.
  HostAndSandbox r = RunBoth(
      "/usr/bin/python3", {"-c", "import json, os\nfor n in os.listdir('/'): print(json.dumps(n))"});
  std::vector<std::string> host = Lines(r.host.out);
  std::vector<std::string> sandbox = Lines(r.sandbox.out);
  EXPECT_FALSE(host.empty()) << r.host.Describe();
  EXPECT_EQ(std::set<std::string>(sandbox.begin(), sandbox.end()),
            std::set<std::string>(host.begin(), host.end()))
      << r.sandbox.Describe();
}

TEST(DebianTest, ScriptWithCatInterpreterAndOptionalArgument) {
  RINGFENCE_SKIP_IF_BUILD_TREE_UNDER_TMP(RINGFENCE_TEST_PROGRAMS_DIR);
  // Linux passes "-n" as the interpreter's one optional argument, then the
  // script path, then the script's own arguments.
  BuildTreeScript script("cat_n", "#!/bin/cat -n\nfirst line\nsecond line\n");
  HostAndSandbox r = RunBoth(script.path(), {"/etc/debian_version"});
  EXPECT_NE(r.host.out.find("     2\tfirst line\n"), std::string::npos) << r.host.Describe();
  EXPECT_EQ(r.sandbox.out, r.host.out) << r.sandbox.Describe();
}

TEST(DebianTest, ScriptWithPython3Interpreter) {
  RINGFENCE_SKIP_IF_BUILD_TREE_UNDER_TMP(RINGFENCE_TEST_PROGRAMS_DIR);
  BuildTreeScript script(
      "argv.py", "#!/usr/bin/python3\nimport os, sys\nprint(sys.argv[1:])\n"
                 "print(os.path.basename(sys.argv[0]))\nprint(open('/etc/debian_version').read())\n");
  HostAndSandbox r = RunBoth(script.path(), {"one", "two words", ""});
  EXPECT_NE(r.host.out.find("['one', 'two words', '']\n"), std::string::npos)
      << r.host.Describe();
  EXPECT_EQ(r.sandbox.out, r.host.out) << r.sandbox.Describe();
}

TEST(DebianTest, Python3CompileallOfATmpDirectory) {
  // The module exercises what glibc's lazy binding once broke under the
  // emulated nested KVM (XCR0 left x87-only lost SSE registers): strtod in
  // the regex parser and libm. Its .pyc, written by the sandbox through a
  // writable volume, must run on the host with the same output.
  TempDir dir;
  dir.WriteFile("m.py",
                "import math, re\n"
                "print(re.compile('a{2,3}').match('aaaa').group(0), round(math.log(10), 6))\n");
  std::string guest_dir = SandboxRun::Native() ? dir.path() : "/tmp/compiled";
  SandboxRun compile("/usr/bin/python3", {"-m", "compileall", "-q", guest_dir});
  compile.Flag("--volume=" + dir.path() + ":" + guest_dir).TimeoutSeconds(kTimeoutSeconds);
  RunResult compiled = compile.Run();
  ASSERT_EQ(compiled.status, 0) << compiled.Describe();

  std::string pyc;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path() + "/__pycache__")) {
    if (entry.path().filename().string().rfind("m.cpython-", 0) == 0) pyc = entry.path();
  }
  ASSERT_FALSE(pyc.empty()) << "no m.cpython-*.pyc in " << dir.path() << "/__pycache__";
  RunResult host = SandboxRun("/usr/bin/python3", {pyc}).OnHost().Run();
  EXPECT_EQ(host.status, 0) << host.Describe();
  EXPECT_EQ(host.out, "aaa 2.302585\n") << host.Describe();
}

}  // namespace
}  // namespace ringfence::testing
