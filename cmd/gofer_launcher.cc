#include "cmd/gofer_launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gofer/client.h"
#include "gofer/confinement.h"

namespace ringfence::cmd {
namespace {

// The fd number the Gofer finds its socket at.
constexpr int kChildSocketFd = 3;

absl::Status ErrnoError(const std::string& what) {
  return absl::ErrnoToStatus(errno, what);
}

// In the forked child: only async-signal-safe calls until execve.
[[noreturn]] void ExecGofer(int socket_fd, pid_t parent, const std::string& host_dir,
                            bool read_only) {
  // Die with the CLI; if it is already gone, do not serve an orphan.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(125);
  if (socket_fd != kChildSocketFd) {
    if (dup2(socket_fd, kChildSocketFd) < 0) _exit(125);  // dup2 clears CLOEXEC
  } else if (fcntl(socket_fd, F_SETFD, 0) != 0) {
    _exit(125);
  }
  char fd_text[] = {static_cast<char>('0' + kChildSocketFd), '\0'};
  const char* argv[] = {"ringfence", "gofer", fd_text, host_dir.c_str(),
                        read_only ? "ro" : "rw", nullptr};
  const char* envp[] = {nullptr};
  execve("/proc/self/exe", const_cast<char**>(argv), const_cast<char**>(envp));
  _exit(125);
}

}  // namespace

absl::StatusOr<GoferProcess> StartGofer(const std::string& host_dir, bool read_only) {
  int sockets[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sockets) != 0) {
    return ErrnoError("socketpair");
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    int error = errno;
    close(sockets[0]);
    close(sockets[1]);
    return absl::ErrnoToStatus(error, "fork");
  }
  if (pid == 0) ExecGofer(sockets[1], parent, host_dir, read_only);
  close(sockets[1]);
  GoferProcess gofer{pid, sockets[0]};
  // A Gofer that failed to confine itself has exited (its reason is on
  // stderr): the round trip fails and the sandbox does not start.
  gofer::GoferClient client(gofer.socket_fd);
  auto attached = client.Attach();
  if (!attached.ok() || !client.Clunk(attached->fid).ok()) {
    StopGofer(gofer);
    return absl::UnavailableError(
        absl::StrCat("the Gofer for ", host_dir, " did not start"));
  }
  return gofer;
}

void StopGofer(GoferProcess& gofer) {
  if (gofer.socket_fd >= 0) close(gofer.socket_fd);
  gofer.socket_fd = -1;
  if (gofer.pid > 0) {
    while (waitpid(gofer.pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  gofer.pid = -1;
}

int RunGoferVerb(const std::vector<std::string>& args) {
  int fd;
  if (args.size() != 3 || !absl::SimpleAtoi(args[0], &fd) || fd < 0 ||
      (args[2] != "ro" && args[2] != "rw")) {
    fprintf(stderr, "ringfence gofer: internal command (usage: gofer FD DIR ro|rw)\n");
    return 125;
  }
  gofer::GoferConfig config;
  config.root = args[1];
  config.read_only = args[2] == "ro";
  config.report_chroot_fallback = false;
  absl::Status status = gofer::RunGofer(fd, config);
  if (!status.ok()) {
    fprintf(stderr, "ringfence gofer: %s: %s\n", config.root.c_str(),
            std::string(status.message()).c_str());
    return 125;
  }
  return 0;
}

}  // namespace ringfence::cmd
