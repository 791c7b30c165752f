// A process's file descriptor table.
#ifndef RINGFENCE_KERNEL_FS_FD_TABLE_H_
#define RINGFENCE_KERNEL_FS_FD_TABLE_H_

#include "kernel/fs/file.h"
#include "kernel/ktl/result.h"
#include "kernel/ktl/vector.h"

namespace sentry::fs {

// A counted reference to a File, released when it goes out of scope.
class FileRef {
 public:
  FileRef() = default;
  explicit FileRef(File* file) : file_(file) {}  // adopts one reference
  FileRef(FileRef&& other) : file_(other.file_) { other.file_ = nullptr; }
  FileRef(const FileRef&) = delete;
  ~FileRef() {
    if (file_) file_->Unref();
  }
  File* operator->() const { return file_; }
  File& operator*() const { return *file_; }
  File* get() const { return file_; }

 private:
  File* file_ = nullptr;
};

class FdTable {
 public:
  FdTable() = default;
  FdTable(const FdTable&) = delete;
  ~FdTable();

  // fork(2): this table's entries (new references on the same open files,
  // close-on-exec flags kept) copied into the empty table `copy`. ENOMEM.
  ktl::Result<void> CopyTo(FdTable& copy) const;
  // The file at `fd` with a new reference; EBADF if none.
  ktl::Result<FileRef> Get(int fd) const;
  // Installs `file` (taking a new reference) at the lowest free fd >=
  // `minimum`, below `limit` (RLIMIT_NOFILE): EMFILE if none.
  ktl::Result<int> Install(File* file, int minimum, bool close_on_exec, uint64_t limit);
  // Installs at exactly `fd`, closing what was there (dup2/dup3).
  ktl::Result<void> InstallAt(int fd, File* file, bool close_on_exec, uint64_t limit);
  // Whether Install(_, 0, _, limit) would find a free fd (open(2) reserves
  // its fd before it resolves the path: EMFILE wins over ENOENT).
  bool HasFreeBelow(uint64_t limit) const;
  ktl::Result<void> Close(int fd);
  ktl::Result<bool> CloseOnExec(int fd) const;
  ktl::Result<void> SetCloseOnExec(int fd, bool close_on_exec);
  // One past the highest slot the table has (every open fd is below it):
  // the bound for walking the table (/proc/<pid>/fd) and FDSize.
  size_t slot_count() const { return entries_.size(); }

 private:
  struct Entry {
    File* file = nullptr;
    bool close_on_exec = false;
  };
  ktl::Result<void> Grow(size_t size);

  ktl::Vector<Entry> entries_;
};

}  // namespace sentry::fs

#endif  // RINGFENCE_KERNEL_FS_FD_TABLE_H_
