#include "kernel/ipc/pipe.h"

#include "kernel/ipc/wait.h"
#include "kernel/signal/send.h"
#include "kernel/task/task.h"
#include "kernel/time/clock.h"
#include "kernel/vfs/io_buffer.h"

namespace sentry::ipc {
namespace {

constexpr uint32_t kFionread = 0x541b;
constexpr uint32_t kPipeMode = 0010000 | 0600;  // S_IFIFO, rw for the owner

// SIGPIPE for a write to a pipe without readers (Linux's send_sig to the
// writing thread).
// send_sig(SIGPIPE, current, 0): si_code SI_USER, from the writer itself.
void RaiseSigpipe() {
  Task& task = CurrentTask();
  linux_abi::SigInfo info = {};
  info.signo = linux_abi::kSigPipe;
  info.code = linux_abi::kSiUser;
  info.sender.pid = task.process().pid();
  info.sender.uid = task.credentials().uid;
  signal::SendToTask(task, info);
}

}  // namespace

AnonIdentity NewAnonIdentity() {
  static uint64_t next_ino = 1;
  const Credentials& creds = CurrentTask().credentials();
  int64_t now = time::RealtimeNs();
  AnonIdentity identity;
  identity.ino = next_ino++;
  identity.uid = creds.euid;
  identity.gid = creds.egid;
  identity.time = {now / time::kNsPerSecond, now % time::kNsPerSecond};
  return identity;
}

PipeEnd::PipeEnd(vfs::RefPtr<PipeBuffer> pipe, uint32_t flags, const AnonIdentity& identity)
    : PipeFile(std::move(pipe), flags, kPipeMode, identity, nullptr) {
  pipe_->AddEnd(readable(), writable());
}

PipeEnd::~PipeEnd() { pipe_->RemoveEnd(readable(), writable()); }

ktl::Result<size_t> ReadPipe(PipeBuffer& pipe, mm::AddressSpace& memory,
                             std::span<const fs::UserSegment> segments, bool nonblocking) {
  vfs::UserIoBuffer buffer(memory, segments);
  TRY(buffer.FaultInFilePages(/*to_user=*/true));
  for (;;) {
    auto done = pipe.Read(buffer);
    if (done.ok() || done.error() != ktl::Errno::kEAGAIN || nonblocking) return done;
    if (WaitOn(pipe.waiters(), vfs::kPollIn | vfs::kPollHup, 0) ==
        sched::WakeReason::kInterrupted) {
      return InterruptedErrno();
    }
  }
}

ktl::Result<size_t> WritePipe(PipeBuffer& pipe, mm::AddressSpace& memory,
                              std::span<const fs::UserSegment> segments, bool nonblocking) {
  vfs::UserIoBuffer buffer(memory, segments);
  TRY(buffer.FaultInFilePages(/*to_user=*/false));
  size_t done = 0;
  for (;;) {
    auto written = pipe.Write(buffer, done);
    if (written.ok()) {
      done += written.value();
      if (done == buffer.size()) return done;
      continue;  // the rest: room may be left, else EAGAIN next time
    }
    ktl::Errno error = written.error();
    if (error == ktl::Errno::kEPIPE) RaiseSigpipe();
    if (error != ktl::Errno::kEAGAIN || nonblocking) {
      if (done > 0) return done;
      return error;
    }
    if (WaitOn(pipe.waiters(), vfs::kPollOut | vfs::kPollErr, 0) ==
        sched::WakeReason::kInterrupted) {
      if (done > 0) return done;
      return InterruptedErrno();
    }
  }
}

ktl::Result<int64_t> PipeIoctl(PipeBuffer& pipe, mm::AddressSpace& memory, uint32_t request,
                               uint64_t argument) {
  if (request != kFionread) return ktl::Errno::kENOTTY;
  int queued = static_cast<int>(pipe.size());
  TRY(memory.CopyOut(argument, &queued, sizeof(queued)));
  return 0;
}

ktl::Result<int64_t> PipeFcntl(PipeBuffer& pipe, int command, uint64_t argument) {
  switch (command) {
    case kFcntlGetPipeSize:
      return static_cast<int64_t>(pipe.capacity());
    case kFcntlSetPipeSize:
      // The argument is an unsigned int in Linux.
      return static_cast<int64_t>(TRY(pipe.SetCapacity(static_cast<uint32_t>(argument))));
    default:
      return ktl::Errno::kEINVAL;
  }
}

ktl::Result<PipeEnds> CreatePipe(uint32_t flags) {
  auto pipe = vfs::RefPtr<PipeBuffer>::Adopt(new (std::nothrow) PipeBuffer());
  if (!pipe) return ktl::Errno::kENOMEM;
  AnonIdentity identity = NewAnonIdentity();
  uint32_t status = flags & linux_abi::kO_NONBLOCK;
  PipeEnds ends;
  ends.read_end = vfs::MakeRef<PipeEnd>(pipe, linux_abi::kO_RDONLY | status, identity);
  ends.write_end = vfs::MakeRef<PipeEnd>(pipe, linux_abi::kO_WRONLY | status, identity);
  if (!ends.read_end || !ends.write_end) return ktl::Errno::kENOMEM;
  return ends;
}

}  // namespace sentry::ipc
