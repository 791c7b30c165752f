#include "kernel/mm/maps_line.h"
#include "kernel/fs/procfs/proc_files.h"

#include "kernel/fs/synthetic/synthetic.h"
#include "kernel/ktl/ktl.h"
#include "kernel/mm/physical_memory.h"
#include "kernel/task/process_registry.h"
#include "kernel/task/system_info.h"
#include "kernel/time/clock.h"
#include "kernel/vfs/file_description.h"

namespace sentry::procfs {
namespace {

using synthetic::Append;
using synthetic::Appendf;

Options g_options;

// cmdline/environ larger than this are cut (Linux reads them whole; this
// bounds the kernel buffer an app can make us allocate).
constexpr uint64_t kMaxArgumentBytes = 256 * 1024;

// The signal state of the process: its (only) task's mask, the actions.
void FillSignals(Process& process, ProcessSnapshot* s) {
  for (int signal = 1; signal <= linux_abi::kNumSignals; ++signal) {
    uint64_t handler = process.signal_action(signal).handler;
    if (handler == linux_abi::kSigIgnore) s->ignored |= SignalBit(signal);
    else if (handler != linux_abi::kSigDefault) s->caught |= SignalBit(signal);
  }
  // One task per process today: the current task is the process's only
  // one when it reads its own files.
  Task& current = CurrentTask();
  if (&current.process() == &process) s->blocked = current.blocked_signals();
}

void FillMemory(Process& process, ProcessSnapshot* s) {
  mm::AddressSpace& memory = process.address_space();
  for (const mm::Vma& vma : memory.vmas().vmas()) {
    uint64_t length = vma.length();
    s->vm_size += length;
    if (vma.grows_down || vma.name == mm::kStackVmaName) {
      s->vm_stack += length;
    } else if (vma.prot & mm::kProtExec) {
      s->vm_exe += length;
      if (s->start_code == 0) s->start_code = vma.start;
      s->end_code = vma.end;
    } else if (vma.prot & mm::kProtWrite) {
      s->vm_data += length;
    }
    // Resident pages are not counted per address space yet: every
    // accessible page counts as resident (an upper bound).
    if (vma.prot != mm::kProtNone) s->vm_rss += length;
  }
  s->vm_peak = s->vm_size;
  s->vm_hwm = s->vm_rss;
  s->rss_anon = s->vm_rss;
  s->start_brk = memory.start_brk();
  const auto& ranges = memory.argument_ranges();
  s->arg_start = ranges.arg_start;
  s->arg_end = ranges.arg_end;
  s->env_start = ranges.env_start;
  s->env_end = ranges.env_end;
  s->start_stack = ranges.arg_start;
}

ProcessSnapshot Snapshot(Process& process) {
  ProcessSnapshot s;
  s.name = process.comm();
  s.pid = s.tgid = process.pid();
  s.pgrp = process.pgid;
  s.session = process.sid;
  s.ppid = process.parent_pid();
  if (process.zombie) s.state = 'Z';
  const Credentials& creds = process.credentials();
  uint32_t uids[4] = {creds.uid, creds.euid, creds.suid, creds.euid};
  uint32_t gids[4] = {creds.gid, creds.egid, creds.sgid, creds.egid};
  for (int i = 0; i < 4; ++i) {
    s.uid[i] = uids[i];
    s.gid[i] = gids[i];
  }
  s.groups = creds.supplementary_groups();
  s.umask = process.fs_context().umask;
  uint64_t slots = process.files().slot_count();
  s.fd_slots = slots <= 64 ? 64 : ktl::RoundUp(slots, uint64_t{64});
  s.signal_queue_limit = process.rlimit(linux_abi::kRlimitSigpending).cur;
  s.cpu_count = g_options.cpu_count;
  s.rss_limit = process.rlimit(linux_abi::kRlimitRss).cur;
  FillSignals(process, &s);
  FillMemory(process, &s);
  return s;
}

// Copies [start, end) of the process's memory (its argv or envp block).
ktl::Result<void> AppendUserRange(Process& process, uint64_t start, uint64_t end, Text* out) {
  if (end <= start) return ktl::Ok();
  uint64_t length = end - start < kMaxArgumentBytes ? end - start : kMaxArgumentBytes;
  size_t old_size = out->size();
  TRY(out->Resize(old_size + length));
  auto copied = process.address_space().CopyIn(start, out->data() + old_size, length);
  if (!copied.ok()) TRY(out->Resize(old_size));  // unmapped by the app: empty, as Linux
  return ktl::Ok();
}

ktl::Result<void> AppendMountLines(Process& process, Text* out, bool info) {
  if (g_options.mount_namespace == nullptr) return ktl::Ok();
  return g_options.mount_namespace->ForEachMount(
      process.fs_context().root, [&](const vfs::Vfs::MountRecord& record) -> ktl::Result<void> {
        vfs::FileSystem& fs = record.mount.root()->inode().fs();
        uint32_t flags = record.mount.flags();
        MountLine line{record.mount.id(),
                       record.parent_id,
                       fs.device(),
                       record.root,
                       record.mount_point,
                       fs.name(),
                       fs.name(),
                       (flags & vfs::kMountReadOnly) != 0,
                       (flags & vfs::kMountNoSuid) != 0,
                       (flags & vfs::kMountNoDev) != 0,
                       (flags & vfs::kMountNoExec) != 0};
        return info ? AppendMountInfoLine(out, line) : AppendMountsLine(out, line);
      });
}

}  // namespace

void SetSystemOptions(const Options& options) { g_options = options; }

ktl::Result<void> GenerateStatus(Process& process, Text* out) {
  return AppendStatus(out, Snapshot(process));
}

ktl::Result<void> GenerateStat(Process& process, Text* out) {
  return AppendStat(out, Snapshot(process));
}

ktl::Result<void> GenerateStatm(Process& process, Text* out) {
  return AppendStatm(out, Snapshot(process));
}

ktl::Result<void> GenerateCmdline(Process& process, Text* out) {
  const auto& ranges = process.address_space().argument_ranges();
  return AppendUserRange(process, ranges.arg_start, ranges.arg_end, out);
}

ktl::Result<void> GenerateEnviron(Process& process, Text* out) {
  const auto& ranges = process.address_space().argument_ranges();
  return AppendUserRange(process, ranges.env_start, ranges.env_end, out);
}

ktl::Result<void> GenerateComm(Process& process, Text* out) {
  return Appendf(out, "%s\n", process.comm());
}

ktl::Result<void> GenerateMaps(Process& process, Text* out) {
  for (const mm::Vma& vma : process.address_space().vmas().vmas()) {
    // Measure, then format straight into the text: a file's path can be
    // PATH_MAX long, too much for a kernel stack buffer.
    size_t length = mm::FormatMapsLine(vma, nullptr, 0);
    size_t at = out->size();
    TRY(out->Resize(at + length + 1));
    mm::FormatMapsLine(vma, out->data() + at, length + 1);
    TRY(out->Resize(at + length));  // drop the NUL
  }
  return ktl::Ok();
}

ktl::Result<void> GenerateLimits(Process& process, Text* out) {
  struct Row {
    int resource;
    const char* name;
    const char* units;
  };
  static constexpr Row kRows[] = {
      {linux_abi::kRlimitCpu, "Max cpu time", "seconds"},
      {linux_abi::kRlimitFsize, "Max file size", "bytes"},
      {linux_abi::kRlimitData, "Max data size", "bytes"},
      {linux_abi::kRlimitStack, "Max stack size", "bytes"},
      {linux_abi::kRlimitCore, "Max core file size", "bytes"},
      {linux_abi::kRlimitRss, "Max resident set", "bytes"},
      {linux_abi::kRlimitNproc, "Max processes", "processes"},
      {linux_abi::kRlimitNofile, "Max open files", "files"},
      {linux_abi::kRlimitMemlock, "Max locked memory", "bytes"},
      {linux_abi::kRlimitAs, "Max address space", "bytes"},
      {linux_abi::kRlimitLocks, "Max file locks", "locks"},
      {linux_abi::kRlimitSigpending, "Max pending signals", "signals"},
      {linux_abi::kRlimitMsgqueue, "Max msgqueue size", "bytes"},
      {linux_abi::kRlimitNice, "Max nice priority", ""},
      {linux_abi::kRlimitRtprio, "Max realtime priority", ""},
      {linux_abi::kRlimitRttime, "Max realtime timeout", "us"},
  };
  TRY(AppendLimitsHeader(out));
  for (const Row& row : kRows) {
    const linux_abi::Rlimit& limit = process.rlimit(row.resource);
    TRY(AppendLimit(out, row.name, limit.cur, limit.max, row.units));
  }
  return ktl::Ok();
}

ktl::Result<void> GenerateMounts(Process& process, Text* out) {
  return AppendMountLines(process, out, /*info=*/false);
}

ktl::Result<void> GenerateMountInfo(Process& process, Text* out) {
  return AppendMountLines(process, out, /*info=*/true);
}

ktl::Result<void> GenerateFdInfo(Process& process, int fd, Text* out) {
  fs::FileRef file = TRY(process.files().Get(fd));
  uint32_t flags = file->flags() & ~vfs::kO_CLOEXEC;
  if (TRY(process.files().CloseOnExec(fd))) flags |= vfs::kO_CLOEXEC;
  flags |= vfs::kO_LARGEFILE;  // always set on x86-64 (force_o_largefile)
  int64_t position = 0;
  uint32_t mount_id = 0;
  uint64_t inode = 0;
  if (vfs::FileDescription* description = file->vfs_description()) {
    position = description->position();
    mount_id = description->path().mount->id();
    inode = description->inode().ino();
  } else {
    linux_abi::Stat stat;
    if (file->Stat(&stat).ok()) inode = stat.ino;
  }
  return AppendFdInfo(out, position, flags, mount_id, inode);
}

ktl::Result<void> GenerateCpuinfo(Text* out) {
  return AppendCpuinfo(out, g_options.cpu_count, g_options.tsc_khz);
}

ktl::Result<void> GenerateMeminfo(Text* out) {
  mm::PageAllocator& pages = mm::PhysicalPages();
  MemorySnapshot memory;
  memory.total_bytes = g_options.memory_bytes;
  memory.free_bytes = pages.free_pages() * mm::kPageSize;
  if (memory.free_bytes > memory.total_bytes) memory.total_bytes = memory.free_bytes;
  return AppendMeminfo(out, memory);
}

ktl::Result<void> GenerateUptime(Text* out) {
  // As on Linux, uptime is CLOCK_BOOTTIME (which the Sentry keeps equal to
  // CLOCK_MONOTONIC). The vCPUs run the app or halt; idle time is not
  // measured yet.
  uint64_t up = static_cast<uint64_t>(time::MonotonicNs());
  return AppendUptime(out, up, 0);
}

ktl::Result<void> GenerateLoadavg(Text* out) {
  int32_t last_pid = 0;
  ForEachProcess([&](int32_t pid, Process*) {
    last_pid = pid;
    return true;
  });
  uint32_t count = static_cast<uint32_t>(ProcessCount());
  return AppendLoadavg(out, 1, count, last_pid);
}

ktl::Result<void> GenerateSystemStat(Text* out) {
  int64_t up_ns = time::MonotonicNs();
  int64_t boot_seconds = (time::RealtimeNs() - up_ns) / time::kNsPerSecond;
  uint32_t count = static_cast<uint32_t>(ProcessCount());
  return AppendSystemStat(out, g_options.cpu_count, static_cast<uint64_t>(up_ns), boot_seconds,
                          count, 1);
}

ktl::Result<void> GenerateVersion(Text* out) {
  return AppendVersion(out, kKernelRelease, kKernelVersion);
}

ktl::Result<void> GenerateFilesystems(Text* out) { return AppendFilesystems(out); }

ktl::Result<void> GenerateHostname(Text* out) { return Appendf(out, "%s\n", Hostname()); }
ktl::Result<void> GenerateOstype(Text* out) { return Append(out, "Linux\n"); }
ktl::Result<void> GenerateOsrelease(Text* out) { return Appendf(out, "%s\n", kKernelRelease); }

}  // namespace sentry::procfs
