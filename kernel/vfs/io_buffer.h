// IoBuffer: the bytes a read fills or a write drains, wherever they live.
//
// File systems move data through this interface so the same code serves
// user memory (UserIoBuffer: the app's iovecs, reached through its address
// space), kernel buffers (KernelIoBuffer: the ELF loader reading a binary,
// sendfile, unit tests) and, later, page-cache pages.
#ifndef RINGFENCE_KERNEL_VFS_IO_BUFFER_H_
#define RINGFENCE_KERNEL_VFS_IO_BUFFER_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "kernel/fs/file.h"
#include "kernel/ktl/result.h"

namespace sentry::vfs {

class IoBuffer {
 public:
  virtual ~IoBuffer() = default;
  // Total bytes the buffer spans.
  virtual size_t size() const = 0;
  // Read direction: stores `length` bytes from `data` at byte `at` of the
  // buffer. EFAULT if (part of) the destination is inaccessible; nothing is
  // promised about how much was stored then, so callers copy in pieces no
  // larger than a page to report short transfers accurately.
  virtual ktl::Result<void> CopyOut(size_t at, const void* data, size_t length) = 0;
  // Write direction: loads `length` bytes at byte `at` of the buffer.
  virtual ktl::Result<void> CopyIn(size_t at, void* out, size_t length) = 0;
};

// A buffer in kernel memory. A read-only one (from const data) panics if
// a read tries to fill it.
class KernelIoBuffer final : public IoBuffer {
 public:
  KernelIoBuffer(void* data, size_t size) : data_(static_cast<std::byte*>(data)), size_(size) {}
  KernelIoBuffer(const void* data, size_t size)
      : data_(static_cast<std::byte*>(const_cast<void*>(data))), size_(size), read_only_(true) {}
  size_t size() const override { return size_; }
  ktl::Result<void> CopyOut(size_t at, const void* data, size_t length) override;
  ktl::Result<void> CopyIn(size_t at, void* out, size_t length) override;

 private:
  std::byte* data_;
  size_t size_;
  bool read_only_ = false;
};

// The app's buffers: validated iovecs in `memory`. The segments' total must
// not overflow (the syscall layer caps it at MAX_RW_COUNT).
//
// Only the Sentry build can reach user memory; in the hosted build (unit
// tests) there is no AddressSpace behind it and every copy is EFAULT.
class UserIoBuffer final : public IoBuffer {
 public:
  UserIoBuffer(mm::AddressSpace& memory, std::span<const fs::UserSegment> segments);
  size_t size() const override { return size_; }
  ktl::Result<void> CopyOut(size_t at, const void* data, size_t length) override;
  ktl::Result<void> CopyIn(size_t at, void* out, size_t length) override;

  // Before handing the buffer to a file system: faults in the pages of file
  // mappings it covers (see AddressSpace::FaultInFilePages) and shortens it
  // to end before the first one that cannot be had, as a transfer stops
  // short at a bad page. EFAULT if not even the first byte can be had.
  ktl::Result<void> FaultInFilePages(bool to_user);

 private:
  ktl::Result<void> Copy(size_t at, void* kernel, size_t length, bool to_user);

  mm::AddressSpace& memory_;
  std::span<const fs::UserSegment> segments_;
  size_t size_ = 0;
};

}  // namespace sentry::vfs

#endif  // RINGFENCE_KERNEL_VFS_IO_BUFFER_H_
