#include "kernel/fs/procfs/proc_format.h"

#include "kernel/fs/synthetic/synthetic.h"
#include "kernel/vfs/types.h"

namespace sentry::procfs {
namespace {

using synthetic::Append;
using synthetic::Appendf;

constexpr uint64_t kPageSize = 4096;

using vfs::DeviceMajor;
using vfs::DeviceMinor;

// `value` in octal (ktl's formatter has no %o), zero-padded to `width`.
struct Octal {
  char text[24];
};
Octal ToOctal(uint64_t value, int width) {
  Octal out;
  char digits[23];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + (value & 7));
    value >>= 3;
  } while (value != 0);
  while (n < width) digits[n++] = '0';
  for (int i = 0; i < n; ++i) out.text[i] = digits[n - 1 - i];
  out.text[n] = '\0';
  return out;
}

// mangle_path: the characters that would break the line format.
ktl::Result<void> AppendEscaped(Text* out, ktl::StringView path) {
  for (char c : path) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\\') {
      TRY(Appendf(out, "\\%s", ToOctal(static_cast<uint8_t>(c), 3).text));
    } else {
      TRY(Append(out, ktl::StringView(&c, 1)));
    }
  }
  return ktl::Ok();
}

// status lines: "VmRSS:\t     980 kB".
ktl::Result<void> AppendKb(Text* out, const char* field, uint64_t bytes) {
  return Appendf(out, "%s\t%8u kB\n", field, bytes / 1024);
}

// meminfo lines: the label padded to 16 columns, "MemTotal:        524288 kB".
ktl::Result<void> AppendMeminfoKb(Text* out, const char* field, uint64_t bytes) {
  return Appendf(out, "%-16s%8u kB\n", field, bytes / 1024);
}

// The mount options both mounts and mountinfo start with.
ktl::Result<void> AppendMountOptions(Text* out, const MountLine& mount) {
  TRY(Append(out, mount.read_only ? "ro" : "rw"));
  if (mount.no_suid) TRY(Append(out, ",nosuid"));
  if (mount.no_dev) TRY(Append(out, ",nodev"));
  if (mount.no_exec) TRY(Append(out, ",noexec"));
  return Append(out, ",relatime");
}

}  // namespace

ktl::Result<void> AppendStatus(Text* out, const ProcessSnapshot& p) {
  TRY(Appendf(out, "Name:\t%s\nUmask:\t%s\n", p.name, ToOctal(p.umask, 4).text));
  const char* state_name = p.state == 'S' ? "sleeping" : p.state == 'Z' ? "zombie" : "running";
  TRY(Appendf(out, "State:\t%c (%s)\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n",
              p.state, state_name, p.tgid, p.pid, p.ppid));
  TRY(Appendf(out, "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n", p.uid[0], p.uid[1], p.uid[2],
              p.uid[3], p.gid[0], p.gid[1], p.gid[2], p.gid[3]));
  TRY(Appendf(out, "FDSize:\t%u\nGroups:\t", p.fd_slots));
  // Space-separated, with the trailing space Linux has always printed.
  for (size_t i = 0; i < p.groups.size(); ++i) {
    TRY(Appendf(out, i == 0 ? "%u" : " %u", p.groups[i]));
  }
  TRY(Appendf(out, " \nNStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", p.tgid, p.pid,
              p.pgrp, p.session));
  TRY(AppendKb(out, "VmPeak:", p.vm_peak));
  TRY(AppendKb(out, "VmSize:", p.vm_size));
  TRY(AppendKb(out, "VmLck:", 0));
  TRY(AppendKb(out, "VmPin:", 0));
  TRY(AppendKb(out, "VmHWM:", p.vm_hwm));
  TRY(AppendKb(out, "VmRSS:", p.vm_rss));
  TRY(AppendKb(out, "RssAnon:", p.rss_anon));
  TRY(AppendKb(out, "RssFile:", p.rss_file));
  TRY(AppendKb(out, "RssShmem:", 0));
  TRY(AppendKb(out, "VmData:", p.vm_data));
  TRY(AppendKb(out, "VmStk:", p.vm_stack));
  TRY(AppendKb(out, "VmExe:", p.vm_exe));
  TRY(AppendKb(out, "VmLib:", p.vm_lib));
  TRY(AppendKb(out, "VmPTE:", p.vm_pte));
  TRY(AppendKb(out, "VmSwap:", 0));
  TRY(AppendKb(out, "HugetlbPages:", 0));
  TRY(Appendf(out, "CoreDumping:\t0\nTHP_enabled:\t0\nThreads:\t%u\nSigQ:\t%u/%u\n", p.threads,
              p.queued_signals, p.signal_queue_limit));
  TRY(Appendf(out, "SigPnd:\t%016x\nShdPnd:\t%016x\nSigBlk:\t%016x\nSigIgn:\t%016x\nSigCgt:\t%016x\n",
              p.pending, p.shared_pending, p.blocked, p.ignored, p.caught));
  // The sandbox's root has every capability inside it (CAP_LAST_CAP 40).
  uint64_t caps = p.uid[1] == 0 ? 0x1ffffffffffull : 0;
  TRY(Appendf(out, "CapInh:\t%016x\nCapPrm:\t%016x\nCapEff:\t%016x\nCapBnd:\t%016x\n"
                   "CapAmb:\t%016x\nNoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n",
              uint64_t{0}, caps, caps, uint64_t{0x1ffffffffffull}, uint64_t{0}));
  uint64_t cpu_mask = p.cpu_count >= 64 ? ~0ull : (1ull << p.cpu_count) - 1;
  TRY(Appendf(out, "Cpus_allowed:\t%x\n", cpu_mask));
  if (p.cpu_count > 1) {
    TRY(Appendf(out, "Cpus_allowed_list:\t0-%u\n", p.cpu_count - 1));
  } else {
    TRY(Append(out, "Cpus_allowed_list:\t0\n"));
  }
  return Append(out,
                "Mems_allowed:\t00000000,00000001\nMems_allowed_list:\t0\n"
                "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n");
}

