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
#include "cmd/gofer_launcher.h"
#include "vmm/seccomp_policy.h"

ABSL_FLAG(bool, strace, false, "print every syscall of the program to stderr");
ABSL_FLAG(bool, stats, false, "print VM exits by kind and syscall counts at exit");
ABSL_FLAG(std::string, memory, "512M", "guest memory size (e.g. 256M, 1G)");
ABSL_FLAG(std::string, cpus, "",
          "vCPUs of the sandbox, 1..64 (default: the host CPUs this process may run on)");
ABSL_FLAG(std::string, hostname, "ringfence", "the sandbox's hostname");
ABSL_FLAG(std::string, log, "",
          "write the Sentry's debug log (e.g. unimplemented syscalls) to this file, or - for stderr");
ABSL_FLAG(std::string, root, "/", "host directory served (by a Gofer) as the sandbox's /");
ABSL_FLAG(bool, writable_root, false,
          "let the sandbox change the root directory on the host (default: read-only)");
// Taken out of argv before absl sees it (see NormalizeFlags); declared for --help.
ABSL_FLAG(std::vector<std::string>, volume, {},
          "HOST:GUEST[:ro]: serve host directory HOST at GUEST in the sandbox (repeatable)");
ABSL_FLAG(bool, danger_no_seccomp, false,
          "do not install the VMM's seccomp filter (debugging only: removes a defence layer)");

namespace {

constexpr const char kUsage[] =
    "ringfence: an application kernel for containers\n"
    "  ringfence do [--strace] [--stats] [--memory=SIZE] [--cpus=N] [--root=DIR] [--writable-root]\n"
    "               [--volume=HOST:GUEST[:ro]]... -- PROGRAM [ARGS...]\n"
    "  ringfence seccomp-policy";

// Before `--`, spells "--long-flag" as absl's "--long_flag" and takes every
// --volume out of argv (absl keeps only the last of a repeated flag).
std::vector<std::string> NormalizeFlags(int& argc, char** argv) {
  std::vector<std::string> volumes;
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    bool past_flags = arg == "--";
    if (!past_flags && arg.rfind("--", 0) == 0) {
      for (size_t c = 2; c < arg.size() && arg[c] != '='; ++c) {
        if (arg[c] == '-') argv[i][c] = '_';
      }
      arg = argv[i];
      if (arg.rfind("--volume=", 0) == 0) {
        volumes.push_back(arg.substr(9));
        continue;
      }
      if (arg == "--volume" && i + 1 < argc) {
        volumes.push_back(argv[++i]);
        continue;
      }
    }
    argv[out++] = argv[i];
    if (past_flags) {
      while (++i < argc) argv[out++] = argv[i];
    }
  }
  argc = out;
  argv[argc] = nullptr;
  return volumes;
}

}  // namespace

int main(int argc, char** argv) {
  // The hidden verb a sandbox starts its Gofers with (cmd/gofer_launcher.h);
  // handled before flag parsing, it takes no flags.
  if (argc >= 2 && std::string(argv[1]) == "gofer") {
    return ringfence::cmd::RunGoferVerb(std::vector<std::string>(argv + 2, argv + argc));
  }
  absl::SetProgramUsageMessage(kUsage);
  std::vector<std::string> volumes = NormalizeFlags(argc, argv);
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
    options.cpus = absl::GetFlag(FLAGS_cpus);
    options.hostname = absl::GetFlag(FLAGS_hostname);
    options.seccomp = !absl::GetFlag(FLAGS_danger_no_seccomp);
    options.log = absl::GetFlag(FLAGS_log);
    options.root = absl::GetFlag(FLAGS_root);
    options.writable_root = absl::GetFlag(FLAGS_writable_root);
    options.volumes = volumes;
    std::vector<std::string> command(positional.begin() + 2, positional.end());
    return ringfence::cmd::RunDo(options, command);
  }
  if (verb == "seccomp-policy") {
    // Shown for one Gofer with its socket at fd 10 and pid 1000; each `do`
    // uses its real fds and pids.
    constexpr int kExampleGoferSocket = 10;
    constexpr int kExampleGoferPid = 1000;
    std::string description =
        ringfence::vmm::VmmPolicy({kExampleGoferSocket}, {kExampleGoferPid}).Describe();
    fputs(description.c_str(), stdout);
    return 0;
  }
  fprintf(stderr, "ringfence: unknown command '%s'\n%s\n", verb.c_str(), kUsage);
  return ringfence::cmd::kStatusSandboxError;
}
