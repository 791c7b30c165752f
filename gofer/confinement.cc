#include "gofer/confinement.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "gofer/seccomp_policy.h"
#include "gofer/server.h"

namespace ringfence::gofer {
namespace {

absl::Status Errno(absl::string_view what) {
  return absl::ErrnoToStatus(errno, absl::StrCat("gofer confinement: ", what));
}

// Closes every fd except 0-2 and `keep`, so nothing inherited from the
// parent (a directory outside the root, a KVM fd...) survives into the Gofer.
void CloseInheritedFds(int keep) {
  auto close_range = [](unsigned first, unsigned last) {
    if (first > last) return;
    if (syscall(SYS_close_range, first, last, 0) == 0) return;
    // Kernels before 5.9: one by one, up to the fd limit.
    struct rlimit lim;
    unsigned max =
        getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY
            ? static_cast<unsigned>(std::min<rlim_t>(lim.rlim_cur, 1 << 20))
            : 65536;
    for (unsigned fd = first; fd <= last && fd < max; ++fd)
      close(static_cast<int>(fd));
  };
  if (keep < 3) {
    close_range(3, UINT_MAX);
    return;
  }
  close_range(3, static_cast<unsigned>(keep) - 1);
  close_range(static_cast<unsigned>(keep) + 1, UINT_MAX);
}

constexpr int kKeptCapabilities[] = {
    CAP_CHOWN,  CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
    CAP_FOWNER, CAP_FSETID,       CAP_SYS_ADMIN,
};

bool IsKept(int cap) {
  return std::find(std::begin(kKeptCapabilities), std::end(kKeptCapabilities),
                   cap) != std::end(kKeptCapabilities);
}

}  // namespace

absl::StatusOr<UniqueFd> ConfineToRoot(const std::string& root, bool read_only,
                                       RootChange* how) {
  // Resolve the path once, before anything changes, so the bind below names
  // a real directory and not a symlink someone could swap.
  char* resolved = realpath(root.c_str(), nullptr);
  if (resolved == nullptr) return Errno(absl::StrCat("realpath(", root, ")"));
  std::string real_root = resolved;
  free(resolved);

  if (unshare(CLONE_NEWNS) != 0) return Errno("unshare(CLONE_NEWNS)");
  // No network, IPC or hostname of the host's: best effort (needs
  // CAP_SYS_ADMIN; the seccomp filter already forbids sockets).
  unshare(CLONE_NEWNET);
  unshare(CLONE_NEWIPC);
  unshare(CLONE_NEWUTS);
  // Nothing we do from here may propagate back to the host's mounts.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return Errno("make mounts private");
  }
  // Non-recursive: mounts below the root (a host /proc, /sys, /dev when the
  // root is "/") are left behind, so the Gofer can never serve them.
  if (mount(real_root.c_str(), real_root.c_str(), nullptr, MS_BIND, nullptr) !=
      0) {
    return Errno("bind root onto itself");
  }
  unsigned long flags = MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV;
  if (read_only) flags |= MS_RDONLY;
  if (mount(nullptr, real_root.c_str(), nullptr, flags, nullptr) != 0) {
    return Errno("remount root nosuid,nodev");
  }
  if (chdir(real_root.c_str()) != 0) return Errno("chdir(root)");
  // pivot_root(".", "."): the old root ends up stacked on the new one and is
  // detached right away, leaving no path back to the host tree.
  if (syscall(SYS_pivot_root, ".", ".") == 0) {
    if (umount2(".", MNT_DETACH) != 0) return Errno("detach old root");
    *how = RootChange::kPivotRoot;
  } else {
    // EINVAL when the current root is the initramfs (rootfs cannot be
    // pivoted away from). chroot alone can be climbed out of by a process
    // that may chroot again or holds an fd outside: CloseInheritedFds() and
    // the seccomp filter (no chroot, no open by path) take both away.
    // RunGofer reports the fallback if asked to.
    if (chroot(".") != 0) return Errno("chroot");
    *how = RootChange::kChroot;
  }
  if (chdir("/") != 0) return Errno("chdir(/)");
  int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("open new root");
  return UniqueFd(fd);
}

absl::Status DropCapabilities() {
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &header, data) != 0) return Errno("capget");
  bool any = false;
  for (const auto& d : data) any = any || d.effective != 0 || d.permitted != 0;
  if (!any) return absl::OkStatus();  // nothing to drop

  // Bounding set first: dropping from it needs CAP_SETPCAP, which goes next.
  for (int cap = 0; cap < 64; ++cap) {
    if (IsKept(cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      if (errno == EINVAL) break;  // past the kernel's last capability
      if (errno == EPERM) break;   // no CAP_SETPCAP: the bounding set stays
      return Errno("PR_CAPBSET_DROP");
    }
  }
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  struct __user_cap_data_struct keep[2] = {};
  for (int cap : kKeptCapabilities) {
    uint32_t bit = 1u << (cap % 32);
    // Keep only what we have: capset refuses to add permitted bits.
    if ((data[cap / 32].permitted & bit) == 0) continue;
    keep[cap / 32].permitted |= bit;
    keep[cap / 32].effective |= bit;
  }
  if (syscall(SYS_capset, &header, keep) != 0) return Errno("capset");
  return absl::OkStatus();
}

absl::Status RunGofer(int socket_fd, const GoferConfig& config) {
  // The client sends final modes (already masked by the sandbox's umask).
  umask(0);
  // Each fid holds up to two fds (shared with its relatives).
  struct rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    rlim_t want = std::min<rlim_t>(lim.rlim_max, 2 * config.max_fids + 64);
    if (want > lim.rlim_cur) {
      lim.rlim_cur = want;
      setrlimit(RLIMIT_NOFILE, &lim);
    }
  }
  UniqueFd root;
  if (config.danger_unconfined) {
    root.reset(open(config.root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root.valid()) return Errno(absl::StrCat("open(", config.root, ")"));
  } else {
    CloseInheritedFds(socket_fd);
    RootChange how;
    absl::StatusOr<UniqueFd> confined =
        ConfineToRoot(config.root, config.read_only, &how);
    if (!confined.ok()) return confined.status();
    if (how == RootChange::kChroot && config.report_chroot_fallback) {
      fprintf(stderr, "ringfence-gofer: pivot_root failed; falling back to chroot\n");
    }
    root = std::move(*confined);
    if (absl::Status s = DropCapabilities(); !s.ok()) return s;
    if (absl::Status s = GoferPolicy(socket_fd, config.read_only).Install();
        !s.ok()) {
      return s;
    }
  }
  GoferServer server(std::move(root),
                     ServerOptions{.read_only = config.read_only,
                                   .max_fids = config.max_fids});
  return server.Serve(socket_fd);
}

}  // namespace ringfence::gofer
