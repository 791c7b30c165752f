#include "kernel/ipc/fifo.h"

#include "kernel/ipc/pipe.h"
#include "kernel/ipc/wait.h"
#include "kernel/ktl/vector.h"
#include "kernel/vfs/inode.h"

namespace sentry::ipc {
namespace {

// The pipe of each FIFO inode with an open end (guarded by the Sentry
// lock). An entry goes when its last end closes; the inode pointer is only
// a key (an open end keeps the inode alive through its path).
struct FifoPipe {
  const vfs::Inode* inode;
  PipeBuffer* pipe;
};
ktl::Vector<FifoPipe> g_fifos;

vfs::RefPtr<PipeBuffer> FindPipe(const vfs::Inode& inode) {
  for (FifoPipe& entry : g_fifos) {
    if (entry.inode == &inode) return vfs::RefPtr<PipeBuffer>(entry.pipe);
  }
  return nullptr;
}

void ForgetPipe(const PipeBuffer& pipe) {
  for (size_t i = 0; i < g_fifos.size(); ++i) {
    if (g_fifos[i].pipe == &pipe) {
      g_fifos[i] = g_fifos[g_fifos.size() - 1];
      g_fifos.PopBack();
      return;
    }
  }
}

ktl::Result<vfs::RefPtr<vfs::FileDescription>> OpenFifo(vfs::Inode& inode, const vfs::Path& path,
                                                         uint32_t flags) {
  uint32_t access = flags & vfs::kO_ACCMODE;
  vfs::RefPtr<PipeBuffer> pipe = FindPipe(inode);
  if (access == vfs::kO_WRONLY && (flags & vfs::kO_NONBLOCK) && (!pipe || pipe->readers() == 0)) {
    return ktl::Errno::kENXIO;
  }
  if (!pipe) {
    pipe = vfs::RefPtr<PipeBuffer>::Adopt(new (std::nothrow) PipeBuffer());
    if (!pipe) return ktl::Errno::kENOMEM;
    TRY(g_fifos.PushBack(FifoPipe{&inode, pipe.get()}));
  }
  auto description = vfs::MakeRef<FifoDescription>(flags, path, pipe);
  if (!description) {
    if (pipe->readers() == 0 && pipe->writers() == 0) ForgetPipe(*pipe);
    return ktl::Errno::kENOMEM;
  }
  return vfs::RefPtr<vfs::FileDescription>(std::move(description));
}

// Installs OpenFifo as the VFS's FIFO opener when the Sentry starts.
struct RegisterFifoOpener {
  RegisterFifoOpener() { vfs::SetFifoOpener(&OpenFifo); }
} g_register_fifo_opener;

}  // namespace

FifoDescription::FifoDescription(uint32_t flags, vfs::Path path, vfs::RefPtr<PipeBuffer> pipe)
    : PipeFile(std::move(pipe), flags, std::move(path)) {
  peer_opens_at_open_ = readable() ? pipe_->writer_opens() : pipe_->reader_opens();
  pipe_->AddEnd(readable(), writable());
}

FifoDescription::~FifoDescription() {
  pipe_->RemoveEnd(readable(), writable());
  if (pipe_->readers() == 0 && pipe_->writers() == 0) ForgetPipe(*pipe_);
}

ktl::Result<void> FifoDescription::FinishOpen() {
  if (readable() && writable()) return ktl::Ok();
  if (readable() && nonblocking()) return ktl::Ok();
  // Wait until a peer has opened since (it may have closed again).
  for (;;) {
    uint64_t peer_opens = readable() ? pipe_->writer_opens() : pipe_->reader_opens();
    uint32_t peers = readable() ? pipe_->writers() : pipe_->readers();
    if (peers > 0 || peer_opens != peer_opens_at_open_) return ktl::Ok();
    if (WaitOn(pipe_->waiters(), vfs::kPollIn | vfs::kPollOut, 0) ==
        sched::WakeReason::kInterrupted) {
      return InterruptedErrno();
    }
  }
}

}  // namespace sentry::ipc
