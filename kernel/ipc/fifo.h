// Named pipes (fifo(7)): a FIFO inode of any file system (tmpfs, the
// overlay, a Gofer volume) opens as an end of a pipe that every open of the
// inode shares while any end is open. Sentry only: it registers itself with
// vfs::Inode::Open (see vfs::SetFifoOpener).
//
// Open rules (Linux's fifo_open): O_RDWR never waits; O_RDONLY waits for a
// writer unless O_NONBLOCK; O_WRONLY waits for a reader, or with
// O_NONBLOCK fails with ENXIO when there is none. The waits happen in
// FinishOpen, after the VFS has let go of its locks.
#ifndef RINGFENCE_KERNEL_IPC_FIFO_H_
#define RINGFENCE_KERNEL_IPC_FIFO_H_

#include <cstdint>

#include "kernel/ipc/pipe.h"
#include "kernel/ipc/pipe_buffer.h"
#include "kernel/vfs/file_description.h"

namespace sentry::ipc {

class FifoDescription final : public PipeFile<vfs::FileDescription> {
 public:
  FifoDescription(uint32_t flags, vfs::Path path, vfs::RefPtr<PipeBuffer> pipe);
  ~FifoDescription() override;

  ktl::Result<void> FinishOpen() override;

 private:
  uint64_t peer_opens_at_open_ = 0;  // the peer's open count when this end came
};

}  // namespace sentry::ipc

#endif  // RINGFENCE_KERNEL_IPC_FIFO_H_
