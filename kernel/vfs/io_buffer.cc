#include "kernel/vfs/io_buffer.h"

#include "kernel/ktl/panic.h"
#include "kernel/ktl/string.h"

namespace sentry::vfs {

ktl::Result<void> KernelIoBuffer::CopyOut(size_t at, const void* data, size_t length) {
  KTL_ASSERT(!read_only_);
  if (at > size_ || length > size_ - at) return ktl::Errno::kEFAULT;
  ktl::MemCopy(data_ + at, data, length);
  return ktl::Ok();
}

ktl::Result<void> KernelIoBuffer::CopyIn(size_t at, void* out, size_t length) {
  if (at > size_ || length > size_ - at) return ktl::Errno::kEFAULT;
  ktl::MemCopy(out, data_ + at, length);
  return ktl::Ok();
}

UserIoBuffer::UserIoBuffer(mm::AddressSpace& memory, std::span<const fs::UserSegment> segments)
    : memory_(memory), segments_(segments) {
  for (const fs::UserSegment& segment : segments_) size_ += segment.length;
}

ktl::Result<void> UserIoBuffer::FaultInFilePages(bool to_user) {
#if defined(RINGFENCE_SENTRY)
  size_t base = 0;
  for (const fs::UserSegment& segment : segments_) {
    uint64_t usable = memory_.FaultInFilePages(
        segment.address, segment.length, to_user ? mm::Access::kWrite : mm::Access::kRead);
    if (usable < segment.length) {
      size_ = base + usable;
      if (size_ == 0) return ktl::Errno::kEFAULT;
      break;
    }
    base += segment.length;
  }
#else
  (void)to_user;
#endif
  return ktl::Ok();
}

ktl::Result<void> UserIoBuffer::CopyOut(size_t at, const void* data, size_t length) {
  return Copy(at, const_cast<void*>(data), length, /*to_user=*/true);
}

ktl::Result<void> UserIoBuffer::CopyIn(size_t at, void* out, size_t length) {
  return Copy(at, out, length, /*to_user=*/false);
}

ktl::Result<void> UserIoBuffer::Copy(size_t at, void* kernel, size_t length, bool to_user) {
  if (at > size_ || length > size_ - at) return ktl::Errno::kEFAULT;
  auto* cursor = static_cast<std::byte*>(kernel);
  size_t base = 0;  // buffer offset where the current segment starts
  for (const fs::UserSegment& segment : segments_) {
    if (length == 0) break;
    if (at >= base + segment.length) {
      base += segment.length;
      continue;
    }
    uint64_t within = at - base;
    size_t chunk = segment.length - within < length ? segment.length - within : length;
#if defined(RINGFENCE_SENTRY)
    if (to_user) {
      TRY(memory_.CopyOut(segment.address + within, cursor, chunk));
    } else {
      TRY(memory_.CopyIn(segment.address + within, cursor, chunk));
    }
#else
    // Hosted builds have no user address space (see the class comment).
    (void)to_user;
    return ktl::Errno::kEFAULT;
#endif
    cursor += chunk;
    at += chunk;
    length -= chunk;
    base += segment.length;
  }
  return ktl::Ok();
}

}  // namespace sentry::vfs
