// FileDescription: an open file description of the VFS (what open(2)
// returns), a fs::File so the existing fd table holds it.
//
// The generic description serves regular files and directories of any file
// system through the Inode operations (Read/Write/ReadDir); file systems
// with special files (pipes, devices, sockets) subclass it. An O_PATH
// description is the same class with every I/O refused (EBADF).
//
// Two entry points per operation: the fs::File ones take user memory (the
// syscall layer's view) and wrap it in a UserIoBuffer; the portable ones
// (ReadTo, WriteFrom, Getdents64) take any IoBuffer (the kernel's own users
// and the unit tests).
#ifndef RINGFENCE_KERNEL_VFS_FILE_DESCRIPTION_H_
#define RINGFENCE_KERNEL_VFS_FILE_DESCRIPTION_H_

#include <cstdint>

#include "kernel/fs/file.h"
#include "kernel/ktl/spinlock.h"
#include "kernel/vfs/io_buffer.h"
#include "kernel/vfs/mount.h"

namespace sentry::vfs {

class FileDescription : public fs::File {
 public:
  // `flags`: the open(2) flags that stay with the description (access mode,
  // O_APPEND, O_NONBLOCK, O_PATH, O_DIRECTORY, O_NOATIME...). `data`: the
  // inode whose data reads, writes and seeks use, if not the path's (a
  // stacking file system's layer inode, fixed at open as Linux's overlayfs
  // does: a copy-up later does not change what this description reads).
  FileDescription(uint32_t flags, Path path, RefPtr<Inode> data = nullptr);
  // Releases the OFD and flock locks this description holds.
  ~FileDescription() override;

  // fs::File.
  ktl::Result<size_t> Read(mm::AddressSpace& memory, std::span<const fs::UserSegment> segments,
                           int64_t offset) override;
  ktl::Result<size_t> Write(mm::AddressSpace& memory, std::span<const fs::UserSegment> segments,
                            int64_t offset) override;
  ktl::Result<void> Stat(linux_abi::Stat* out) override;
  bool seekable() const override;
  // SEEK_SET/CUR/END; SEEK_DATA/SEEK_HOLE treat a regular file as all data.
  // Directories: SEEK_SET to a cookie from getdents (or 0) and SEEK_CUR.
  ktl::Result<int64_t> Lseek(int64_t offset, int whence) override;
  FileDescription* vfs_description() override { return this; }

  // `offset` < 0: at the file position, which advances (read/write);
  // otherwise at `offset` (pread/pwrite), position untouched.
  virtual ktl::Result<size_t> ReadTo(IoBuffer& dst, int64_t offset);
  virtual ktl::Result<size_t> WriteFrom(IoBuffer& src, int64_t offset);
  // Fills `dst` with struct linux_dirent64 records from the directory
  // position on and advances it; 0 at the end. EINVAL if not even one
  // record fits, ENOTDIR for a non-directory, ENOENT once it was removed.
  virtual ktl::Result<size_t> Getdents64(IoBuffer& dst);

  const Path& path() const { return path_; }
  Inode& inode() const { return path_.inode(); }
  // The description was opened for writing a regular file: it holds the
  // inode's write access (Inode::GetWriteAccess) until it is released.
  void HoldWriteAccess() { holds_write_access_ = true; }
  Inode& data_inode() const { return data_ ? *data_ : path_.inode(); }
  bool is_path_only() const { return (flags() & kO_PATH) != 0; }
  int64_t position();
  // The owner of this description's OFD and flock locks.
  LockOwner lock_owner() const { return {reinterpret_cast<uint64_t>(this), true}; }

 protected:
  ktl::Spinlock position_lock_;
  int64_t position_ = 0;  // Guarded by position_lock_. A cookie for directories.

 private:
  Path path_;
  RefPtr<Inode> data_;  // null: the path's inode
  bool holds_write_access_ = false;
};

// The bytes struct linux_dirent64 needs for a name of `name_length` bytes.
size_t DirentRecordLength(size_t name_length);

}  // namespace sentry::vfs

#endif  // RINGFENCE_KERNEL_VFS_FILE_DESCRIPTION_H_