ktl::Result<void> AppendStat(Text* out, const ProcessSnapshot& p) {
  // Fields 1-13: pid (comm) state ppid pgrp session tty_nr tpgid flags
  // minflt cminflt majflt cmajflt.
  TRY(Appendf(out, "%d (%s) %c %d %d %d 0 -1 4194304 0 0 0 0 ", p.pid, p.name, p.state, p.ppid,
              p.pgrp, p.session));
  // 14-22: utime stime cutime cstime priority nice num_threads
  // itrealvalue starttime.
  TRY(Appendf(out, "0 0 0 0 20 0 %u 0 %u ", p.threads, p.start_ticks));
  // 23-25: vsize rss rsslim; 26-28: startcode endcode startstack; 29-30:
  // kstkesp kstkeip (0 unless ptraced).
  TRY(Appendf(out, "%u %u %u %u %u %u 0 0 ", p.vm_size, p.vm_rss / kPageSize, p.rss_limit,
              p.start_code, p.end_code, p.start_stack));
  // 31-34: signal blocked sigignore sigcatch (decimal, obsolete); 35-37:
  // wchan nswap cnswap; 38 exit_signal; 39 processor; 40 rt_priority;
  // 41 policy; 42 delayacct; 43-44 guest times.
  TRY(Appendf(out, "%u %u %u %u 0 0 0 17 0 0 0 0 0 0 ", p.pending & 0xffffffff,
              p.blocked & 0xffffffff, p.ignored & 0xffffffff, p.caught & 0xffffffff));
  // 45-52: start_data end_data start_brk arg_start arg_end env_start
  // env_end exit_code.
  return Appendf(out, "%u %u %u %u %u %u %u 0\n", p.start_data, p.end_data, p.start_brk,
                 p.arg_start, p.arg_end, p.env_start, p.env_end);
}

ktl::Result<void> AppendStatm(Text* out, const ProcessSnapshot& p) {
  // size resident shared text lib data dt
  return Appendf(out, "%u %u %u %u 0 %u 0\n", p.vm_size / kPageSize, p.vm_rss / kPageSize,
                 p.rss_file / kPageSize, p.vm_exe / kPageSize,
                 (p.vm_data + p.vm_stack) / kPageSize);
}

