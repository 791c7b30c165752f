// Moving and flushing file data: sendfile, copy_file_range, fsync,
// fdatasync, syncfs, sync.
//
// Our file systems keep data in memory (tmpfs) or write through to the
// host (host files), so there is nothing to flush: the sync calls only
// check their fd as Linux does.
#include "kernel/syscalls/fs_support.h"
#include "kernel/syscalls/handlers.h"

namespace sentry::syscalls {
namespace {

using ktl::Errno;

// Data moves through a kernel buffer this big (on the heap).
constexpr size_t kCopyChunk = 64 * 1024;

// Copies up to `count` bytes from `in` at `in_offset` to `out` (at
// `*out_offset` if given, else at its position, which honours O_APPEND).
// Stops at the end of the input or on a short write; an error after some
// bytes moved ends the copy with the count so far.
ktl::Result<size_t> CopyData(vfs::FileDescription& in, int64_t in_offset,
                             vfs::FileDescription& out, int64_t* out_offset, uint64_t count) {
  ktl::Vector<uint8_t> chunk;
  TRY(chunk.Resize(count < kCopyChunk ? count : kCopyChunk));
  size_t done = 0;
  while (done < count) {
    size_t want = count - done < chunk.size() ? count - done : chunk.size();
    vfs::KernelIoBuffer read_buffer(chunk.data(), want);
    auto got = in.ReadTo(read_buffer, in_offset + static_cast<int64_t>(done));
    if (!got.ok()) {
      if (done == 0) return got.error();
      break;
    }
    if (got.value() == 0) break;
    const void* data = chunk.data();
    vfs::KernelIoBuffer write_buffer(data, got.value());
    auto put = out.WriteFrom(write_buffer, out_offset ? *out_offset + static_cast<int64_t>(done)
                                                      : -1);
    if (!put.ok()) {
      if (done == 0) return put.error();
      break;
    }
    done += put.value();
    if (put.value() < got.value()) break;
  }
  if (out_offset) *out_offset += static_cast<int64_t>(done);
  return done;
}

// Reads an optional loff_t argument: false if the pointer is null.
ktl::Result<bool> ReadOffset(UserAddress address, int64_t* offset) {
  if (address.null()) return false;
  *offset = TRY(UserPointer<int64_t>(address.value).Read());
  return true;
}

// Ends a copy that read from the input's position: moves it past what was
// copied.
void AdvancePosition(vfs::FileDescription& in, int64_t start, size_t copied) {
  (void)in.Lseek(start + static_cast<int64_t>(copied), vfs::kSEEK_SET);
}

ktl::Result<int64_t> SyncFile(int fd) {
  FdFile file = TRY(GetFile(fd));
  // Pipes and terminals (all our host files today) have no fsync: EINVAL.
  if (file.description == nullptr) return Errno::kEINVAL;
  return 0;
}

}  // namespace

ktl::Result<int64_t> sys_sendfile(int out_fd, int in_fd, UserAddress offset_address,
                                  uint64_t count) {
  FdFile in = TRY(GetFile(in_fd));
  if (!in.file->readable()) return Errno::kEBADF;
  int64_t offset = 0;
  bool explicit_offset = TRY(ReadOffset(offset_address, &offset));
  if (explicit_offset && !in.file->seekable()) return Errno::kESPIPE;
  FdFile out = TRY(GetFile(out_fd));
  if (!out.file->writable()) return Errno::kEBADF;
  if (out.file->flags() & vfs::kO_APPEND) return Errno::kEINVAL;
  // Both ends must be VFS files: the data goes through a kernel buffer,
  // which host files (they move data straight from user pages) cannot
  // take. Apps fall back to read/write on EINVAL, as for any file Linux
  // cannot splice.
  if (in.description == nullptr || out.description == nullptr) return Errno::kEINVAL;
  if (!in.description->inode().IsRegular()) return Errno::kEINVAL;
  if (!explicit_offset) offset = in.description->position();
  if (offset < 0) return Errno::kEINVAL;
  if (count > kMaxRwCount) count = kMaxRwCount;
  size_t copied = TRY(CopyData(*in.description, offset, *out.description, nullptr, count));
  if (explicit_offset) {
    TRY(UserPointer<int64_t>(offset_address.value).Write(offset + static_cast<int64_t>(copied)));
  } else {
    AdvancePosition(*in.description, offset, copied);
  }
  return static_cast<int64_t>(copied);
}

ktl::Result<int64_t> sys_copy_file_range(int in_fd, UserAddress in_offset_address, int out_fd,
                                         UserAddress out_offset_address, uint64_t length,
                                         uint32_t flags) {
  if (flags != 0) return Errno::kEINVAL;
  FdFile in = TRY(GetFile(in_fd));
  FdFile out = TRY(GetFile(out_fd));
  int64_t in_offset = 0, out_offset = 0;
  bool in_explicit = TRY(ReadOffset(in_offset_address, &in_offset));
  bool out_explicit = TRY(ReadOffset(out_offset_address, &out_offset));
  // generic_copy_file_checks, in its order.
  if (in.description == nullptr || out.description == nullptr) return Errno::kEINVAL;
  vfs::Inode& in_inode = in.description->inode();
  vfs::Inode& out_inode = out.description->inode();
  if (in_inode.IsDir() || out_inode.IsDir()) return Errno::kEISDIR;
  if (!in_inode.IsRegular() || !out_inode.IsRegular()) return Errno::kEINVAL;
  if (!in.file->readable() || !out.file->writable() || (out.file->flags() & vfs::kO_APPEND)) {
    return Errno::kEBADF;
  }
  if (!in_explicit) in_offset = in.description->position();
  if (!out_explicit) out_offset = out.description->position();
  if (in_offset < 0 || out_offset < 0) return Errno::kEINVAL;
  if (length > kMaxRwCount) length = kMaxRwCount;
  int64_t in_end, out_end;
  if (__builtin_add_overflow(in_offset, static_cast<int64_t>(length), &in_end) ||
      __builtin_add_overflow(out_offset, static_cast<int64_t>(length), &out_end)) {
    return Errno::kEOVERFLOW;
  }
  // Overlapping ranges of one file are refused.
  if (&in_inode == &out_inode && out_offset < in_end && in_offset < out_end) {
    return Errno::kEINVAL;
  }
  // Without a copy_file_range of their own, file systems copy only within
  // one superblock (Linux 5.19+).
  if (&in_inode.fs() != &out_inode.fs()) return Errno::kEXDEV;
  int64_t write_at = out_offset;
  size_t copied = TRY(CopyData(*in.description, in_offset, *out.description, &write_at, length));
  if (in_explicit) {
    TRY(UserPointer<int64_t>(in_offset_address.value).Write(in_offset +
                                                             static_cast<int64_t>(copied)));
  } else {
    AdvancePosition(*in.description, in_offset, copied);
  }
  if (out_explicit) {
    TRY(UserPointer<int64_t>(out_offset_address.value).Write(write_at));
  } else {
    (void)out.description->Lseek(write_at, vfs::kSEEK_SET);
  }
  return static_cast<int64_t>(copied);
}

ktl::Result<int64_t> sys_fsync(int fd) { return SyncFile(fd); }

ktl::Result<int64_t> sys_fdatasync(int fd) { return SyncFile(fd); }

ktl::Result<int64_t> sys_syncfs(int fd) {
  TRY(GetFile(fd));
  return 0;
}

ktl::Result<int64_t> sys_sync() { return 0; }

}  // namespace sentry::syscalls
