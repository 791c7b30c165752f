#include "cmd/do_command.h"

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/match.h"
#include "cmd/gofer_launcher.h"
#include "platform_kvm/abi/boot_info.h"
#include "vmm/sandbox.h"

extern char** environ;

namespace ringfence::cmd {
namespace {

// Parses sizes like "512M", "1G", "268435456".
bool ParseMemorySize(const std::string& text, uint64_t* bytes) {
  if (text.empty()) return false;
  uint64_t multiplier = 1;
  std::string digits = text;
  switch (text.back()) {
    case 'K': case 'k': multiplier = 1ull << 10; digits.pop_back(); break;
    case 'M': case 'm': multiplier = 1ull << 20; digits.pop_back(); break;
    case 'G': case 'g': multiplier = 1ull << 30; digits.pop_back(); break;
    default: break;
  }
  uint64_t value;
  if (!absl::SimpleAtoi(digits, &value) || value > (~0ull) / multiplier) return false;
  *bytes = value * multiplier;
  return true;
}

// --cpus: a count in 1..kMaxCpus; empty means the CPUs this process may run
// on (its affinity mask, as nproc counts them), capped at kMaxCpus.
bool ParseCpuCount(const std::string& text, uint32_t* count) {
  if (text.empty()) {
    cpu_set_t set;
    int online = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 1;
    *count = online < 1 ? 1 : (online > static_cast<int>(vmm::kMaxCpus) ? vmm::kMaxCpus : online);
    return true;
  }
  uint32_t value;
  if (!absl::SimpleAtoi(text, &value) || value < 1 || value > vmm::kMaxCpus) return false;
  *count = value;
  return true;
}

// An absolute path without "." or ".." components.
bool IsCleanAbsolutePath(const std::string& path) {
  if (path.empty() || path[0] != '/') return false;
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part == "." || part == "..") return false;
  }
  return true;
}

struct Volume {
  std::string host;   // canonical
  std::string guest;
  bool read_only = false;
};

// "HOST:GUEST[:ro]" -> a checked Volume; false with a message on stderr.
bool ParseVolume(const std::string& spec, const std::string& root, Volume* volume) {
  std::vector<std::string> parts = absl::StrSplit(spec, ':');
  if (parts.size() == 3 && parts[2] == "ro") {
    volume->read_only = true;
  } else if (parts.size() != 2) {
    fprintf(stderr, "ringfence: --volume %s: expected HOST:GUEST or HOST:GUEST:ro\n",
            spec.c_str());
    return false;
  }
  const std::string& host = parts[0];
  volume->guest = parts[1];
  while (volume->guest.size() > 1 && volume->guest.back() == '/') volume->guest.pop_back();
  const char* problem = nullptr;
  if (!IsCleanAbsolutePath(host) || !IsCleanAbsolutePath(volume->guest)) {
    problem = "paths must be absolute, without '.' or '..'";
  } else if (volume->guest == "/") {
    problem = "cannot mount over / (use --root)";
  } else if (volume->guest.size() >= ringfence::abi::kBootPathMax) {
    problem = "guest path too long";
  }
  if (problem != nullptr) {
    fprintf(stderr, "ringfence: --volume %s: %s\n", spec.c_str(), problem);
    return false;
  }
  char resolved[PATH_MAX];
  struct stat info;
  if (realpath(host.c_str(), resolved) == nullptr || stat(resolved, &info) != 0) {
    fprintf(stderr, "ringfence: --volume %s: %s: %s\n", spec.c_str(), host.c_str(),
            strerror(errno));
    return false;
  }
  if (!S_ISDIR(info.st_mode)) {
    fprintf(stderr, "ringfence: --volume %s: %s is not a directory\n", spec.c_str(),
            host.c_str());
    return false;
  }
  volume->host = resolved;
  // The mount point must exist in the root, or be a new name directly in
  // /tmp (the sandbox's own tmpfs, where the Sentry makes it).
  std::string mountpoint = (root == "/" ? "" : root) + volume->guest;
  bool in_tmp = volume->guest.rfind("/tmp/", 0) == 0 &&
                volume->guest.find('/', 5) == std::string::npos;
  if (!in_tmp && (stat(mountpoint.c_str(), &info) != 0 || !S_ISDIR(info.st_mode))) {
    fprintf(stderr,
            "ringfence: --volume %s: %s is not a directory in the root (or a name in /tmp)\n",
            spec.c_str(), volume->guest.c_str());
    return false;
  }
  return true;
}

