// read, write and friends, descriptors, fcntl, ioctl, fstat.
// (fcntl's record locks are in sys_fs_lock.cc.)
#include "kernel/abi/linux.h"
#include "kernel/syscalls/fs_support.h"
#include "kernel/syscalls/handlers.h"
#include "kernel/vfs/permission.h"

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
constexpr int kFcntlSetPipeSize = 1031, kFcntlGetPipeSize = 1032;
constexpr uint64_t kFdCloexec = 1;
// The ioctls every file has (do_vfs_ioctl).
constexpr uint32_t kFionread = 0x541b, kFionbio = 0x5421, kFionclex = 0x5450, kFioclex = 0x5451;
constexpr int kFcntlGetlk = 5, kFcntlSetlk = 6, kFcntlSetlkw = 7;
constexpr int kFcntlOfdGetlk = 36, kFcntlOfdSetlk = 37, kFcntlOfdSetlkw = 38;
// preadv2/pwritev2 flags that need nothing from us: our file I/O never
// waits for a device (RWF_HIPRI, RWF_NOWAIT) and is as synchronous as it
// gets (RWF_DSYNC, RWF_SYNC). RWF_APPEND is not supported yet.
constexpr int kRwfNoops = 0x1 | 0x2 | 0x4 | 0x8;

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
                                      int64_t offset, UserSegment* segments) {
  TRY(ReadIovecs(iov, count, segments));
  if (count == 0) return 0;
  std::span<const UserSegment> span(segments, static_cast<size_t>(count));
  auto& memory = CurrentTask().address_space();
  size_t done =
      TRY(write ? file.Write(memory, span, offset) : file.Read(memory, span, offset));
  return static_cast<int64_t>(done);
}

// readv/writev (`offset` < 0: at the file position) and preadv/pwritev.
ktl::Result<int64_t> Transfer(int fd, UserAddress iov, int count, bool write,
                              int64_t offset = -1, bool positional = false) {
  FileRef file = TRY(positional ? PositionalFile(fd, offset, write)
                                : (write ? FileForWrite(fd) : FileForRead(fd)));
  if (count < 0 || static_cast<uint64_t>(count) > linux_abi::kIovMax) return Errno::kEINVAL;
  // count <= kIovMax was checked before sizing the allocation.
  auto* segments = new (std::nothrow) UserSegment[count > 0 ? count : 1];
  if (segments == nullptr) return Errno::kENOMEM;
  auto result = TransferSegments(*file, iov, count, write, offset, segments);
  delete[] segments;
  return result;
}

// preadv2/pwritev2: offset -1 means the file position.
ktl::Result<int64_t> TransferV2(int fd, UserAddress iov, int count, int64_t offset, int flags,
                                bool write) {
  if (flags & ~kRwfNoops) return Errno::kEOPNOTSUPP;
  if (offset == -1) return Transfer(fd, iov, count, write);
  return Transfer(fd, iov, count, write, offset, /*positional=*/true);
}

// The fcntl commands an O_PATH descriptor accepts (check_fcntl_cmd).
bool PathDescriptorCommand(int command) {
  return command == kFcntlDupfd || command == kFcntlDupfdCloexec || command == kFcntlGetfd ||
         command == kFcntlSetfd || command == kFcntlGetfl;
}

