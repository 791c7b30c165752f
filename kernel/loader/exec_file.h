// ExecFile: a file execve(2) reads (the program, a script's interpreter, the
// ELF interpreter), wherever its bytes come from.
//
// The loader reads every file through this interface, so the same parsing
// and mapping code serves a VFS file description (VfsExecFile, below) and
// the executable the CLI hands the VMM (HandleExecFile, Sentry-only).
//
// OpenExecutable() is execve's open: Linux's do_open_execat rules.
#ifndef RINGFENCE_KERNEL_LOADER_EXEC_FILE_H_
#define RINGFENCE_KERNEL_LOADER_EXEC_FILE_H_

#include <atomic>
#include <cstdint>

#include "kernel/ktl/result.h"
#include "kernel/ktl/string.h"
#include "kernel/vfs/file_description.h"
#include "kernel/vfs/io_buffer.h"
#include "kernel/vfs/ref_ptr.h"
#include "kernel/vfs/vfs.h"

namespace sentry::loader {

class ExecFile {
 public:
  ExecFile() = default;
  virtual ~ExecFile() = default;
  ExecFile(const ExecFile&) = delete;
  ExecFile& operator=(const ExecFile&) = delete;

  void Ref() { references_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() {
    if (references_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  // The size when the file was opened (the ELF checks bound ranges by it).
  virtual uint64_t size() const = 0;
  // Reads up to dst.size() bytes at `offset`; fewer only at the end.
  virtual ktl::Result<size_t> ReadTo(vfs::IoBuffer& dst, uint64_t offset) = 0;
  // Where the file is in the VFS (what /proc/PID/exe shows), or null for a
  // file from outside it.
  virtual const vfs::Path* path() const { return nullptr; }

  // Reads exactly dst.size() bytes at `offset`: EIO if the file ends first
  // (it shrank after the checks that used size()).
  ktl::Result<void> ReadExactly(vfs::IoBuffer& dst, uint64_t offset);
  // Reads [offset, offset + out.size()) into kernel memory, exactly.
  ktl::Result<void> ReadExactly(std::span<uint8_t> out, uint64_t offset);

 private:
  std::atomic<uint32_t> references_{1};
};

// A regular file of the VFS, opened for execution.
class VfsExecFile final : public ExecFile {
 public:
  VfsExecFile(vfs::RefPtr<vfs::FileDescription> description, uint64_t size)
      : description_(std::move(description)), size_(size) {}
  uint64_t size() const override { return size_; }
  ktl::Result<size_t> ReadTo(vfs::IoBuffer& dst, uint64_t offset) override;
  const vfs::Path* path() const override { return &description_->path(); }

 private:
  vfs::RefPtr<vfs::FileDescription> description_;
  uint64_t size_;
};

// Opens `path` (relative to caller.start) for execution as execve(2) does:
// resolution errors as open(2) (ENOENT, ENOTDIR, ELOOP, EACCES for a
// directory on the way...), then EACCES unless the target is a regular file
// on a mount without noexec that the caller may execute (for root: at
// least one execute bit). Read permission is not needed.
// at_flags (execveat): kAT_EMPTY_PATH makes an empty path caller.start
// itself; with kAT_SYMLINK_NOFOLLOW a symbolic link as the last component
// is ELOOP.
ktl::Result<vfs::RefPtr<ExecFile>> OpenExecutable(vfs::Vfs& vfs, const vfs::Caller& caller,
                                                  ktl::StringView path, uint32_t at_flags = 0);

}  // namespace sentry::loader

#endif  // RINGFENCE_KERNEL_LOADER_EXEC_FILE_H_
