// Starting and stopping the Gofer processes of one sandbox.
//
// Each served tree (the root, each volume) gets a Gofer process confined to
// it (gofer/confinement.h). The process is this binary re-executed with the
// hidden verb `ringfence gofer FD DIR ro|rw` (fork + exec of /proc/self/exe,
// so it shares none of the VMM's memory), talking over an inherited
// SOCK_SEQPACKET socket. It dies with the CLI (PR_SET_PDEATHSIG) and the CLI
// reaps it after the sandbox exits.
#ifndef RINGFENCE_CMD_GOFER_LAUNCHER_H_
#define RINGFENCE_CMD_GOFER_LAUNCHER_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace ringfence::cmd {

struct GoferProcess {
  pid_t pid = -1;
  int socket_fd = -1;  // the VMM's end
};

// Starts a Gofer serving `host_dir` and checks it answers (an Attach round
// trip), so a Gofer that could not confine itself is reported here.
absl::StatusOr<GoferProcess> StartGofer(const std::string& host_dir, bool read_only);

// Closes the socket (the Gofer exits on hang-up) and reaps the process.
void StopGofer(GoferProcess& gofer);

// The hidden verb: `args` = {FD, DIR, "ro"|"rw"}. Returns the exit status.
int RunGoferVerb(const std::vector<std::string>& args);

}  // namespace ringfence::cmd

#endif  // RINGFENCE_CMD_GOFER_LAUNCHER_H_