// F_SETFL: O_NOATIME is for the file's owner (or CAP_FOWNER) only.
ktl::Result<void> SetStatusFlags(fs::File& file, uint32_t flags) {
  vfs::FileDescription* description = file.vfs_description();
  if ((flags & vfs::kO_NOATIME) && !(file.flags() & vfs::kO_NOATIME) && description &&
      !vfs::OwnerOrFowner(FsCredentials(), description->inode().Getattr())) {
    return Errno::kEPERM;
  }
  file.set_status_flags(flags);
  return ktl::Ok();
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

ktl::Result<int64_t> sys_preadv(int fd, UserAddress iov, int iov_count, int64_t offset,
                                int64_t offset_high) {
  // On 64-bit, the whole offset is in the low argument.
  return Transfer(fd, iov, iov_count, /*write=*/false, offset, /*positional=*/true);
}

ktl::Result<int64_t> sys_pwritev(int fd, UserAddress iov, int iov_count, int64_t offset,
                                 int64_t offset_high) {
  return Transfer(fd, iov, iov_count, /*write=*/true, offset, /*positional=*/true);
}

ktl::Result<int64_t> sys_preadv2(int fd, UserAddress iov, int iov_count, int64_t offset,
                                 int64_t offset_high, int flags) {
  return TransferV2(fd, iov, iov_count, offset, flags, /*write=*/false);
}

ktl::Result<int64_t> sys_pwritev2(int fd, UserAddress iov, int iov_count, int64_t offset,
                                  int64_t offset_high, int flags) {
  return TransferV2(fd, iov, iov_count, offset, flags, /*write=*/true);
}

ktl::Result<int64_t> sys_readv(int fd, UserAddress iov, int iov_count) {
  return Transfer(fd, iov, iov_count, /*write=*/false);
}

ktl::Result<int64_t> sys_writev(int fd, UserAddress iov, int iov_count) {
  return Transfer(fd, iov, iov_count, /*write=*/true);
}

namespace {

// Before `fd` is closed (or, for dup2/dup3, replaced): drops the process's
// POSIX locks on the file it refers to.
void ReleaseLocksOf(int fd) {
  auto file = Self().files().Get(fd);
  if (file.ok()) ReleasePosixLocks(*file.value());
}

}  // namespace

ktl::Result<int64_t> sys_close(int fd) {
  ReleaseLocksOf(fd);
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
  if (static_cast<uint64_t>(new_fd) < FileLimit()) ReleaseLocksOf(new_fd);
  TRY(Self().files().InstallAt(new_fd, file.get(), false, FileLimit()));
  return new_fd;
}

ktl::Result<int64_t> sys_dup3(int fd, int new_fd, int flags) {
  if ((flags & ~static_cast<int>(linux_abi::kO_CLOEXEC)) != 0) return Errno::kEINVAL;
  if (fd == new_fd) return Errno::kEINVAL;
  FileRef file = TRY(Self().files().Get(fd));
  if (new_fd >= 0 && static_cast<uint64_t>(new_fd) < FileLimit()) ReleaseLocksOf(new_fd);
  TRY(Self().files().InstallAt(new_fd, file.get(), (flags & linux_abi::kO_CLOEXEC) != 0,
                               FileLimit()));
  return new_fd;
}

ktl::Result<int64_t> sys_fcntl(int fd, int command, uint64_t argument) {
  FileRef file = TRY(Self().files().Get(fd));
  if ((file->flags() & vfs::kO_PATH) && !PathDescriptorCommand(command)) return Errno::kEBADF;
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
      TRY(SetStatusFlags(*file, static_cast<uint32_t>(argument)));
      return 0;
    case kFcntlGetlk:
    case kFcntlSetlk:
    case kFcntlSetlkw:
    case kFcntlOfdGetlk:
    case kFcntlOfdSetlk:
    case kFcntlOfdSetlkw:
      return FcntlLock(fd, command, UserAddress{argument});

    case kFcntlSetPipeSize:
    case kFcntlGetPipeSize:
      return file->Fcntl(command, argument);
    default:
      return Errno::kEINVAL;
  }
}

ktl::Result<int64_t> sys_ioctl(int fd, uint32_t request, uint64_t argument) {
  FdFile file = TRY(GetFile(fd));
  switch (request) {
    case kFioclex:
    case kFionclex:
      TRY(Self().files().SetCloseOnExec(fd, request == kFioclex));
      return 0;
    case kFionbio: {
      int on = TRY(UserPointer<int>(argument).Read());
      uint32_t flags = file.file->flags();
      file.file->set_status_flags(on ? flags | vfs::kO_NONBLOCK : flags & ~vfs::kO_NONBLOCK);
      return 0;
    }
    case kFionread:
      // Regular files answer with the bytes left after the position; other
      // files (pipes, terminals) with their own ioctl.
      if (file.description && file.description->inode().IsRegular()) {
        int64_t left = static_cast<int64_t>(file.description->inode().Getattr().size) -
                       file.description->position();
        int value = left < 0 ? 0 : (left > INT32_MAX ? INT32_MAX : static_cast<int>(left));
        TRY(UserPointer<int>(argument).Write(value));
        return 0;
      }
      break;
    default:
      break;
  }
  return file.file->Ioctl(CurrentTask().address_space(), request, argument);
}

ktl::Result<int64_t> sys_fstat(int fd, UserAddress stat) {
  FileRef file = TRY(Self().files().Get(fd));
  return StatInto(*file, stat);
}

}  // namespace sentry::syscalls
