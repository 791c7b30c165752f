// The Gofer's seccomp allow-list.
//
// Built from the VMM's capability-named SeccompPolicyBuilder
// (vmm/seccomp_policy.h) for everything the two processes share (exit,
// memory, futexes, signalling itself) plus AllowSyscall() rules for the
// *at() file syscalls the server makes. The VMM's builder refuses openat and
// openat2 on principle (the VMM must never open files), yet opening relative
// to a directory fd is the Gofer's whole job; those two rules are therefore
// kept here and compiled together with the builder's rules. The builder
// still vets every other rule. (When the builder grows a way to name a
// policy's forbidden set, Compile() here can go.)
//
// Never allowed, whatever the mode: socket, connect, bind, listen, accept,
// open/creat (path-based), execve, fork/clone, ptrace, mount, pivot_root,
// chroot, chdir, and anything else not listed. Violations kill the process.
#ifndef RINGFENCE_GOFER_SECCOMP_POLICY_H_
#define RINGFENCE_GOFER_SECCOMP_POLICY_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "vmm/seccomp_policy.h"

namespace ringfence::gofer {

class GoferSeccompPolicy {
 public:
  // `socket_fd`: the only fd recvmsg/sendmsg may use. `read_only`: leave out
  // every syscall that changes the tree.
  GoferSeccompPolicy(int socket_fd, bool read_only);

  // The first error from the builder (e.g. a forbidden syscall), or OK.
  absl::Status status() const { return base_.status(); }
  // Loads the filter (no_new_privs first). Irreversible.
  absl::Status Install() const;
  // One line per rule, as `ringfence seccomp-policy` prints the VMM's.
  std::string Describe() const;

 private:
  vmm::SeccompPolicyBuilder base_;
  // Rules the VMM's builder refuses (openat, openat2).
  std::vector<vmm::SeccompRule> file_open_rules_;
};

}  // namespace ringfence::gofer

#endif  // RINGFENCE_GOFER_SECCOMP_POLICY_H_
