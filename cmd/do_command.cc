#include "cmd/do_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
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

// Like execvp: a name without '/' is searched in $PATH.
std::string ResolveProgram(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path ? path : "/usr/bin:/bin", ':')) {
    std::string candidate = std::string(dir.empty() ? "." : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return name;
}

int CannotRun(const std::string& program, int error) {
  fprintf(stderr, "ringfence: %s: %s\n", program.c_str(), strerror(error));
  return error == ENOENT ? kStatusNotFound : kStatusCannotExecute;
}

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
  // The executable is opened here, on the host side, and handed to the
  // sandbox as a donated fd the Sentry reads through hypercalls.
  std::string path = ResolveProgram(command[0]);
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return CannotRun(command[0], errno);
  struct stat info;
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) || access(path.c_str(), X_OK) != 0) {
    int error = S_ISDIR(info.st_mode) ? EISDIR : EACCES;
    close(fd);
    return CannotRun(command[0], error);
  }
  if (!options.log.empty()) {
    config.log_fd = options.log == "-"
                        ? fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)
                        : open(options.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (config.log_fd < 0) {
      fprintf(stderr, "ringfence: --log %s: %s\n", options.log.c_str(), strerror(errno));
      close(fd);
      return kStatusSandboxError;
    }
  }
  config.exec_fd = fd;
  config.exec_path = path;
  config.argv = command;
  for (char** env = environ; *env != nullptr; ++env) config.envp.emplace_back(*env);
  config.strace = options.strace;
  config.stats = options.stats;
  config.install_seccomp = options.seccomp;
  config.hostname = options.hostname;
  config.uid = getuid();
  config.gid = getgid();

  absl::StatusOr<int> status = vmm::RunSandbox(config);
  if (!status.ok()) {
    fprintf(stderr, "ringfence: %s\n", std::string(status.status().message()).c_str());
    return kStatusSandboxError;
  }
  return *status;
}

}  // namespace ringfence::cmd