ktl::Result<void> AppendLimitsHeader(Text* out) {
  return Appendf(out, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
}

ktl::Result<void> AppendLimit(Text* out, const char* name, uint64_t cur, uint64_t max,
                              const char* units) {
  char soft[24], hard[24];
  if (cur == ~0ull) {
    ktl::StrCopy(soft, "unlimited", sizeof(soft));
  } else {
    ktl::FormatTo(soft, sizeof(soft), "%u", cur);
  }
  if (max == ~0ull) {
    ktl::StrCopy(hard, "unlimited", sizeof(hard));
  } else {
    ktl::FormatTo(hard, sizeof(hard), "%u", max);
  }
  return Appendf(out, "%-25s %-20s %-20s %-10s\n", name, soft, hard, units);
}

ktl::Result<void> AppendMountsLine(Text* out, const MountLine& mount) {
  TRY(AppendEscaped(out, mount.source));
  TRY(Append(out, " "));
  TRY(AppendEscaped(out, mount.mount_point));
  TRY(Appendf(out, " %s ", mount.fs_type));
  TRY(AppendMountOptions(out, mount));
  return Append(out, " 0 0\n");
}

ktl::Result<void> AppendMountInfoLine(Text* out, const MountLine& mount) {
  TRY(Appendf(out, "%u %u %u:%u ", mount.id, mount.parent_id, DeviceMajor(mount.device),
              DeviceMinor(mount.device)));
  TRY(AppendEscaped(out, mount.root));
  TRY(Append(out, " "));
  TRY(AppendEscaped(out, mount.mount_point));
  TRY(Append(out, " "));
  TRY(AppendMountOptions(out, mount));
  TRY(Appendf(out, " - %s ", mount.fs_type));
  TRY(AppendEscaped(out, mount.source));
  return Append(out, mount.read_only ? " ro\n" : " rw\n");
}

ktl::Result<void> AppendFdInfo(Text* out, int64_t position, uint32_t flags, uint32_t mount_id,
                               uint64_t inode) {
  return Appendf(out, "pos:\t%d\nflags:\t0%s\nmnt_id:\t%u\nino:\t%u\n", position,
                 ToOctal(flags, 0).text, mount_id, inode);
}

ktl::Result<void> AppendMeminfo(Text* out, const MemorySnapshot& m) {
  TRY(AppendMeminfoKb(out, "MemTotal:", m.total_bytes));
  TRY(AppendMeminfoKb(out, "MemFree:", m.free_bytes));
  TRY(AppendMeminfoKb(out, "MemAvailable:", m.free_bytes));
  TRY(AppendMeminfoKb(out, "Buffers:", 0));
  TRY(AppendMeminfoKb(out, "Cached:", m.shmem_bytes));
  TRY(AppendMeminfoKb(out, "SwapCached:", 0));
  uint64_t used = m.total_bytes - m.free_bytes;
  TRY(AppendMeminfoKb(out, "Active:", used));
  TRY(AppendMeminfoKb(out, "Inactive:", 0));
  TRY(AppendMeminfoKb(out, "SwapTotal:", 0));
  TRY(AppendMeminfoKb(out, "SwapFree:", 0));
  TRY(AppendMeminfoKb(out, "Dirty:", 0));
  TRY(AppendMeminfoKb(out, "Writeback:", 0));
  TRY(AppendMeminfoKb(out, "AnonPages:", used > m.shmem_bytes ? used - m.shmem_bytes : 0));
  TRY(AppendMeminfoKb(out, "Mapped:", 0));
  TRY(AppendMeminfoKb(out, "Shmem:", m.shmem_bytes));
  TRY(AppendMeminfoKb(out, "CommitLimit:", m.total_bytes));
  TRY(AppendMeminfoKb(out, "Committed_AS:", used));
  TRY(Append(out, "HugePages_Total:       0\nHugePages_Free:        0\n"));
  return AppendMeminfoKb(out, "Hugepagesize:", 2048 * 1024);
}

ktl::Result<void> AppendUptime(Text* out, uint64_t up_ns, uint64_t idle_ns) {
  constexpr uint64_t kNsPerCentisecond = 10000000;
  uint64_t up = up_ns / kNsPerCentisecond, idle = idle_ns / kNsPerCentisecond;
  return Appendf(out, "%u.%02u %u.%02u\n", up / 100, up % 100, idle / 100, idle % 100);
}

ktl::Result<void> AppendLoadavg(Text* out, uint32_t running, uint32_t total, int32_t last_pid) {
  return Appendf(out, "0.00 0.00 0.00 %u/%u %d\n", running, total, last_pid);
}

ktl::Result<void> AppendSystemStat(Text* out, uint32_t cpu_count, uint64_t up_ns,
                                   int64_t boot_time_seconds, uint32_t processes,
                                   uint32_t running) {
  uint64_t idle = up_ns / (1000000000 / kClockTicksPerSecond);
  // user nice system idle iowait irq softirq steal guest guest_nice
  TRY(Appendf(out, "cpu  0 0 0 %u 0 0 0 0 0 0\n", idle * cpu_count));
  for (uint32_t i = 0; i < cpu_count; ++i) {
    TRY(Appendf(out, "cpu%u 0 0 0 %u 0 0 0 0 0 0\n", i, idle));
  }
  return Appendf(out,
                 "intr 0\nctxt 0\nbtime %d\nprocesses %u\nprocs_running %u\n"
                 "procs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n",
                 boot_time_seconds, processes, running);
}

ktl::Result<void> AppendVersion(Text* out, const char* release, const char* version) {
  return Appendf(out, "Linux version %s (ringfence@ringfence) (gcc) %s\n", release, version);
}

ktl::Result<void> AppendFilesystems(Text* out) {
  return Append(out,
                "nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tdevtmpfs\n");
}

}  // namespace sentry::procfs
