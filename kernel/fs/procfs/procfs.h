// procfs: /proc. Per process (/proc/<pid>, and /proc/self linking to the
// reader's): status, stat, statm, cmdline, environ, comm, maps, limits,
// mounts, mountinfo, the exe/cwd/root links, fd/ and fdinfo/. System-wide:
// cpuinfo, meminfo, stat, uptime, loadavg, filesystems, version, mounts
// (-> self/mounts) and sys/kernel/{hostname,ostype,osrelease}.
//
// Files are generated on the first read of each open description (see
// synthetic::GeneratedFile) from the live kernel state; the formats are in
// proc_format.h. cwd, root and fd/N are magic links: following one
// reaches the object itself (Inode::JumpTarget).
#ifndef RINGFENCE_KERNEL_FS_PROCFS_PROCFS_H_
#define RINGFENCE_KERNEL_FS_PROCFS_PROCFS_H_

#include <cstdint>

#include "kernel/ktl/result.h"
#include "kernel/vfs/inode.h"
#include "kernel/vfs/vfs.h"

namespace sentry::procfs {

struct Options {
  vfs::Timespec mount_time = {};
  uint32_t cpu_count = 1;
  uint64_t tsc_khz = 0;
  uint64_t memory_bytes = 0;  // guest memory, for meminfo's MemTotal
  vfs::Vfs* mount_namespace = nullptr;  // what mounts/mountinfo list
};

// A new procfs; returns its root directory.
ktl::Result<vfs::RefPtr<vfs::Inode>> Create(const Options& options);

}  // namespace sentry::procfs

#endif  // RINGFENCE_KERNEL_FS_PROCFS_PROCFS_H_
