// A file the VMM holds for the sandbox (stdio today, Gofer-donated files
// later). Data moves by hypercall straight between the host file and the
// app's pages: the Sentry never copies it.
#ifndef RINGFENCE_KERNEL_FS_HOST_FILE_H_
#define RINGFENCE_KERNEL_FS_HOST_FILE_H_

#include "kernel/fs/file.h"

namespace sentry::fs {

class HostFile final : public File {
 public:
  // `file_type` is the host's S_IFMT bits.
  HostFile(uint32_t handle, uint32_t flags, uint32_t file_type, bool is_terminal, uint64_t inode)
      : File(flags), handle_(handle), file_type_(file_type), is_terminal_(is_terminal),
        inode_(inode) {}

  bool seekable() const override;

  ktl::Result<size_t> Read(mm::AddressSpace& memory, std::span<const UserSegment> segments,
                           int64_t offset) override;
  ktl::Result<size_t> Write(mm::AddressSpace& memory, std::span<const UserSegment> segments,
                            int64_t offset) override;
  ktl::Result<void> Stat(linux_abi::Stat* out) override;
  ktl::Result<int64_t> Ioctl(mm::AddressSpace& memory, uint32_t request,
                             uint64_t argument) override;
  // Host terminals and pipes are pollable (epoll accepts them); their
  // readiness is the default "always ready" until the VMM reports host
  // readiness, so the queue is never notified.
  vfs::WaiterQueue* waiter_queue() override { return &waiters_; }

 private:
  ktl::Result<size_t> Transfer(mm::AddressSpace& memory, std::span<const UserSegment> segments,
                               int64_t offset, bool write);

  uint32_t handle_;
  uint32_t file_type_;
  bool is_terminal_;
  uint64_t inode_;
  vfs::WaiterQueue waiters_;
};

}  // namespace sentry::fs

#endif  // RINGFENCE_KERNEL_FS_HOST_FILE_H_
