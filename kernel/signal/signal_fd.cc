#include "kernel/signal/signal_fd.h"

#include "kernel/ktl/string.h"
#include "kernel/sched/scheduler.h"
#include "kernel/signal/send.h"
#include "kernel/signal/signal_set.h"
#include "kernel/task/task.h"
#include "kernel/vfs/io_buffer.h"

namespace sentry::signal {
namespace {

// Every open signalfd: how From() recognises one without RTTI.
ktl::IntrusiveList<SignalFd, &SignalFd::live_node>& LiveSignalFds() {
  static ktl::IntrusiveList<SignalFd, &SignalFd::live_node> files;
  return files;
}

constexpr uint32_t kAnonInodeMode = 0600;  // what anon_inode files report

}  // namespace

SignalfdSiginfo ToSignalfdSiginfo(const linux_abi::SigInfo& info) {
  SignalfdSiginfo out;
  ktl::MemSet(&out, 0, sizeof(out));
  out.signo = static_cast<uint32_t>(info.signo);
  out.error = info.error;
  out.code = info.code;
  bool from_kernel = info.code > 0;
  if (info.code == linux_abi::kSiTimer) {
    out.tid = static_cast<uint32_t>(info.timer.timer_id);
    out.overrun = static_cast<uint32_t>(info.timer.overrun);
    out.ptr = info.timer.value;
    out.int_value = static_cast<int32_t>(info.timer.value);
  } else if (from_kernel && info.signo == linux_abi::kSigChld) {
    out.pid = static_cast<uint32_t>(info.child.pid);
    out.uid = info.child.uid;
    out.status = info.child.status;
    out.utime = static_cast<uint64_t>(info.child.utime);
    out.stime = static_cast<uint64_t>(info.child.stime);
  } else if (from_kernel && (Bit(info.signo) & kSynchronousSignals)) {
    out.addr = info.fault.address;
  } else {
    out.pid = static_cast<uint32_t>(info.sender.pid);
    out.uid = info.sender.uid;
    out.ptr = info.sender.value;
    out.int_value = static_cast<int32_t>(info.sender.value);
  }
  return out;
}

SignalFd::SignalFd(uint32_t flags, uint64_t mask) : fs::File(flags), mask_(mask) {
  LiveSignalFds().PushBack(this);
}

SignalFd::~SignalFd() { LiveSignalFds().Remove(this); }

SignalFd* SignalFd::From(fs::File& file) {
  for (SignalFd& candidate : LiveSignalFds()) {
    if (&candidate == &file) return &candidate;
  }
  return nullptr;
}

ktl::Result<size_t> SignalFd::Read(mm::AddressSpace& memory,
                                   std::span<const fs::UserSegment> segments, int64_t offset) {
  (void)offset;
  vfs::UserIoBuffer buffer(memory, segments);
  if (buffer.size() < sizeof(SignalfdSiginfo)) return ktl::Errno::kEINVAL;
  Task& task = CurrentTask();
  size_t done = 0;
  linux_abi::SigInfo info;
  while (done + sizeof(SignalfdSiginfo) <= buffer.size()) {
    if (!DequeueSignal(task, mask_, &info)) {
      if (done != 0) break;
      if (flags() & linux_abi::kO_NONBLOCK) return ktl::Errno::kEAGAIN;
      // Woken by every signal sent to the process (send.cc), or interrupted
      // by one it does not block.
      task.process().signals().signalfd_waiters.Add(task.thread());
      if (sched::Block(0) == sched::WakeReason::kInterrupted) return ktl::Errno::kERESTARTSYS;
      continue;
    }
    SignalfdSiginfo record = ToSignalfdSiginfo(info);
    TRY(buffer.CopyOut(done, &record, sizeof(record)));
    done += sizeof(record);
  }
  return done;
}

ktl::Result<void> SignalFd::Stat(linux_abi::Stat* out) {
  ktl::MemSet(out, 0, sizeof(*out));
  out->mode = kAnonInodeMode;
  out->nlink = 1;
  out->blksize = 4096;
  return ktl::Ok();
}

}  // namespace sentry::signal
