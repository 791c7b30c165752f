// Pipes: the two ends pipe(2)/pipe2(2) return, as files over a shared
// PipeBuffer. Reads and writes block (interruptibly) unless O_NONBLOCK;
// writing with no reader left fails with EPIPE and raises SIGPIPE.
#ifndef RINGFENCE_KERNEL_IPC_PIPE_H_
#define RINGFENCE_KERNEL_IPC_PIPE_H_

#include <cstdint>
#include <utility>

#include "kernel/ipc/anon_file.h"
#include "kernel/ipc/pipe_buffer.h"
#include "kernel/ktl/result.h"
#include "kernel/vfs/ref_ptr.h"

namespace sentry::ipc {

// fcntl commands on pipes.
inline constexpr int kFcntlSetPipeSize = 1031;  // F_SETPIPE_SZ
inline constexpr int kFcntlGetPipeSize = 1032;  // F_GETPIPE_SZ

// The I/O of a pipe end, shared by anonymous pipes and FIFOs: blocking
// (interruptibly) unless `nonblocking`; a write without readers raises
// SIGPIPE and fails with EPIPE.
ktl::Result<size_t> ReadPipe(PipeBuffer& pipe, mm::AddressSpace& memory,
                             std::span<const fs::UserSegment> segments, bool nonblocking);
ktl::Result<size_t> WritePipe(PipeBuffer& pipe, mm::AddressSpace& memory,
                              std::span<const fs::UserSegment> segments, bool nonblocking);
// FIONREAD; ENOTTY for other requests.
ktl::Result<int64_t> PipeIoctl(PipeBuffer& pipe, mm::AddressSpace& memory, uint32_t request,
                               uint64_t argument);
// F_GETPIPE_SZ, F_SETPIPE_SZ.
ktl::Result<int64_t> PipeFcntl(PipeBuffer& pipe, int command, uint64_t argument);

// The file operations of a pipe end, over `Base`: AnonFile for pipe(2)'s
// ends, vfs::FileDescription for a FIFO opened by name.
template <typename Base>
class PipeFile : public Base {
 public:
  template <typename... BaseArgs>
  explicit PipeFile(vfs::RefPtr<PipeBuffer> pipe, BaseArgs&&... base_args)
      : Base(std::forward<BaseArgs>(base_args)...), pipe_(std::move(pipe)) {}

  ktl::Result<size_t> Read(mm::AddressSpace& memory, std::span<const fs::UserSegment> segments,
                           int64_t offset) override {
    if (!this->readable()) return ktl::Errno::kEBADF;
    return ReadPipe(*pipe_, memory, segments, nonblocking());
  }
  ktl::Result<size_t> Write(mm::AddressSpace& memory, std::span<const fs::UserSegment> segments,
                            int64_t offset) override {
    if (!this->writable()) return ktl::Errno::kEBADF;
    return WritePipe(*pipe_, memory, segments, nonblocking());
  }
  // FIONREAD: the bytes queued.
  ktl::Result<int64_t> Ioctl(mm::AddressSpace& memory, uint32_t request,
                             uint64_t argument) override {
    return PipeIoctl(*pipe_, memory, request, argument);
  }
  // F_GETPIPE_SZ, F_SETPIPE_SZ.
  ktl::Result<int64_t> Fcntl(int command, uint64_t argument) override {
    return PipeFcntl(*pipe_, command, argument);
  }
  uint32_t Readiness() override {
    return pipe_->Readiness(this->readable(), this->writable());
  }
  vfs::WaiterQueue* waiter_queue() override { return &pipe_->waiters(); }

 protected:
  bool nonblocking() const { return (this->flags() & linux_abi::kO_NONBLOCK) != 0; }

  vfs::RefPtr<PipeBuffer> pipe_;
};

// An end of an anonymous pipe.
class PipeEnd final : public PipeFile<AnonFile> {
 public:
  // `flags`: O_RDONLY or O_WRONLY, plus O_NONBLOCK.
  PipeEnd(vfs::RefPtr<PipeBuffer> pipe, uint32_t flags, const AnonIdentity& identity);
  ~PipeEnd() override;
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