// The caller's cwd as seen inside `root`, or "/" if it lies outside.
std::string SandboxCwd(const std::string& root) {
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof(cwd)) == nullptr) return "/";
  std::string path = cwd;
  if (root == "/") return path;
  if (path == root) return "/";
  if (absl::StartsWith(path, root + "/")) return path.substr(root.size());
  return "/";
}

// The Gofers for the root and each volume, stopped when this goes.
class Gofers {
 public:
  ~Gofers() {
    for (GoferProcess& gofer : processes_) StopGofer(gofer);
  }
  bool Start(const std::string& host, const std::string& guest, bool read_only,
             vmm::SandboxConfig* config) {
    auto gofer = StartGofer(host, read_only);
    if (!gofer.ok()) {
      fprintf(stderr, "ringfence: %s\n", std::string(gofer.status().message()).c_str());
      return false;
    }
    processes_.push_back(*gofer);
    config->gofer_mounts.push_back({gofer->socket_fd, gofer->pid, guest, read_only});
    return true;
  }

 private:
  std::vector<GoferProcess> processes_;
};

}  // namespace

int RunDo(const DoOptions& options, const std::vector<std::string>& command) {
  if (command.empty()) {
    fprintf(stderr, "ringfence: usage: ringfence do [flags] -- PROGRAM [ARGS...]\n");
    return kStatusSandboxError;
  }
  vmm::SandboxConfig config;
  if (!ParseMemorySize(options.memory, &config.memory_bytes)) {
    fprintf(stderr, "ringfence: --memory: cannot parse size '%s'\n", options.memory.c_str());
    return kStatusSandboxError;
  }
  if (!ParseCpuCount(options.cpus, &config.cpu_count)) {
    fprintf(stderr, "ringfence: --cpus: '%s' is not a vCPU count from 1 to %u\n",
            options.cpus.c_str(), vmm::kMaxCpus);
    return kStatusSandboxError;
  }
  char root[PATH_MAX];
  struct stat root_info;
  if (realpath(options.root.c_str(), root) == nullptr || stat(root, &root_info) != 0) {
    fprintf(stderr, "ringfence: --root %s: %s\n", options.root.c_str(), strerror(errno));
    return kStatusSandboxError;
  }
  if (!S_ISDIR(root_info.st_mode)) {
    fprintf(stderr, "ringfence: --root %s: not a directory\n", options.root.c_str());
    return kStatusSandboxError;
  }
  std::vector<Volume> volumes(options.volumes.size());
  if (volumes.size() + 1 > ringfence::abi::kMaxGoferMounts) {
    fprintf(stderr, "ringfence: at most %u volumes\n", ringfence::abi::kMaxGoferMounts - 1);
    return kStatusSandboxError;
  }
  for (size_t i = 0; i < volumes.size(); ++i) {
    if (!ParseVolume(options.volumes[i], root, &volumes[i])) return kStatusSandboxError;
  }
  if (!options.log.empty()) {
    config.log_fd = options.log == "-"
                        ? fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)
                        : open(options.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (config.log_fd < 0) {
      fprintf(stderr, "ringfence: --log %s: %s\n", options.log.c_str(), strerror(errno));
      return kStatusSandboxError;
    }
  }
  // The Sentry finds the program in the sandbox's own file system (and
  // reports 126/127 if it cannot run it).
  config.exec_path = command[0];
  config.argv = command;
  for (char** env = environ; *env != nullptr; ++env) config.envp.emplace_back(*env);
  config.strace = options.strace;
  config.stats = options.stats;
  config.install_seccomp = options.seccomp;
  config.hostname = options.hostname;
  config.uid = getuid();
  config.gid = getgid();
  config.cwd = SandboxCwd(root);

  // Before RunSandbox, which installs the VMM's seccomp filter (no fork
  // after that).
  Gofers gofers;
  if (!gofers.Start(root, "/", !options.writable_root, &config)) {
    if (config.log_fd >= 0) close(config.log_fd);
    return kStatusSandboxError;
  }
  for (const Volume& volume : volumes) {
    if (!gofers.Start(volume.host, volume.guest, volume.read_only, &config)) {
      if (config.log_fd >= 0) close(config.log_fd);
      return kStatusSandboxError;
    }
  }

  absl::StatusOr<int> status = vmm::RunSandbox(config);
  if (!status.ok()) {
    fprintf(stderr, "ringfence: %s\n", std::string(status.status().message()).c_str());
    return kStatusSandboxError;
  }
  return *status;
}

}  // namespace ringfence::cmd
