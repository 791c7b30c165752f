// Confining the Gofer process before it serves, and its library entry point.
//
// The walls, in order (RunGofer):
//  1. close every fd except stdio and the protocol socket;
//  2. a new mount namespace (plus empty network, IPC and UTS namespaces when
//     permitted), all mounts private, the root bound onto itself *without*
//     its submounts (a host /proc, /sys or /dev under the root stays out of
//     reach), nosuid + nodev (+ read-only in read-only mode), then
//     pivot_root into it and the old root detached. Where pivot_root cannot
//     work (the root file system is the initramfs, as in the emulated-KVM
//     test harness) it falls back to chroot, which is weaker on its own (a
//     process that can chroot again, or holds an fd outside, can climb out);
//     the seccomp filter below forbids both, and the log says so;
//  3. capabilities reduced to the file-owner ones the operations need;
//  4. the seccomp allow-list of gofer/seccomp_policy.h.
// Then the request loop runs until the peer hangs up.
#ifndef RINGFENCE_GOFER_CONFINEMENT_H_
#define RINGFENCE_GOFER_CONFINEMENT_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gofer/unique_fd.h"

namespace ringfence::gofer {

struct GoferConfig {
  std::string root;        // host directory served as "/"
  bool read_only = false;  // EROFS for every mutation; mounted read-only too
  size_t max_fids = 4096;
  // Say on stderr when pivot_root was impossible and chroot was used (quiet
  // for `ringfence do`, where the sandbox owns stderr).
  bool report_chroot_fallback = true;
  // Tests only: run the server without a mount namespace or seccomp filter.
  bool danger_unconfined = false;
};

// How the process was confined (for logs and tests).
enum class RootChange { kPivotRoot, kChroot };

// Step 2 above. Must be called in a single-threaded process (unshare of the
// mount namespace is refused otherwise). Returns an O_PATH fd for the new
// root ("/"); `how` reports which mechanism was used.
absl::StatusOr<UniqueFd> ConfineToRoot(const std::string& root, bool read_only,
                                       RootChange* how);

// Step 3: keeps CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
// CAP_FOWNER, CAP_FSETID and CAP_SYS_ADMIN (trusted.overlay.* xattrs; what
// else it gates, such as mount and setns, the seccomp filter forbids) in
// the effective and permitted sets, nothing inheritable, and drops every
// other capability from the bounding set. A no-op without capabilities.
absl::Status DropCapabilities();

// The whole Gofer: confines this process (unless config.danger_unconfined),
// then serves `socket_fd` until the peer hangs up. Meant to be called in a
// freshly forked, single-threaded child by `ringfence`; returns only on
// error or hang-up, after which the caller should _exit.
absl::Status RunGofer(int socket_fd, const GoferConfig& config);

}  // namespace ringfence::gofer

#endif  // RINGFENCE_GOFER_CONFINEMENT_H_
