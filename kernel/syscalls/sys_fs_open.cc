// Opening files and walking directories: open, openat, creat, lseek,
// getdents64, getdents.
#include "kernel/syscalls/fs_support.h"
#include "kernel/syscalls/handlers.h"

namespace sentry::syscalls {
namespace {

using ktl::Errno;

// getdents fills at most this much kernel memory per call (a short read
// is fine: the app calls again).
constexpr size_t kMaxGetdentsChunk = 32 * 1024;

ktl::Result<int64_t> OpenAt(int dir_fd, UserAddress path_address, uint32_t flags,
                            uint32_t mode) {
  UserPath path = TRY(UserPath::CopyIn(path_address));
  Process& self = CurrentTask().process();
  uint64_t limit = self.rlimit(linux_abi::kRlimitNofile).cur;
  if (!self.files().HasFreeBelow(limit)) return Errno::kEMFILE;
  FsCaller at = TRY(CallerAt(dir_fd, path.view()));
  // The mode only means something when a file may be created.
  bool creates = (flags & vfs::kO_CREAT) || (flags & vfs::kO_TMPFILE) == vfs::kO_TMPFILE;
  mode = creates ? mode & vfs::kPermissionBits : 0;
  // x86-64 Linux opens every file as large (F_GETFL shows it), except
  // O_PATH ones, whose flags it reduces.
  if (!(flags & vfs::kO_PATH)) flags |= vfs::kO_LARGEFILE;
  vfs::RefPtr<vfs::FileDescription> description =
      TRY(Namespace().Open(at.caller(), path.view(), flags, mode));
  TRY(description->FinishOpen());
  return TRY(self.files().Install(description.get(), 0, (flags & vfs::kO_CLOEXEC) != 0, limit));
}

// The directory description behind `fd`: EBADF, or ENOTDIR for files
// outside the VFS.
ktl::Result<FdFile> DirectoryFile(int fd) {
  FdFile file = TRY(GetFile(fd));
  if (file.description == nullptr) return Errno::kENOTDIR;
  return file;
}

// Rewrites struct linux_dirent64 records in place as struct linux_dirent
// (same lengths: d_type moves from before the name to the record's last
// byte).
void ToOldDirents(uint8_t* records, size_t length) {
  for (size_t at = 0; at < length;) {
    uint8_t* record = records + at;
    uint16_t reclen;
    ktl::MemCopy(&reclen, record + 16, 2);
    uint8_t type = record[18];
    size_t name_length = ktl::StrLen(reinterpret_cast<const char*>(record + 19));
    ktl::MemMove(record + 18, record + 19, name_length + 1);
    record[reclen - 1] = type;
    at += reclen;
  }
}

}  // namespace

ktl::Result<int64_t> sys_open(UserAddress path, int flags, uint32_t mode) {
  return OpenAt(kAtFdcwd, path, static_cast<uint32_t>(flags), mode);
}

ktl::Result<int64_t> sys_openat(int dir_fd, UserAddress path, int flags, uint32_t mode) {
  return OpenAt(dir_fd, path, static_cast<uint32_t>(flags), mode);
}

ktl::Result<int64_t> sys_creat(UserAddress path, uint32_t mode) {
  return OpenAt(kAtFdcwd, path, vfs::kO_CREAT | vfs::kO_WRONLY | vfs::kO_TRUNC, mode);
}

ktl::Result<int64_t> sys_lseek(int fd, int64_t offset, int whence) {
  FdFile file = TRY(GetFile(fd));
  return file.file->Lseek(offset, whence);
}

ktl::Result<int64_t> sys_getdents64(int fd, UserAddress buffer, uint32_t count) {
  FdFile dir = TRY(DirectoryFile(fd));
  fs::UserSegment segment = {buffer.value, count < kMaxRwCount ? count : kMaxRwCount};
  vfs::UserIoBuffer out(CurrentTask().address_space(), {&segment, 1});
  return static_cast<int64_t>(TRY(dir.description->Getdents64(out)));
}

ktl::Result<int64_t> sys_getdents(int fd, UserAddress buffer, uint32_t count) {
  FdFile dir = TRY(DirectoryFile(fd));
  ktl::Vector<uint8_t> records;
  TRY(records.Resize(count < kMaxGetdentsChunk ? count : kMaxGetdentsChunk));
  vfs::KernelIoBuffer chunk(records.data(), records.size());
  size_t length = TRY(dir.description->Getdents64(chunk));
  ToOldDirents(records.data(), length);
  TRY(CurrentTask().address_space().CopyOut(buffer.value, records.data(), length));
  return static_cast<int64_t>(length);
}

}  // namespace sentry::syscalls
