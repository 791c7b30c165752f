// The text of procfs files, in Linux's exact formats (proc(5), and
// fs/proc/*.c for spacing), from plain snapshots so the formatting is
// portable and unit-tested. procfs.cc gathers the snapshots from the live
// kernel state.
#ifndef RINGFENCE_KERNEL_FS_PROCFS_PROC_FORMAT_H_
#define RINGFENCE_KERNEL_FS_PROCFS_PROC_FORMAT_H_

#include <cstdint>
#include <span>

#include "kernel/ktl/result.h"
#include "kernel/ktl/string.h"
#include "kernel/ktl/vector.h"

namespace sentry::procfs {

using Text = ktl::Vector<char>;

// What /proc/<pid>/status and stat say about a process.
struct ProcessSnapshot {
  ktl::StringView name;  // comm
  char state = 'R';
  int32_t pid = 0, tgid = 0, ppid = 0;
  uint32_t uid[4] = {};  // real, effective, saved, file system
  uint32_t gid[4] = {};
  std::span<const uint32_t> groups;  // supplementary
  uint32_t umask = 022;
  uint64_t fd_slots = 64;  // FDSize: the fd table's capacity
  uint32_t threads = 1;
  // Memory, in bytes.
  uint64_t vm_size = 0, vm_peak = 0, vm_rss = 0, vm_hwm = 0, rss_anon = 0, rss_file = 0;
  uint64_t vm_data = 0, vm_stack = 0, vm_exe = 0, vm_lib = 0, vm_pte = 0;
  // Signals (bit n-1 for signal n).
  uint64_t pending = 0, shared_pending = 0, blocked = 0, ignored = 0, caught = 0;
  uint64_t queued_signals = 0, signal_queue_limit = 0;
  uint32_t cpu_count = 1;
  // stat only.
  int32_t pgrp = 0, session = 0;
  uint64_t start_ticks = 0;  // clock ticks after boot when it started
  uint64_t rss_limit = ~0ull;
  uint64_t start_code = 0, end_code = 0, start_stack = 0;
  uint64_t start_data = 0, end_data = 0, start_brk = 0;
  uint64_t arg_start = 0, arg_end = 0, env_start = 0, env_end = 0;
};

ktl::Result<void> AppendStatus(Text* out, const ProcessSnapshot& process);
ktl::Result<void> AppendStat(Text* out, const ProcessSnapshot& process);
// /proc/<pid>/statm: sizes in pages.
ktl::Result<void> AppendStatm(Text* out, const ProcessSnapshot& process);

// One resource limit row of /proc/<pid>/limits (the header is
// AppendLimitsHeader). `cur`/`max` of ~0 print "unlimited".
ktl::Result<void> AppendLimitsHeader(Text* out);
ktl::Result<void> AppendLimit(Text* out, const char* name, uint64_t cur, uint64_t max,
                              const char* units);

// /proc/<pid>/mounts and mountinfo lines. Paths are escaped as Linux does
// (space, tab, newline and backslash become \ooo).
struct MountLine {
  uint32_t id, parent_id;
  uint64_t device;              // st_dev of the file system
  ktl::StringView root;         // the mounted directory within its file system
  ktl::StringView mount_point;  // as the reader sees it
  ktl::StringView fs_type;      // "tmpfs", "proc"...
  ktl::StringView source;       // what was mounted ("tmpfs", "proc", "none")
  bool read_only, no_suid, no_dev, no_exec;
};
ktl::Result<void> AppendMountsLine(Text* out, const MountLine& mount);
ktl::Result<void> AppendMountInfoLine(Text* out, const MountLine& mount);

// /proc/<pid>/fdinfo/<fd>.
ktl::Result<void> AppendFdInfo(Text* out, int64_t position, uint32_t flags, uint32_t mount_id,
                               uint64_t inode);

// --- system-wide files -----------------------------------------------------------

struct MemorySnapshot {
  uint64_t total_bytes = 0, free_bytes = 0, shmem_bytes = 0;
};
ktl::Result<void> AppendMeminfo(Text* out, const MemorySnapshot& memory);
// /proc/uptime: seconds since boot and idle seconds summed over CPUs.
ktl::Result<void> AppendUptime(Text* out, uint64_t up_ns, uint64_t idle_ns);
ktl::Result<void> AppendLoadavg(Text* out, uint32_t running, uint32_t total, int32_t last_pid);
// /proc/stat: per-CPU times (all zero but idle, which is the uptime), boot
// time, process counts.
ktl::Result<void> AppendSystemStat(Text* out, uint32_t cpu_count, uint64_t up_ns,
                                   int64_t boot_time_seconds, uint32_t processes,
                                   uint32_t running);
// /proc/version from uname's fields.
ktl::Result<void> AppendVersion(Text* out, const char* release, const char* version);
// /proc/filesystems: the types the sandbox knows.
ktl::Result<void> AppendFilesystems(Text* out);

// /proc/cpuinfo, from CPUID as this CPU answers it (the guest's view in the
// Sentry), one block per CPU.
ktl::Result<void> AppendCpuinfo(Text* out, uint32_t cpu_count, uint64_t tsc_khz);

// USER_HZ: the unit of the tick counts in stat files.
inline constexpr uint64_t kClockTicksPerSecond = 100;

}  // namespace sentry::procfs

#endif  // RINGFENCE_KERNEL_FS_PROCFS_PROC_FORMAT_H_
