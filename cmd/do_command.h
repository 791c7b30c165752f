// `ringfence do`: run one program in a fresh sandbox.
#ifndef RINGFENCE_CMD_DO_COMMAND_H_
#define RINGFENCE_CMD_DO_COMMAND_H_

#include <string>
#include <vector>

namespace ringfence::cmd {

// Exit status of the CLI itself when the sandbox could not run. (126 and
// 127, the shell's "cannot execute" and "not found", come from the Sentry,
// which finds the program in the sandbox's own file system.)
inline constexpr int kStatusSandboxError = 125;

struct DoOptions {
  bool strace = false;
  bool stats = false;
  bool seccomp = true;
  std::string memory = "512M";
  std::string cpus;  // vCPU count; empty: the host CPUs this process may use
  std::string hostname = "ringfence";
  std::string log;  // path, "-" for stderr, empty for none
  std::string root = "/";            // host directory served as the sandbox's /
  bool writable_root = false;        // else the root is read-only
  std::vector<std::string> volumes;  // HOST:GUEST[:ro]
};

// Runs `command` (program and arguments) and returns the status to exit with.
int RunDo(const DoOptions& options, const std::vector<std::string>& command);

}  // namespace ringfence::cmd

#endif  // RINGFENCE_CMD_DO_COMMAND_H_
