// The Gofer's seccomp allow-list.
//
// Built entirely from the VMM's capability-named SeccompPolicyBuilder
// (vmm/seccomp_policy.h): the capabilities the two processes share (exit,
// memory, futexes, signalling itself), AllowOpenBeneathDirectoryFds() for
// opening relative to directory fds (openat with O_NOFOLLOW, openat2; the
// VMM's own policy never has it), and AllowSyscall() rules for the other
// *at() file syscalls the server makes. The builder vets every rule, compiles
// and installs the filter, and describes it.
//
// Never allowed, whatever the mode: socket, connect, bind, listen, accept,
// open/creat (path-based), execve, fork/clone, ptrace, mount, pivot_root,
// chroot, chdir, and anything else not listed. Violations kill the process.
//
// Usage:
//   absl::Status s = GoferPolicy(socket_fd, read_only).Install();
#ifndef RINGFENCE_GOFER_SECCOMP_POLICY_H_
#define RINGFENCE_GOFER_SECCOMP_POLICY_H_

#include "vmm/seccomp_policy.h"

namespace ringfence::gofer {

// The Gofer's complete allow-list. `socket_fd`: the only fd recvmsg/sendmsg
// may use. `read_only`: leave out every syscall that changes the tree.
// Errors (a forbidden syscall) are in the builder's status(), and
// Install()/Build() return them.
vmm::SeccompPolicyBuilder GoferPolicy(int socket_fd, bool read_only);

}  // namespace ringfence::gofer

#endif  // RINGFENCE_GOFER_SECCOMP_POLICY_H_
