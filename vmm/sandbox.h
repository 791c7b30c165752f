// Runs one sandbox: builds the VM, boots the Sentry with the program, serves
// exits until the program is done, and returns the status the CLI reports.
#ifndef RINGFENCE_VMM_SANDBOX_H_
#define RINGFENCE_VMM_SANDBOX_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "platform_kvm/abi/memory_layout.h"

namespace ringfence::vmm {

// A file tree a Gofer serves: the root (first, guest_path "/") or a volume.
struct GoferMountConfig {
  int socket_fd = -1;  // connected to the Gofer; not owned
  int pid = -1;        // the Gofer process, which the CLI reaps after the sandbox
  std::string guest_path;
  bool read_only = false;
};

struct SandboxConfig {
  std::string exec_path;          // the program as the user named it (searched in PATH)
  int log_fd = -1;                // Sentry debug log (--log), owned; -1 for none
  std::vector<std::string> argv;
  std::vector<std::string> envp;
  uint64_t memory_bytes = abi::kDefaultGuestMemory;
  uint32_t cpu_count = 1;  // vCPUs, 1..kMaxCpus
  bool strace = false;
  bool stats = false;
  bool install_seccomp = true;
  std::string hostname = "ringfence";
  uint32_t uid = 0;
  uint32_t gid = 0;
  // Empty: the root is an empty tmpfs and the sandbox sees no host files.
  std::vector<GoferMountConfig> gofer_mounts;
  std::string cwd = "/";  // inside the sandbox
};

// The most vCPUs a sandbox may have (the Sentry's per-CPU tables).
inline constexpr uint32_t kMaxCpus = 64;

// Returns the exit status to report (0..255, 128+N for signal N), or an error
// if the sandbox could not be started. A guest crash prints a crash report to
// stderr and yields status kCrashExitStatus.
inline constexpr int kCrashExitStatus = 125;
absl::StatusOr<int> RunSandbox(const SandboxConfig& config);

}  // namespace ringfence::vmm

#endif  // RINGFENCE_VMM_SANDBOX_H_
