#include "gofer/seccomp_policy.h"

#include <fcntl.h>
#include <seccomp.h>
#include <sys/stat.h>

#include <cstdint>
#include <string>
#include <utility>

namespace ringfence::gofer {
namespace {

using vmm::ArgEquals;
using vmm::MaskedEquals;
using vmm::SeccompArgCondition;

// A dirfd is an int: bit 31 clear means >= 0, which excludes AT_FDCWD.
constexpr uint64_t kIntSignBit = 0x80000000ull;

SeccompArgCondition DirFdNotCwd(unsigned arg) {
  return MaskedEquals(arg, kIntSignBit, 0, "dirfd >= 0");
}

}  // namespace

vmm::SeccompPolicyBuilder GoferPolicy(int socket_fd, bool read_only) {
  vmm::SeccompPolicyBuilder builder;
  const uint64_t sock = static_cast<uint64_t>(socket_fd);
  builder.AllowExit().AllowMemoryAllocation().AllowThreads().AllowSignalSelf();
  // The protocol socket, and nothing else: no socket/connect/bind exist here.
  builder.AllowSyscall(SCMP_SYS(recvmsg), {ArgEquals(0, sock, "gofer socket")});
  builder.AllowSyscall(SCMP_SYS(sendmsg), {ArgEquals(0, sock, "gofer socket")});
  // Diagnostics to stderr only.
  builder.AllowSyscall(SCMP_SYS(write), {ArgEquals(0, 2, "stderr")});
  builder.AllowSyscall(SCMP_SYS(close));
  // Looking at nodes: fstat on an fd (AT_EMPTY_PATH) or one name without
  // following a symlink, always relative to a directory fd.
  builder.AllowSyscall(
      SCMP_SYS(newfstatat),
      {DirFdNotCwd(0),
       MaskedEquals(3, AT_EMPTY_PATH, AT_EMPTY_PATH, "AT_EMPTY_PATH")});
  builder.AllowSyscall(
      SCMP_SYS(newfstatat),
      {DirFdNotCwd(0), MaskedEquals(3, AT_SYMLINK_NOFOLLOW, AT_SYMLINK_NOFOLLOW,
                                    "AT_SYMLINK_NOFOLLOW")});
  builder.AllowSyscall(SCMP_SYS(readlinkat), {DirFdNotCwd(0)});
  builder.AllowSyscall(SCMP_SYS(getdents64));
  builder.AllowSyscall(SCMP_SYS(lseek));
  builder.AllowSyscall(SCMP_SYS(fstatfs));
  builder.AllowSyscall(SCMP_SYS(fgetxattr));
  builder.AllowSyscall(SCMP_SYS(flistxattr));
  if (!read_only) {
    builder.AllowSyscall(SCMP_SYS(mkdirat), {DirFdNotCwd(0)});
    // Only FIFOs and sockets: the type is in the mode argument, so seccomp
    // can refuse device nodes on its own.
    builder.AllowSyscall(
        SCMP_SYS(mknodat),
        {DirFdNotCwd(0), MaskedEquals(2, S_IFMT, S_IFIFO, "S_IFIFO")});
    builder.AllowSyscall(
        SCMP_SYS(mknodat),
        {DirFdNotCwd(0), MaskedEquals(2, S_IFMT, S_IFSOCK, "S_IFSOCK")});
    builder.AllowSyscall(SCMP_SYS(symlinkat), {DirFdNotCwd(1)});
    // linkat never with AT_SYMLINK_FOLLOW.
    builder.AllowSyscall(
        SCMP_SYS(linkat),
        {DirFdNotCwd(0), DirFdNotCwd(2),
         MaskedEquals(4, AT_SYMLINK_FOLLOW, 0, "no AT_SYMLINK_FOLLOW")});
    builder.AllowSyscall(SCMP_SYS(unlinkat), {DirFdNotCwd(0)});
    builder.AllowSyscall(SCMP_SYS(renameat2), {DirFdNotCwd(0), DirFdNotCwd(2)});
    builder.AllowSyscall(SCMP_SYS(fchownat), {DirFdNotCwd(0)});
    builder.AllowSyscall(SCMP_SYS(fchown));
    builder.AllowSyscall(SCMP_SYS(fchmod));
    builder.AllowSyscall(SCMP_SYS(fchmodat), {DirFdNotCwd(0)});
    builder.AllowSyscall(SCMP_SYS(ftruncate));
    builder.AllowSyscall(SCMP_SYS(utimensat), {DirFdNotCwd(0)});
    builder.AllowSyscall(SCMP_SYS(fsetxattr));
    builder.AllowSyscall(SCMP_SYS(fremovexattr));
  }
  // Opening by name relative to a directory fd, never through a final
  // symlink (see AllowOpenBeneathDirectoryFds() for what seccomp cannot
  // check). The server always gives openat2 RESOLVE_BENEATH |
  // RESOLVE_NO_SYMLINKS | O_PATH | O_NOFOLLOW, and the mount namespace
  // (gofer/confinement.h) bounds it regardless.
  builder.AllowOpenBeneathDirectoryFds();
  return builder;
}

}  // namespace ringfence::gofer
