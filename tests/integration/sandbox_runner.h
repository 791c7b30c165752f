// SandboxRun: runs a program under `ringfence do` (or natively) with given
// stdin, captures stdout/stderr, enforces a timeout and reports the exit
// status the way a shell does (code, or 128+N for death by signal N).
//
// Native mode (env RINGFENCE_TEST_NATIVE=1) runs the program directly with
// execve(2), so every expectation can be validated against real Linux.
// In native mode an exec failure is reported like a shell would (127 for
// ENOENT, 126 otherwise) with a one-line "ringfence(native): ..." message.
#ifndef RINGFENCE_TESTS_INTEGRATION_SANDBOX_RUNNER_H_
#define RINGFENCE_TESTS_INTEGRATION_SANDBOX_RUNNER_H_

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace ringfence::testing {

// Whether `needle` occurs in `hay` (the tests' checks on captured output).
inline bool Contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

// The sandbox's /tmp is its own tmpfs, so a build tree under the host's /tmp
// is hidden inside the sandbox. Tests that hand the sandbox files from the
// build tree skip there (in sandbox mode) with this reason.
#define RINGFENCE_SKIP_IF_BUILD_TREE_UNDER_TMP(build_path)                            \
  do {                                                                              \
    if (!::ringfence::testing::SandboxRun::Native() &&                              \
        std::string(build_path).rfind("/tmp/", 0) == 0) {                           \
      GTEST_SKIP() << "the build tree is under /tmp, which the sandbox's own tmpfs " \
                      "/tmp hides";                                                 \
    }                                                                               \
  } while (0)

struct RunResult {
  int status = -1;         // shell-style: exit code, or 128+signal
  bool signaled = false;   // the direct child (ringfence, or the program) died by a signal
  int term_signal = 0;     // valid if signaled
  bool timed_out = false;  // killed by the runner after the timeout
  std::string out;         // stdout
  std::string err;         // stderr
  pid_t pid = -1;          // pid of the direct child
  double wall_seconds = 0;
  std::string command;     // for messages: the argv joined

  // "<command>: status N\n--- stdout ---\n...\n--- stderr ---\n..." (truncated).
  std::string Describe() const;
  // Value of a "name value" line in out (first match), or "" if absent.
  std::string Field(const std::string& name) const;
  // Value of a "ringfence-stats: <name> <count>" line in err, or -1.
  long long Stat(const std::string& name) const;
};

class SandboxRun {
 public:
  // program: host path; args: argv[1..].
  explicit SandboxRun(std::string program, std::vector<std::string> args = {});

  // True when RINGFENCE_TEST_NATIVE=1: no ringfence in between.
  static bool Native();
  // The vCPU count every run without its own --cpus flag gets: env
  // RINGFENCE_TEST_CPUS (a ctest entry runs a few suites on 2 vCPUs so), or
  // "" for ringfence's default.
  static std::string DefaultCpus();
  // The ringfence binary (compile definition RINGFENCE_BINARY, overridable
  // with env RINGFENCE_BINARY).
  static std::string RingfenceBinary();

  SandboxRun& Stdin(std::string data);
  // Extra `ringfence do` flags, e.g. "--strace"; ignored in native mode.
  SandboxRun& Flag(std::string flag);
  SandboxRun& Env(const std::string& name, const std::string& value);
  SandboxRun& TimeoutSeconds(int seconds);
  // Makes a host file or directory under /tmp visible at the same path in
  // the sandbox (whose /tmp is its own tmpfs), read-only. The program and
  // the test programs' directory are shared so without asking. No effect
  // elsewhere, natively or with --root.
  SandboxRun& Share(std::string host_path);
  // Runs the program directly on the host even in sandbox mode, as the
  // reference a sandboxed run of the same argv is compared with.
  SandboxRun& OnHost();

  // The argv that Run() executes.
  std::vector<std::string> Argv() const;
  RunResult Run() const;

 private:
  std::vector<std::string> VolumeFlags() const;

  std::string program_;
  std::vector<std::string> args_;
  std::vector<std::string> shares_;
  std::vector<std::string> flags_;
  std::string stdin_;
  std::map<std::string, std::string> env_;
  int timeout_seconds_ = 60;
  bool on_host_ = false;
};

// A temporary directory (mkdtemp under $TMPDIR or /tmp), removed with its
// files on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes a file (mode 0755) and returns its path.
  std::string WriteFile(const std::string& name, const std::string& contents) const;

 private:
  std::string path_;
};

// Whole file contents, or "" if unreadable.
std::string ReadFileOrEmpty(const std::string& path);

}  // namespace ringfence::testing

#endif  // RINGFENCE_TESTS_INTEGRATION_SANDBOX_RUNNER_H_
