// devfs: the sandbox's /dev. The memory devices (null, zero, full, random,
// urandom) are served in the kernel; tty and console reach the host
// terminal / stderr through files the caller provides; fd, stdin, stdout
// and stderr are the usual links into /proc/self/fd. There is no ptmx (no
// pseudo-terminals yet) and no way to add nodes by name (mknod is EPERM).
// shm/ is an empty directory boot mounts a tmpfs on.
#ifndef RINGFENCE_KERNEL_FS_DEVFS_DEVFS_H_
#define RINGFENCE_KERNEL_FS_DEVFS_DEVFS_H_

#include <cstdint>
#include <span>

#include "kernel/fs/file.h"
#include "kernel/ktl/result.h"
#include "kernel/vfs/inode.h"

namespace sentry::devfs {

// Device numbers as Linux assigns them (devices.txt).
struct DeviceNumber {
  uint32_t major;
  uint32_t minor;
};
inline constexpr DeviceNumber kNull{1, 3}, kZero{1, 5}, kFull{1, 7}, kRandom{1, 8},
    kUrandom{1, 9}, kTty{5, 0}, kConsole{5, 1};

// The files behind devices that reach the host.
class HostTerminals {
 public:
  virtual ~HostTerminals() = default;
  // The controlling terminal (/dev/tty) with a new reference, or null if
  // the sandbox has none (opening /dev/tty is then ENXIO).
  virtual fs::File* Terminal() = 0;
  // Where /dev/console writes go (the sandbox's stderr), with a new
  // reference, or null (ENXIO).
  virtual fs::File* Console() = 0;
};

struct Options {
  vfs::Timespec mount_time = {};
  // The kernel's random generator (the one getrandom(2) uses). Required.
  void (*fill_random)(std::span<uint8_t> out) = nullptr;
  HostTerminals* terminals = nullptr;  // required; must outlive the file system
};

// A new devfs; returns its root directory.
ktl::Result<vfs::RefPtr<vfs::Inode>> Create(const Options& options);

}  // namespace sentry::devfs

#endif  // RINGFENCE_KERNEL_FS_DEVFS_DEVFS_H_
