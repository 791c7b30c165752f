// The generators behind procfs's files: each gathers a snapshot of the live
// kernel state and formats it (proc_format.h). Sentry-only.
#ifndef RINGFENCE_KERNEL_FS_PROCFS_PROC_FILES_H_
#define RINGFENCE_KERNEL_FS_PROCFS_PROC_FILES_H_

#include "kernel/fs/procfs/proc_format.h"
#include "kernel/fs/procfs/procfs.h"
#include "kernel/task/task.h"

namespace sentry::procfs {

// What the system-wide files need to know about the machine.
void SetSystemOptions(const Options& options);

// --- /proc/<pid>/* -----------------------------------------------------------
using ProcessGenerator = ktl::Result<void> (*)(Process& process, Text* out);
ktl::Result<void> GenerateStatus(Process& process, Text* out);
ktl::Result<void> GenerateStat(Process& process, Text* out);
ktl::Result<void> GenerateStatm(Process& process, Text* out);
ktl::Result<void> GenerateCmdline(Process& process, Text* out);
ktl::Result<void> GenerateEnviron(Process& process, Text* out);
ktl::Result<void> GenerateComm(Process& process, Text* out);
ktl::Result<void> GenerateMaps(Process& process, Text* out);
ktl::Result<void> GenerateLimits(Process& process, Text* out);
ktl::Result<void> GenerateMounts(Process& process, Text* out);
ktl::Result<void> GenerateMountInfo(Process& process, Text* out);
// fdinfo/<fd>.
ktl::Result<void> GenerateFdInfo(Process& process, int fd, Text* out);

// --- /proc/* ------------------------------------------------------------------
ktl::Result<void> GenerateCpuinfo(Text* out);
ktl::Result<void> GenerateMeminfo(Text* out);
ktl::Result<void> GenerateUptime(Text* out);
ktl::Result<void> GenerateLoadavg(Text* out);
ktl::Result<void> GenerateSystemStat(Text* out);
ktl::Result<void> GenerateVersion(Text* out);
ktl::Result<void> GenerateFilesystems(Text* out);
ktl::Result<void> GenerateHostname(Text* out);
ktl::Result<void> GenerateOstype(Text* out);
ktl::Result<void> GenerateOsrelease(Text* out);

}  // namespace sentry::procfs

#endif  // RINGFENCE_KERNEL_FS_PROCFS_PROC_FILES_H_
