// sysfs: the small part of /sys that libc and common programs read: the CPU
// sets under devices/system/cpu (sysconf(_SC_NPROCESSORS_*), nproc,
// Python's os.cpu_count), transparent_hugepage/enabled (allocators and
// JITs probe it) and an empty fs/cgroup.
#ifndef RINGFENCE_KERNEL_FS_SYSFS_SYSFS_H_
#define RINGFENCE_KERNEL_FS_SYSFS_SYSFS_H_

#include <cstdint>

#include "kernel/ktl/result.h"
#include "kernel/vfs/inode.h"

namespace sentry::sysfs {

struct Options {
  vfs::Timespec mount_time = {};
  uint32_t cpu_count = 1;  // the vCPUs: cpu0..cpu<N-1>, all online
};

// A new sysfs; returns its root directory.
ktl::Result<vfs::RefPtr<vfs::Inode>> Create(const Options& options);

}  // namespace sentry::sysfs

#endif  // RINGFENCE_KERNEL_FS_SYSFS_SYSFS_H_
