// PipeBuffer: the data and state two ends of a pipe share (Linux's
// pipe_inode_info), without blocking: each operation either completes,
// returns a short count, or says EAGAIN and leaves waiting to the caller
// (kernel/ipc/pipe.h blocks on waiters()).
//
// Semantics (pipe(7)): reads return what is queued (0 at EOF once no
// writer is left); a write of at most kPipeBuf bytes is atomic (all of it or
// EAGAIN); a larger one takes what fits; with no reader left writes fail
// with EPIPE (the caller raises SIGPIPE). The capacity is kDefaultPipeSize
// and F_SETPIPE_SZ changes it in powers of two of pages.
//
// Locking: the Sentry lock (see kernel/vfs/poll.h); copies to user memory
// may fault pages in but never block on another thread.
#ifndef RINGFENCE_KERNEL_IPC_PIPE_BUFFER_H_
#define RINGFENCE_KERNEL_IPC_PIPE_BUFFER_H_

#include <cstddef>
#include <cstdint>

#include "kernel/ktl/result.h"
#include "kernel/ktl/vector.h"
#include "kernel/vfs/io_buffer.h"
#include "kernel/vfs/poll.h"

namespace sentry::ipc {

inline constexpr size_t kPipeBuf = 4096;             // PIPE_BUF: atomic write size
inline constexpr size_t kDefaultPipeSize = 65536;    // 16 pages, as Linux
inline constexpr size_t kMaxPipeSize = 1048576;      // /proc/sys/fs/pipe-max-size
inline constexpr size_t kPipePageSize = 4096;

class PipeBuffer {
 public:
  PipeBuffer() = default;
  PipeBuffer(const PipeBuffer&) = delete;
  PipeBuffer& operator=(const PipeBuffer&) = delete;

  void Ref() { ++references_; }
  void Unref() {
    if (--references_ == 0) delete this;
  }

  // Bytes queued, and how many fit in all.
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }

  // Moves up to dst.size() queued bytes into `dst`. EAGAIN when nothing is
  // queued but a writer may still add some; 0 when none is left (EOF).
  // EFAULT if the first byte cannot be stored.
  ktl::Result<size_t> Read(vfs::IoBuffer& dst);
  // Queues the bytes of `src` from byte `from` on: a write of at most
  // kPipeBuf bytes in all (src.size()) whole or not at all, a larger one as
  // many as fit. EAGAIN if nothing could be queued, EPIPE with no reader,
  // EFAULT if the first byte cannot be loaded.
  ktl::Result<size_t> Write(vfs::IoBuffer& src, size_t from);

  // F_SETPIPE_SZ: `requested` bytes rounded up to a power-of-two number of
  // pages (at least one). EINVAL for sizes that cannot be rounded, EPERM
  // above kMaxPipeSize, EBUSY below what is queued. Returns the new size.
  ktl::Result<size_t> SetCapacity(uint64_t requested);

  // The ends: an end opened adds a reader and/or a writer (and tells the
  // waiters: a FIFO open waits for its peer); closing one drops it and
  // tells the waiters (EOF, EPIPE).
  void AddEnd(bool reader, bool writer);
  void RemoveEnd(bool reader, bool writer);
  uint32_t readers() const { return readers_; }
  uint32_t writers() const { return writers_; }
  // How many reader / writer ends were ever added: a FIFO's open waits
  // for a peer to have come, even if it already left (Linux's r_counter
  // and w_counter).
  uint64_t reader_opens() const { return reader_opens_; }
  uint64_t writer_opens() const { return writer_opens_; }

  // poll(2) events for an end that reads and/or writes.
  uint32_t Readiness(bool reader, bool writer) const;
  // Both ends' waiters: blocked readers and writers, poll, epoll.
  vfs::WaiterQueue& waiters() { return waiters_; }

 private:
  size_t free_space() const { return capacity_ - size_; }
  // Copies between the ring and a buffer in pieces of at most a page, so a
  // fault part way leaves an exact count. Returns bytes moved.
  ktl::Result<size_t> CopyOut(vfs::IoBuffer& dst, size_t count);
  ktl::Result<size_t> CopyIn(vfs::IoBuffer& src, size_t at, size_t count);

  uint32_t references_ = 1;
  ktl::Vector<uint8_t> ring_;  // capacity_ bytes once something was written
  size_t capacity_ = kDefaultPipeSize;
  size_t head_ = 0;  // index of the oldest byte in ring_
  size_t size_ = 0;
  uint32_t readers_ = 0, writers_ = 0;
  uint64_t reader_opens_ = 0, writer_opens_ = 0;
  vfs::WaiterQueue waiters_;
};

}  // namespace sentry::ipc

#endif  // RINGFENCE_KERNEL_IPC_PIPE_BUFFER_H_
