// Threads (clone, clone3), futexes, and the scheduling calls (affinity,
// getcpu, rseq). The work happens in kernel/task/thread_life.cc and
// kernel/sched/; these decode arguments the way Linux does.
#include "kernel/abi/linux.h"
#include "kernel/sched/futex.h"
#include "kernel/sched/scheduler.h"
#include "kernel/syscalls/handlers.h"
#include "kernel/task/thread_life.h"
#include "kernel/time/clock.h"
#include "kernel/time/timespec.h"

namespace sentry::syscalls {
namespace {

using ktl::Errno;

// futex(2) operations and flags (linux/futex.h).
constexpr int kFutexWait = 0, kFutexWake = 1, kFutexRequeue = 3, kFutexCmpRequeue = 4,
              kFutexWakeOp = 5, kFutexWaitBitset = 9, kFutexWakeBitset = 10;
constexpr int kFutexPrivateFlag = 128;
constexpr int kFutexClockRealtime = 256;

// struct clone_args as of Linux 5.7 (CLONE_ARGS_SIZE_VER2).
struct CloneArgs {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
  uint64_t set_tid, set_tid_size, cgroup;
};
constexpr uint64_t kCloneArgsSizeVer0 = 64;
constexpr uint64_t kCloneSignalMask = 0xff;
constexpr uint64_t kMaxPidNamespaceLevel = 32;

// The wait deadline on the monotonic clock for a futex timeout (0: none;
// a deadline already past is 1, still "expired").
ktl::Result<int64_t> FutexDeadline(int command, bool realtime, uint64_t timeout) {
  if (timeout == 0) return 0;
  auto ts = TRY(UserPointer<linux_abi::Timespec>(timeout).Read());
  int64_t ns = TRY(time::TimespecToNs(ts));
  int64_t now = time::MonotonicNs();
  int64_t deadline = ns;                                        // absolute monotonic
  if (command == kFutexWait) deadline = time::DeadlineAfter(now, ns);  // relative
  if (realtime) deadline = time::DeadlineAfter(now, ns - time::RealtimeNs());
  return deadline > 0 ? deadline : 1;
}

// cpumask_size(): one 64-bit word while the sandbox has at most 64 vCPUs.
constexpr uint64_t kCpuMaskBytes = 8;

uint64_t OnlineCpus() { return (sched::CpuCount() >= 64) ? ~0ull : (1ull << sched::CpuCount()) - 1; }

ktl::Result<Task*> AffinityTarget(int pid) {
  if (pid == 0) return &CurrentTask();
  Task* task = pid > 0 ? FindThread(pid) : nullptr;
  if (task == nullptr) return Errno::kESRCH;
  return task;
}

}  // namespace

ktl::Result<int64_t> sys_clone(uint64_t flags, uint64_t stack, UserAddress parent_tid,
                               UserAddress child_tid, uint64_t tls) {
  // The low byte is the exit signal; a thread has none (Linux ignores it).
  int exit_signal = (flags & kCloneThread) ? 0 : static_cast<int>(flags & kCloneSignalMask);
  CloneRequest request = {flags & ~kCloneSignalMask, stack, parent_tid.value, child_tid.value,
                          tls, exit_signal};
  return Clone(request, CurrentTask().frame());
}

ktl::Result<int64_t> sys_clone3(UserAddress args_address, uint64_t size) {
  if (size < kCloneArgsSizeVer0) return Errno::kEINVAL;
  if (size > mm::kPageSize) return Errno::kE2BIG;
  CloneArgs args = {};
  uint64_t known = size < sizeof(args) ? size : sizeof(args);
  TRY(CurrentTask().address_space().CopyIn(args_address.value, &args, known));
  // A newer struct is fine as long as what we do not know is zero.
  for (uint64_t offset = sizeof(args); offset < size; offset += sizeof(uint64_t)) {
    uint8_t tail[sizeof(uint64_t)] = {};
    uint64_t chunk = size - offset < sizeof(tail) ? size - offset : sizeof(tail);
    TRY(CurrentTask().address_space().CopyIn(args_address.value + offset, tail, chunk));
    for (uint64_t i = 0; i < chunk; ++i) {
      if (tail[i] != 0) return Errno::kE2BIG;
    }
  }
  if (args.exit_signal & ~kCloneSignalMask) return Errno::kEINVAL;
  if ((args.flags & (kCloneThread | kCloneParent)) && args.exit_signal != 0) {
    return Errno::kEINVAL;
  }
  if (args.set_tid_size > kMaxPidNamespaceLevel || (args.set_tid == 0) != (args.set_tid_size == 0)) {
    return Errno::kEINVAL;
  }
  // clone3_stack_valid: both or neither, and the range in user space.
  if ((args.stack == 0) != (args.stack_size == 0)) return Errno::kEINVAL;
  uint64_t stack_end = 0;
  if (__builtin_add_overflow(args.stack, args.stack_size, &stack_end) ||
      stack_end > mm::VmaSet::kDefaultMaxAddress) {
    return Errno::kEINVAL;
  }
  if (args.set_tid_size != 0) return Errno::kENOSYS;  // choosing tids: not supported
  // clone3 takes the exit signal separately; in flags it would be a bug.
  if (args.flags & kCloneSignalMask) return Errno::kEINVAL;
  CloneRequest request = {args.flags, args.stack == 0 ? 0 : stack_end,
                          args.parent_tid, args.child_tid, args.tls,
                          static_cast<int>(args.exit_signal)};
  return Clone(request, CurrentTask().frame());
}

ktl::Result<int64_t> sys_futex(UserAddress address, int op, uint32_t value,
                               uint64_t timeout_or_value2, UserAddress address2,
                               uint32_t value3) {
  int command = op & ~(kFutexPrivateFlag | kFutexClockRealtime);
  bool realtime = (op & kFutexClockRealtime) != 0;
  sched::FutexScope scope =
      (op & kFutexPrivateFlag) ? sched::FutexScope::kPrivate : sched::FutexScope::kShared;
  if (realtime && command != kFutexWaitBitset) return Errno::kENOSYS;
  // For the requeue and wake-op commands the fourth argument is a count.
  int value2 = static_cast<int>(static_cast<uint32_t>(timeout_or_value2));
  switch (command) {
    case kFutexWait:
      value3 = sched::kFutexBitsetMatchAny;
      [[fallthrough]];
    case kFutexWaitBitset: {
      int64_t deadline = TRY(FutexDeadline(command, realtime, timeout_or_value2));
      return sched::FutexWait(address.value, scope, value, value3, deadline);
    }
    case kFutexWake:
      value3 = sched::kFutexBitsetMatchAny;
      [[fallthrough]];
    case kFutexWakeBitset:
      return sched::FutexWake(address.value, scope, static_cast<int>(value), value3);
    case kFutexRequeue:
      return sched::FutexRequeue(address.value, address2.value, scope, static_cast<int>(value),
                                 value2, nullptr);
    case kFutexCmpRequeue:
      return sched::FutexRequeue(address.value, address2.value, scope, static_cast<int>(value),
                                 value2, &value3);
    case kFutexWakeOp:
      return sched::FutexWakeOp(address.value, address2.value, scope, static_cast<int>(value),
                                value2, value3);
    default:
      return Errno::kENOSYS;  // PI futexes and FUTEX_WAIT_REQUEUE_PI: not yet
  }
}

ktl::Result<int64_t> sys_sched_getaffinity(int pid, uint64_t length, UserAddress mask) {
  if (length * 8 < sched::CpuCount() || (length & (sizeof(uint64_t) - 1)) != 0) {
    return Errno::kEINVAL;
  }
  Task* task = TRY(AffinityTarget(pid));
  uint64_t bits = task->cpu_affinity & OnlineCpus();
  uint64_t copied = length < kCpuMaskBytes ? length : kCpuMaskBytes;
  TRY(CurrentTask().address_space().CopyOut(mask.value, &bits, copied));
  return static_cast<int64_t>(copied);
}

ktl::Result<int64_t> sys_sched_setaffinity(int pid, uint64_t length, UserAddress mask) {
  Task* task = TRY(AffinityTarget(pid));
  uint64_t bits = 0;
  uint64_t copied = length < kCpuMaskBytes ? length : kCpuMaskBytes;
  TRY(CurrentTask().address_space().CopyIn(mask.value, &bits, copied));
  if ((bits & OnlineCpus()) == 0) return Errno::kEINVAL;
  task->cpu_affinity = bits;
  sched::AffinityChanged(task->thread());
  return 0;
}

ktl::Result<int64_t> sys_getcpu(UserAddress cpu, UserAddress node, UserAddress /*cache*/) {
  if (!cpu.null()) TRY(UserPointer<uint32_t>(cpu.value).Write(sched::CurrentCpu()));
  if (!node.null()) TRY(UserPointer<uint32_t>(node.value).Write(0));
  return 0;
}

// Restartable sequences are not offered, as in gVisor: ENOSYS, for every
// request (unregistering included, as nothing can be registered). glibc
// 2.35+ tries to register an area in every new thread and, told ENOSYS,
// runs without one. An explicit entry rather than the unknown-syscall path
// so that it is not logged.
ktl::Result<int64_t> sys_rseq(UserAddress /*area*/, uint32_t /*length*/, int /*flags*/,
                              uint32_t /*signature*/) {
  return Errno::kENOSYS;
}

}  // namespace sentry::syscalls
