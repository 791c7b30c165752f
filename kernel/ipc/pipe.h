// Pipes: the two ends pipe(2)/pipe2(2) return, as files over a shared
// PipeBuffer. Reads and writes block (interruptibly) unless O_NONBLOCK;
// writing with no reader left fails with EPIPE and raises SIGPIPE.
#ifndef RINGFENCE_KERNEL_IPC_PIPE_H_
#define RINGFENCE_KERNEL_IPC_PIPE_H_

#include <cstdint>

#include "kernel/ipc/anon_file.h"
#include "kernel/ipc/pipe_buffer.h"
#include "kernel/ktl/result.h"
#include "kernel/vfs/ref_ptr.h"

namespace sentry::ipc {

// fcntl commands on pipes.
inline constexpr int kFcntlSetPipeSize = 1031;  // F_SETPIPE_SZ
inline constexpr int kFcntlGetPipeSize = 1032;  // F_GETPIPE_SZ

class PipeEnd final : public AnonFile {
 public:
  // `flags`: O_RDONLY or O_WRONLY (or O_RDWR for a fifo), plus O_NONBLOCK.
  PipeEnd(vfs::RefPtr<PipeBuffer> pipe, uint32_t flags, const AnonIdentity& identity);
  ~PipeEnd() override;

  ktl::Result<size_t> Read(mm::AddressSpace& memory, std::span<const fs::UserSegment> segments,
                           int64_t offset) override;
  ktl::Result<size_t> Write(mm::AddressSpace& memory, std::span<const fs::UserSegment> segments,
                            int64_t offset) override;
  // FIONREAD: the bytes queued.
  ktl::Result<int64_t> Ioctl(mm::AddressSpace& memory, uint32_t request,
                             uint64_t argument) override;
  // F_GETPIPE_SZ, F_SETPIPE_SZ.
  ktl::Result<int64_t> Fcntl(int command, uint64_t argument) override;
  uint32_t Readiness() override;
  vfs::WaiterQueue* waiter_queue() override { return &pipe_->waiters(); }

 private:
  bool nonblocking() const { return (flags() & linux_abi::kO_NONBLOCK) != 0; }

  vfs::RefPtr<PipeBuffer> pipe_;
};

// pipe2(2): a new pipe's read and write ends (each with one reference,
// adopted by the caller). `flags`: O_NONBLOCK (O_CLOEXEC is the caller's).
struct PipeEnds {
  vfs::RefPtr<PipeEnd> read_end;
  vfs::RefPtr<PipeEnd> write_end;
};
ktl::Result<PipeEnds> CreatePipe(uint32_t flags);

// An identity for a new anonymous file of the current task.
AnonIdentity NewAnonIdentity();

}  // namespace sentry::ipc

#endif  // RINGFENCE_KERNEL_IPC_PIPE_H_
