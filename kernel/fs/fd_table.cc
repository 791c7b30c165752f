#include "kernel/fs/fd_table.h"

namespace sentry::fs {

FdTable::~FdTable() {
  for (size_t fd = 0; fd < entries_.size(); ++fd) {
    if (entries_[fd].file) entries_[fd].file->Unref();
  }
}

ktl::Result<void> FdTable::CopyTo(FdTable& copy) const {
  TRY(copy.Grow(entries_.size()));
  for (size_t fd = 0; fd < entries_.size(); ++fd) {
    if (entries_[fd].file) entries_[fd].file->Ref();
    copy.entries_[fd] = entries_[fd];
  }
  return ktl::Ok();
}

ktl::Result<FileRef> FdTable::Get(int fd) const {
  if (fd < 0 || static_cast<size_t>(fd) >= entries_.size() || !entries_[fd].file) {
    return ktl::Errno::kEBADF;
  }
  entries_[fd].file->Ref();
  return FileRef(entries_[fd].file);
}

ktl::Result<void> FdTable::Grow(size_t size) {
  while (entries_.size() < size) TRY(entries_.PushBack(Entry{}));
  return ktl::Ok();
}

ktl::Result<int> FdTable::Install(File* file, int minimum, bool close_on_exec, uint64_t limit) {
  if (minimum < 0 || static_cast<uint64_t>(minimum) >= limit) return ktl::Errno::kEINVAL;
  size_t fd = static_cast<size_t>(minimum);
  while (fd < entries_.size() && entries_[fd].file) ++fd;
  if (fd >= limit) return ktl::Errno::kEMFILE;
  TRY(Grow(fd + 1));
  file->Ref();
  entries_[fd] = Entry{file, close_on_exec};
  return static_cast<int>(fd);
}

ktl::Result<void> FdTable::InstallAt(int fd, File* file, bool close_on_exec, uint64_t limit) {
  if (fd < 0 || static_cast<uint64_t>(fd) >= limit) return ktl::Errno::kEBADF;
  TRY(Grow(static_cast<size_t>(fd) + 1));
  file->Ref();
  File* previous = entries_[fd].file;
  entries_[fd] = Entry{file, close_on_exec};
  if (previous) previous->Unref();
  return ktl::Ok();
}

bool FdTable::HasFreeBelow(uint64_t limit) const {
  for (size_t fd = 0; fd < entries_.size() && fd < limit; ++fd) {
    if (!entries_[fd].file) return true;
  }
  return entries_.size() < limit;
}

ktl::Result<void> FdTable::Close(int fd) {
  if (fd < 0 || static_cast<size_t>(fd) >= entries_.size() || !entries_[fd].file) {
    return ktl::Errno::kEBADF;
  }
  File* file = entries_[fd].file;
  entries_[fd] = Entry{};
  file->Unref();
  return ktl::Ok();
}

ktl::Result<bool> FdTable::CloseOnExec(int fd) const {
  if (fd < 0 || static_cast<size_t>(fd) >= entries_.size() || !entries_[fd].file) {
    return ktl::Errno::kEBADF;
  }
  return entries_[fd].close_on_exec;
}

ktl::Result<void> FdTable::SetCloseOnExec(int fd, bool close_on_exec) {
  if (fd < 0 || static_cast<size_t>(fd) >= entries_.size() || !entries_[fd].file) {
    return ktl::Errno::kEBADF;
  }
  entries_[fd].close_on_exec = close_on_exec;
  return ktl::Ok();
}

}  // namespace sentry::fs
