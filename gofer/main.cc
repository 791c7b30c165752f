// ringfence-gofer: a thin stand-alone wrapper around RunGofer(), for tests
// and for trying the Gofer by hand. `ringfence do` starts its Gofers by
// re-executing itself with the hidden `gofer` verb (cmd/gofer_launcher.h),
// which calls the same RunGofer().
//
//   ringfence-gofer --root=DIR --fd=N [--read-only] [--max-fids=N]
//   ringfence-gofer --print-policy [--read-only]
//
// N is an inherited SOCK_SEQPACKET socket. Exits 0 when the peer hangs up.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "absl/strings/numbers.h"
#include "gofer/confinement.h"
#include "gofer/seccomp_policy.h"

namespace {

int Usage() {
  std::fprintf(stderr,
               "usage: ringfence-gofer --root=DIR --fd=N [--read-only] "
               "[--max-fids=N]\n"
               "       ringfence-gofer --print-policy [--read-only]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  ringfence::gofer::GoferConfig config;
  int fd = -1;
  bool print_policy = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.substr(0, 7) == "--root=") {
      config.root = std::string(arg.substr(7));
    } else if (arg.substr(0, 5) == "--fd=") {
      if (!absl::SimpleAtoi(std::string(arg.substr(5)), &fd) || fd < 0)
        return Usage();
    } else if (arg.substr(0, 11) == "--max-fids=") {
      if (!absl::SimpleAtoi(std::string(arg.substr(11)), &config.max_fids) ||
          config.max_fids == 0) {
        return Usage();
      }
    } else if (arg == "--read-only") {
      config.read_only = true;
    } else if (arg == "--print-policy") {
      print_policy = true;
    } else {
      return Usage();
    }
  }
  if (print_policy) {
    ringfence::vmm::SeccompPolicyBuilder policy =
        ringfence::gofer::GoferPolicy(/*socket_fd=*/3, config.read_only);
    std::fputs(policy.Describe().c_str(), stdout);
    return policy.status().ok() ? 0 : 1;
  }
  if (config.root.empty() || fd < 0) return Usage();
  absl::Status status = ringfence::gofer::RunGofer(fd, config);
  if (!status.ok()) {
    std::fprintf(stderr, "ringfence-gofer: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
