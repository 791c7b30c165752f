// The `ringfence` command line.
//
//   ringfence do [flags] -- PROGRAM [ARGS...]   run PROGRAM in a sandbox
//   ringfence seccomp-policy                    print the VMM's syscall allow-list
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "cmd/do_command.h"
#include "vmm/seccomp_policy.h"

ABSL_FLAG(bool, strace, false, "print every syscall of the program to stderr");
ABSL_FLAG(bool, stats, false, "print VM exits by kind and syscall counts at exit");
ABSL_FLAG(std::string, memory, "512M", "guest memory size (e.g. 256M, 1G)");
ABSL_FLAG(std::string, hostname, "ringfence", "the sandbox's hostname");
ABSL_FLAG(std::string, log, "",
          "write the Sentry's debug log (e.g. unimplemented syscalls) to this file, or - for stderr");
ABSL_FLAG(bool, danger_no_seccomp, false,
          "do not install the VMM's seccomp filter (debugging only: removes a defence layer)");

namespace {

constexpr const char kUsage[] =
    "ringfence: an application kernel for containers\n"
    "  ringfence do [--strace] [--stats] [--memory=SIZE] -- PROGRAM [ARGS...]\n"
    "  ringfence seccomp-policy";

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() < 2) {
    fprintf(stderr, "%s\n", kUsage);
    return ringfence::cmd::kStatusSandboxError;
  }
  std::string verb = positional[1];
  if (verb == "do") {
    ringfence::cmd::DoOptions options;
    options.strace = absl::GetFlag(FLAGS_strace);
    options.stats = absl::GetFlag(FLAGS_stats);
    options.memory = absl::GetFlag(FLAGS_memory);
    options.hostname = absl::GetFlag(FLAGS_hostname);
    options.seccomp = !absl::GetFlag(FLAGS_danger_no_seccomp);
    options.log = absl::GetFlag(FLAGS_log);
    std::vector<std::string> command(positional.begin() + 2, positional.end());
    return ringfence::cmd::RunDo(options, command);
  }
  if (verb == "seccomp-policy") {
    std::string description = ringfence::vmm::VmmPolicy().Describe();
    fputs(description.c_str(), stdout);
    return 0;
  }
  fprintf(stderr, "ringfence: unknown command '%s'\n%s\n", verb.c_str(), kUsage);
  return ringfence::cmd::kStatusSandboxError;
}
