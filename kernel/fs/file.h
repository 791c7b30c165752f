// An open file description: what a file descriptor refers to. Shared by
// dup'd descriptors, so it is reference counted.
#ifndef RINGFENCE_KERNEL_FS_FILE_H_
#define RINGFENCE_KERNEL_FS_FILE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>

#include "kernel/abi/linux.h"
#include "kernel/ktl/result.h"
#include "kernel/mm/address_space.h"
#include "kernel/vfs/poll.h"

namespace sentry::vfs {
class FileDescription;
}  // namespace sentry::vfs
namespace sentry::ipc {
class EventPoll;
}  // namespace sentry::ipc

namespace sentry::fs {

// One piece of a user buffer (a struct iovec after validation).
struct UserSegment {
  uint64_t address;
  uint64_t length;
};

class File {
 public:
  explicit File(uint32_t flags) : flags_(flags) {}
  virtual ~File() = default;

  void Ref() { references_.fetch_add(1, std::memory_order_relaxed); }
  // The last reference tells the release watchers (epoll entries) first,
  // while the file is still whole.
  void Unref() {
    if (references_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    release_watchers_.Notify(vfs::kPollFree);
    delete this;
  }

  // Reads into / writes from the user buffers `segments` in `memory`.
  // `offset` < 0 means "at the file position" (read/write), otherwise
  // pread/pwrite at that offset.
  virtual ktl::Result<size_t> Read(mm::AddressSpace& memory,
                                   std::span<const UserSegment> segments, int64_t offset) = 0;
  virtual ktl::Result<size_t> Write(mm::AddressSpace& memory,
                                    std::span<const UserSegment> segments, int64_t offset) = 0;
  virtual ktl::Result<void> Stat(linux_abi::Stat* out) = 0;
  virtual ktl::Result<int64_t> Ioctl(mm::AddressSpace& memory, uint32_t request,
                                     uint64_t argument) {
    return ktl::Errno::kENOTTY;
  }

  // --- readiness (poll, select, epoll; see kernel/vfs/poll.h) -------------
  // The kPoll* events the file is ready for now. The default is a file that
  // never blocks (Linux's DEFAULT_POLLMASK): regular files, most devices.
  virtual uint32_t Readiness() { return vfs::kDefaultPollMask; }
  // The queue notified when Readiness() may change, or null for files whose
  // readiness never changes (epoll_ctl refuses those with EPERM).
  virtual vfs::WaiterQueue* waiter_queue() { return nullptr; }
  // When (monotonic ns) readiness changes by the clock alone (a timerfd's
  // next expiry), for waiters to bound their sleep; 0: never.
  virtual int64_t ReadinessDeadline() { return 0; }
  // Notified with kPollFree when the last reference goes (the description
  // is released): epoll drops its entries for the file then.
  vfs::WaiterQueue& release_watchers() { return release_watchers_; }

  // The part of open(2) that may sleep, run once the VFS has let go of its
  // locks and before the fd is installed (a FIFO waiting for its peer).
  virtual ktl::Result<void> FinishOpen() { return ktl::Ok(); }

  // fcntl(2) commands particular to one file type (F_GETPIPE_SZ...):
  // EBADF on other files, as Linux's get_pipe_info failing.
  virtual ktl::Result<int64_t> Fcntl(int command, uint64_t argument) {
    return ktl::Errno::kEBADF;
  }

  // Whether pread/pwrite (and lseek) apply: false for pipes, sockets, ttys.
  virtual bool seekable() const { return true; }

  // lseek(2): moves the file position; returns the new one. ESPIPE for
  // files without one (the default).
  virtual ktl::Result<int64_t> Lseek(int64_t offset, int whence) { return ktl::Errno::kESPIPE; }

  // The VFS open file description behind this File, or null for files that
  // are not in the VFS (stdio host files). The syscall layer uses it for
  // what only VFS files have (the *at directory, getdents64, fchdir) in
  // place of a dynamic_cast, which the Sentry lacks (-fno-rtti).
  virtual vfs::FileDescription* vfs_description() { return nullptr; }
  // The epoll instance this file is, or null (epoll_ctl's nesting checks).
  virtual ipc::EventPoll* event_poll() { return nullptr; }
  // For a file of Linux's anonymous inode (eventfd, epoll, timerfd): the
  // name /proc/PID/fd shows as "anon_inode:[name]"; null otherwise.
  virtual const char* AnonymousName() const { return nullptr; }

  bool readable() const {
    uint32_t mode = flags_ & linux_abi::kO_ACCMODE;
    return mode == linux_abi::kO_RDONLY || mode == linux_abi::kO_RDWR;
  }
  bool writable() const {
    uint32_t mode = flags_ & linux_abi::kO_ACCMODE;
    return mode == linux_abi::kO_WRONLY || mode == linux_abi::kO_RDWR;
  }
  uint32_t flags() const { return flags_; }
  // F_SETFL may change only O_APPEND, O_NONBLOCK, O_DIRECT and O_NOATIME
  // (Linux's SETFL_MASK without FASYNC); the caller checks permissions.
  void set_status_flags(uint32_t flags) {
    constexpr uint32_t kO_DIRECT = 040000, kO_NOATIME = 01000000;
    constexpr uint32_t kSettable =
        linux_abi::kO_APPEND | linux_abi::kO_NONBLOCK | kO_DIRECT | kO_NOATIME;
    flags_ = (flags_ & ~kSettable) | (flags & kSettable);
  }

 private:
  std::atomic<uint32_t> references_{1};
  uint32_t flags_;
  vfs::WaiterQueue release_watchers_;
};

}  // namespace sentry::fs

#endif  // RINGFENCE_KERNEL_FS_FILE_H_
