// prctl, getrusage, times: a process's name, its death signal and
// subreaper flag, and the CPU time it and its children used.
#include "kernel/abi/linux.h"
#include "kernel/ktl/string.h"
#include "kernel/syscalls/handlers.h"
#include "kernel/task/task.h"
#include "kernel/task/wait.h"
#include "kernel/time/clock.h"

namespace sentry::syscalls {
namespace {

using ktl::Errno;

constexpr int kPrSetPdeathsig = 1, kPrGetPdeathsig = 2, kPrSetName = 15, kPrGetName = 16,
              kPrSetChildSubreaper = 36, kPrGetChildSubreaper = 37;
constexpr size_t kCommBytes = 16;  // TASK_COMM_LEN

constexpr int kRusageSelf = 0, kRusageChildren = -1, kRusageThread = 1;

int64_t ToClockTicks(int64_t ns) {
  return ns / (1'000'000'000 / linux_abi::kClockTicksPerSecond);
}

int64_t UsageNs(const linux_abi::Rusage& usage) {
  return usage.utime.tv_sec * 1'000'000'000 + usage.utime.tv_usec * 1000 +
         usage.stime.tv_sec * 1'000'000'000 + usage.stime.tv_usec * 1000;
}

}  // namespace

ktl::Result<int64_t> sys_prctl(int option, uint64_t arg2, uint64_t, uint64_t, uint64_t) {
  Process& self = CurrentTask().process();
  switch (option) {
    case kPrSetPdeathsig:
      if (arg2 > static_cast<uint64_t>(linux_abi::kNumSignals)) return Errno::kEINVAL;
      self.pdeath_signal = static_cast<int>(arg2);
      return 0;
    case kPrGetPdeathsig:
      TRY(UserPointer<int32_t>(arg2).Write(self.pdeath_signal));
      return 0;
    case kPrSetName: {
      // Linux copies at most 15 bytes and keeps a longer name's prefix.
      char name[kCommBytes] = {};
      for (size_t i = 0; i + 1 < kCommBytes; ++i) {
        char c = TRY(UserPointer<char>(arg2 + i).Read());
        if (c == '\0') break;
        name[i] = c;
      }
      self.SetComm(name);
      return 0;
    }
    case kPrGetName: {
      char name[kCommBytes] = {};
      ktl::StrCopy(name, self.comm(), sizeof(name));
      TRY(CurrentTask().address_space().CopyOut(arg2, name, sizeof(name)));
      return 0;
    }
    case kPrSetChildSubreaper:
      self.child_subreaper = arg2 != 0;
      return 0;
    case kPrGetChildSubreaper:
      TRY(UserPointer<int32_t>(arg2).Write(self.child_subreaper ? 1 : 0));
      return 0;
    default:
      return Errno::kEINVAL;
  }
}

ktl::Result<int64_t> sys_getrusage(int who, UserAddress usage) {
  linux_abi::Rusage result = {};
  Task& task = CurrentTask();
  switch (who) {
    case kRusageSelf:
      result = UsageOf(task.process());
      break;
    case kRusageChildren:
      result = ChildrenUsageOf(task.process());
      break;
    case kRusageThread: {
      int64_t ns = task.user_ns + (time::MonotonicNs() - task.scheduled_at_ns);
      result.utime = {ns / 1'000'000'000, (ns % 1'000'000'000) / 1000};
      break;
    }
    default:
      return Errno::kEINVAL;
  }
  TRY(UserPointer<linux_abi::Rusage>(usage.value).Write(result));
  return 0;
}

ktl::Result<int64_t> sys_times(UserAddress buffer) {
  if (!buffer.null()) {
    Process& self = CurrentTask().process();
    linux_abi::Tms times = {};
    times.utime = ToClockTicks(UsageNs(UsageOf(self)));
    times.cutime = ToClockTicks(UsageNs(ChildrenUsageOf(self)));
    TRY(UserPointer<linux_abi::Tms>(buffer.value).Write(times));
  }
  // Clock ticks since an arbitrary point: boot.
  return ToClockTicks(time::SinceBootNs());
}

}  // namespace sentry::syscalls
