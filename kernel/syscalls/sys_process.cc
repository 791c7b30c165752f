// Process identity, exit, TLS, resource limits, uname, sysinfo, sched_yield.
#include "kernel/abi/linux.h"
#include "kernel/ktl/string.h"
#include "kernel/mm/physical_memory.h"
#include "kernel/syscalls/handlers.h"
#include "kernel/sched/scheduler.h"
#include "kernel/task/exit.h"
#include "kernel/task/process_registry.h"
#include "kernel/task/thread_life.h"
#include "kernel/task/system_info.h"
#include "kernel/time/clock.h"
#include "platform_kvm/guest/cpu.h"

namespace sentry::syscalls {
namespace {

using ktl::Errno;

constexpr int kArchSetGs = 0x1001;
constexpr int kArchSetFs = 0x1002;
constexpr int kArchGetFs = 0x1003;
constexpr int kArchGetGs = 0x1004;
constexpr uint64_t kRobustListHeadSize = 24;

Process& Self() { return CurrentTask().process(); }

bool IsCanonicalUser(uint64_t address) { return address < mm::VmaSet::kDefaultMaxAddress; }

// Whether the caller may read or change `target`'s limits (prlimit64):
// the same user in every uid and gid, or root (CAP_SYS_RESOURCE).
bool MayAccessLimits(Process& target) {
  const Credentials& self = CurrentTask().credentials();
  const Credentials& other = target.credentials();
  if (self.euid == 0) return true;
  return self.uid == other.uid && self.uid == other.euid && self.uid == other.suid &&
         self.gid == other.gid && self.gid == other.egid && self.gid == other.sgid;
}

ktl::Result<int64_t> DoPrlimit(Process& target, int resource, UserAddress new_limit,
                               UserAddress old_limit) {
  if (resource < 0 || resource >= linux_abi::kRlimitCount) return Errno::kEINVAL;
  linux_abi::Rlimit& current = target.rlimit(resource);
  linux_abi::Rlimit replacement = {};
  if (!new_limit.null()) {
    replacement = TRY(UserPointer<linux_abi::Rlimit>(new_limit.value).Read());
    if (replacement.cur > replacement.max) return Errno::kEINVAL;
    // Raising the hard limit needs CAP_SYS_RESOURCE: only root has it here.
    if (replacement.max > current.max && CurrentTask().credentials().euid != 0) return Errno::kEPERM;
    if (resource == linux_abi::kRlimitNofile && replacement.max > 1048576) return Errno::kEPERM;
  }
  if (!old_limit.null()) TRY(UserPointer<linux_abi::Rlimit>(old_limit.value).Write(current));
  if (!new_limit.null()) {
    current = replacement;
    if (resource == linux_abi::kRlimitStack) {
      target.address_space().set_stack_limit(replacement.cur);
    } else if (resource == linux_abi::kRlimitData) {
      target.address_space().set_data_limit(replacement.cur);
    } else if (resource == linux_abi::kRlimitAs) {
      target.address_space().set_address_limit(replacement.cur);
    }
  }
  return 0;
}

}  // namespace

ktl::Result<int64_t> sys_getpid() { return Self().pid(); }
ktl::Result<int64_t> sys_gettid() { return CurrentTask().tid(); }
ktl::Result<int64_t> sys_getppid() { return Self().parent_pid(); }
ktl::Result<int64_t> sys_getuid() { return CurrentTask().credentials().uid; }
ktl::Result<int64_t> sys_geteuid() { return CurrentTask().credentials().euid; }
ktl::Result<int64_t> sys_getgid() { return CurrentTask().credentials().gid; }
ktl::Result<int64_t> sys_getegid() { return CurrentTask().credentials().egid; }

ktl::Result<int64_t> sys_exit(int status) { ExitThread(status); }

ktl::Result<int64_t> sys_exit_group(int status) { ExitProcess(status); }

ktl::Result<int64_t> sys_sched_yield() {
  sched::Yield();
  return 0;
}

ktl::Result<int64_t> sys_set_tid_address(uint64_t address) {
  CurrentTask().clear_child_tid = address;
  return CurrentTask().tid();
}

ktl::Result<int64_t> sys_set_robust_list(uint64_t head, uint64_t length) {
  if (length != kRobustListHeadSize) return Errno::kEINVAL;
  CurrentTask().robust_list_head = head;
  CurrentTask().robust_list_length = length;
  return 0;
}

ktl::Result<int64_t> sys_arch_prctl(int code, uint64_t address) {
  switch (code) {
    case kArchSetFs:
    case kArchSetGs:
      if (!IsCanonicalUser(address)) return Errno::kEPERM;
      // While in the Sentry the user's %gs base sits in KERNEL_GS_BASE
      // (SWAPGS swapped it), so that is the MSR to write for ARCH_SET_GS.
      platform::WriteMsr(code == kArchSetFs ? platform::kMsrFsBase : platform::kMsrKernelGsBase,
                         address);
      return 0;
    case kArchGetFs:
    case kArchGetGs: {
      uint64_t base = platform::ReadMsr(code == kArchGetFs ? platform::kMsrFsBase
                                                           : platform::kMsrKernelGsBase);
      TRY(UserPointer<uint64_t>(address).Write(base));
      return 0;
    }
    default:
      return Errno::kEINVAL;
  }
}

ktl::Result<int64_t> sys_uname(UserAddress name) {
  linux_abi::Utsname info = {};
  ktl::StrCopy(info.sysname, "Linux", sizeof(info.sysname));
  ktl::StrCopy(info.nodename, Hostname(), sizeof(info.nodename));
  ktl::StrCopy(info.release, kKernelRelease, sizeof(info.release));
  ktl::StrCopy(info.version, kKernelVersion, sizeof(info.version));
  ktl::StrCopy(info.machine, "x86_64", sizeof(info.machine));
  ktl::StrCopy(info.domainname, "(none)", sizeof(info.domainname));
  TRY(UserPointer<linux_abi::Utsname>(name.value).Write(info));
  return 0;
}

ktl::Result<int64_t> sys_sysinfo(UserAddress info) {
  linux_abi::Sysinfo out = {};
  const int64_t up_ns = time::MonotonicNs();  // boottime: see /proc/uptime
  // Linux rounds a partial second up.
  out.uptime = (up_ns + time::kNsPerSecond - 1) / time::kNsPerSecond;
  out.totalram = mm::MemoryBytes();
  out.freeram = mm::PhysicalPages().free_pages() * mm::kPageSize;
  out.procs = static_cast<uint16_t>(ProcessCount() < 0xffff ? ProcessCount() : 0xffff);
  out.mem_unit = 1;
  TRY(UserPointer<linux_abi::Sysinfo>(info.value).Write(out));
  return 0;
}

ktl::Result<int64_t> sys_getrlimit(int resource, UserAddress limit) {
  if (resource < 0 || resource >= linux_abi::kRlimitCount) return Errno::kEINVAL;
  TRY(UserPointer<linux_abi::Rlimit>(limit.value).Write(Self().rlimit(resource)));
  return 0;
}

ktl::Result<int64_t> sys_setrlimit(int resource, UserAddress limit) {
  if (limit.null()) return Errno::kEFAULT;
  return DoPrlimit(Self(), resource, limit, UserAddress{0});
}

ktl::Result<int64_t> sys_prlimit64(int pid, int resource, UserAddress new_limit,
                                   UserAddress old_limit) {
  Process* target = pid == 0 ? &Self() : pid > 0 ? FindProcess(pid) : nullptr;
  if (target == nullptr || target->zombie) return Errno::kESRCH;
  if (!MayAccessLimits(*target)) return Errno::kEPERM;
  return DoPrlimit(*target, resource, new_limit, old_limit);
}

}  // namespace sentry::syscalls
