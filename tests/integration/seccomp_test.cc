// The VMM's seccomp filter is installed and active while a sandbox runs, and
// `ringfence seccomp-policy` lists what it allows.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "tests/integration/sandbox_runner.h"

namespace ringfence::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The value of a "Name:\tvalue" line of /proc/PID/status.
std::string StatusField(pid_t pid, const std::string& name) {
  std::istringstream status(ReadFile("/proc/" + std::to_string(pid) + "/status"));
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(name + ":", 0) == 0) {
      size_t start = line.find_first_not_of(" \t", name.size() + 1);
      return start == std::string::npos ? "" : line.substr(start);
    }
  }
  return "";
}

TEST(SeccompTest, FilterIsActiveInRunningSandbox) {
  if (SandboxRun::Native()) GTEST_SKIP() << "sandbox only";
  int to_sandbox[2], from_sandbox[2];
  ASSERT_EQ(pipe(to_sandbox), 0);
  ASSERT_EQ(pipe(from_sandbox), 0);
  std::string binary = SandboxRun::RingfenceBinary();
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(to_sandbox[0], 0);
    dup2(from_sandbox[1], 1);
    close(to_sandbox[1]);
    close(from_sandbox[0]);
    // busybox cat echoes stdin, so the test can tell when the guest runs.
    execl(binary.c_str(), binary.c_str(), "do", "--", "/bin/busybox", "cat", nullptr);
    _exit(127);
  }
  close(to_sandbox[0]);
  close(from_sandbox[1]);
  ASSERT_EQ(write(to_sandbox[1], "ping\n", 5), 5);
  char echo[5];
  ssize_t got = 0;
  while (got < 5) {
    ssize_t n = read(from_sandbox[0], echo + got, sizeof(echo) - got);
    if (n <= 0) break;
    got += n;
  }
  ASSERT_EQ(std::string(echo, got), "ping\n") << "the sandboxed program never ran";

  // The guest is running, so the filter was installed before it started.
  EXPECT_EQ(StatusField(pid, "Seccomp"), "2");  // SECCOMP_MODE_FILTER
  EXPECT_EQ(StatusField(pid, "NoNewPrivs"), "1");
  EXPECT_NE(StatusField(pid, "Seccomp_filters"), "0");

  close(to_sandbox[1]);  // EOF: cat exits 0
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  close(from_sandbox[0]);
}

TEST(SeccompTest, PolicyListingAllowsKvmRunAndNoOpen) {
  if (SandboxRun::Native()) GTEST_SKIP() << "sandbox only";
  std::string binary = SandboxRun::RingfenceBinary();
  FILE* listing = popen((binary + " seccomp-policy").c_str(), "r");
  ASSERT_NE(listing, nullptr);
  std::string text;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof(buffer), listing)) > 0;) text.append(buffer, n);
  EXPECT_EQ(pclose(listing), 0);
  EXPECT_NE(text.find("default: kill process"), std::string::npos) << text;
  EXPECT_NE(text.find("(KVM_RUN)"), std::string::npos) << text;
  for (const char* forbidden : {"allow open\n", "allow openat", "allow execve", "allow socket",
                                "allow connect", "allow ptrace"}) {
    EXPECT_EQ(text.find(forbidden), std::string::npos) << forbidden;
  }
}

}  // namespace
}  // namespace ringfence::testing
