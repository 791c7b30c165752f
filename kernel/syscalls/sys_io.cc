// read, write and friends, descriptors, fcntl, ioctl, fstat.
#include "kernel/abi/linux.h"
#include "kernel/syscalls/fs_support.h"
#include "kernel/syscalls/handlers.h"

namespace sentry::syscalls {
namespace {

using fs::FileRef;
using fs::UserSegment;
using ktl::Errno;

constexpr int kFcntlDupfd = 0;
constexpr int kFcntlGetfd = 1;
constexpr int kFcntlSetfd = 2;
constexpr int kFcntlGetfl = 3;
constexpr int kFcntlSetfl = 4;
constexpr int kFcntlDupfdCloexec = 1030;
constexpr uint64_t kFdCloexec = 1;
// Linux caps one read/write at this many bytes (MAX_RW_COUNT).
constexpr uint64_t kMaxRwCount = 0x7ffff000;

Process& Self() { return CurrentTask().process(); }

uint64_t FileLimit() { return Self().rlimit(linux_abi::kRlimitNofile).cur; }

// The file at `fd` for I/O: EBADF if none or an O_PATH description.
ktl::Result<FileRef> IoFile(int fd) { return std::move(TRY(GetFile(fd)).file); }

ktl::Result<FileRef> FileForRead(int fd) {
  FileRef file = TRY(IoFile(fd));
  if (!file->readable()) return Errno::kEBADF;
  return file;
}

ktl::Result<FileRef> FileForWrite(int fd) {
  FileRef file = TRY(IoFile(fd));
  if (!file->writable()) return Errno::kEBADF;
  return file;
}

// The file for pread/pwrite, checked in Linux's order: a valid fd, then
// ESPIPE for unseekable files, then the access mode, then the offset.
ktl::Result<FileRef> PositionalFile(int fd, int64_t offset, bool write) {
  FileRef file = TRY(IoFile(fd));
  if (!file->seekable()) return Errno::kESPIPE;
  if (write ? !file->writable() : !file->readable()) return Errno::kEBADF;
  if (offset < 0) return Errno::kEINVAL;
  return file;
}

uint64_t ClampCount(uint64_t count) { return count < kMaxRwCount ? count : kMaxRwCount; }

// Reads and validates a user iovec array into `segments`.
ktl::Result<size_t> ReadIovecs(UserAddress iov, int count, UserSegment* segments) {
  if (count < 0 || static_cast<uint64_t>(count) > linux_abi::kIovMax) return Errno::kEINVAL;
  UserPointer<linux_abi::Iovec> array(iov.value);
  uint64_t total = 0;
  for (int i = 0; i < count; ++i) {
    UserPointer<linux_abi::Iovec> element = TRY(array.At(static_cast<uint64_t>(i)));
    linux_abi::Iovec vector = TRY(element.Read());
    // Linux rejects a negative (as ssize_t) length or a total overflow.
    if (static_cast<int64_t>(vector.length) < 0) return Errno::kEINVAL;
    if (total + vector.length < total || total + vector.length > static_cast<uint64_t>(INT64_MAX)) {
      return Errno::kEINVAL;
    }
    uint64_t room = kMaxRwCount - (total < kMaxRwCount ? total : kMaxRwCount);
    total += vector.length;
    segments[i] = {vector.base, vector.length < room ? vector.length : room};
  }
  return static_cast<size_t>(count);
}

ktl::Result<int64_t> TransferSegments(fs::File& file, UserAddress iov, int count, bool write,
                                      UserSegment* segments) {
  TRY(ReadIovecs(iov, count, segments));
  if (count == 0) return 0;
  std::span<const UserSegment> span(segments, static_cast<size_t>(count));
  auto& memory = CurrentTask().address_space();
  size_t done = TRY(write ? file.Write(memory, span, -1) : file.Read(memory, span, -1));
  return static_cast<int64_t>(done);
}

ktl::Result<int64_t> Transfer(int fd, UserAddress iov, int count, bool write) {
  FileRef file = TRY(write ? FileForWrite(fd) : FileForRead(fd));
  if (count < 0 || static_cast<uint64_t>(count) > linux_abi::kIovMax) return Errno::kEINVAL;
  // count <= kIovMax was checked before sizing the allocation.
  auto* segments = new (std::nothrow) UserSegment[count > 0 ? count : 1];
  if (segments == nullptr) return Errno::kENOMEM;
  auto result = TransferSegments(*file, iov, count, write, segments);
  delete[] segments;
  return result;
}

ktl::Result<int64_t> StatInto(fs::File& file, UserAddress stat) {
  linux_abi::Stat out;
  TRY(file.Stat(&out));
  TRY(UserPointer<linux_abi::Stat>(stat.value).Write(out));
  return 0;
}

}  // namespace

ktl::Result<int64_t> sys_read(int fd, UserAddress buffer, uint64_t count) {
  FileRef file = TRY(FileForRead(fd));
  if (count == 0) return 0;
  UserSegment segment = {buffer.value, ClampCount(count)};
  return static_cast<int64_t>(TRY(file->Read(CurrentTask().address_space(), {&segment, 1}, -1)));
}

ktl::Result<int64_t> sys_write(int fd, UserAddress buffer, uint64_t count) {
  FileRef file = TRY(FileForWrite(fd));
  if (count == 0) return 0;
  UserSegment segment = {buffer.value, ClampCount(count)};
  return static_cast<int64_t>(TRY(file->Write(CurrentTask().address_space(), {&segment, 1}, -1)));
}

ktl::Result<int64_t> sys_pread64(int fd, UserAddress buffer, uint64_t count, int64_t offset) {
  FileRef file = TRY(PositionalFile(fd, offset, /*write=*/false));
  UserSegment segment = {buffer.value, ClampCount(count)};
  return static_cast<int64_t>(
      TRY(file->Read(CurrentTask().address_space(), {&segment, 1}, offset)));
}

ktl::Result<int64_t> sys_pwrite64(int fd, UserAddress buffer, uint64_t count, int64_t offset) {
  FileRef file = TRY(PositionalFile(fd, offset, /*write=*/true));
  UserSegment segment = {buffer.value, ClampCount(count)};
  return static_cast<int64_t>(
      TRY(file->Write(CurrentTask().address_space(), {&segment, 1}, offset)));
}

ktl::Result<int64_t> sys_readv(int fd, UserAddress iov, int iov_count) {
  return Transfer(fd, iov, iov_count, /*write=*/false);
}

ktl::Result<int64_t> sys_writev(int fd, UserAddress iov, int iov_count) {
  return Transfer(fd, iov, iov_count, /*write=*/true);
}

ktl::Result<int64_t> sys_close(int fd) {
  TRY(Self().files().Close(fd));
  return 0;
}

ktl::Result<int64_t> sys_dup(int fd) {
  FileRef file = TRY(Self().files().Get(fd));
  return TRY(Self().files().Install(file.get(), 0, false, FileLimit()));
}

ktl::Result<int64_t> sys_dup2(int fd, int new_fd) {
  FileRef file = TRY(Self().files().Get(fd));
  if (fd == new_fd) return new_fd;
  TRY(Self().files().InstallAt(new_fd, file.get(), false, FileLimit()));
  return new_fd;
}

ktl::Result<int64_t> sys_dup3(int fd, int new_fd, int flags) {
  if ((flags & ~static_cast<int>(linux_abi::kO_CLOEXEC)) != 0) return Errno::kEINVAL;
  if (fd == new_fd) return Errno::kEINVAL;
  FileRef file = TRY(Self().files().Get(fd));
  TRY(Self().files().InstallAt(new_fd, file.get(), (flags & linux_abi::kO_CLOEXEC) != 0,
                               FileLimit()));
  return new_fd;
}

ktl::Result<int64_t> sys_fcntl(int fd, int command, uint64_t argument) {
  FileRef file = TRY(Self().files().Get(fd));
  switch (command) {
    case kFcntlDupfd:
    case kFcntlDupfdCloexec: {
      int minimum = static_cast<int>(argument);
      if (minimum < 0 || static_cast<uint64_t>(minimum) >= FileLimit()) return Errno::kEINVAL;
      return TRY(Self().files().Install(file.get(), minimum, command == kFcntlDupfdCloexec,
                                        FileLimit()));
    }
    case kFcntlGetfd:
      return TRY(Self().files().CloseOnExec(fd)) ? kFdCloexec : 0;
    case kFcntlSetfd:
      TRY(Self().files().SetCloseOnExec(fd, (argument & kFdCloexec) != 0));
      return 0;
    case kFcntlGetfl:
      return file->flags() & ~linux_abi::kO_CLOEXEC;
    case kFcntlSetfl:
      file->set_status_flags(static_cast<uint32_t>(argument));
      return 0;
    default:
      return Errno::kEINVAL;
  }
}

ktl::Result<int64_t> sys_ioctl(int fd, uint32_t request, uint64_t argument) {
  FileRef file = TRY(IoFile(fd));
  return file->Ioctl(CurrentTask().address_space(), request, argument);
}

ktl::Result<int64_t> sys_fstat(int fd, UserAddress stat) {
  FileRef file = TRY(Self().files().Get(fd));
  return StatInto(*file, stat);
}

}  // namespace sentry::syscalls
