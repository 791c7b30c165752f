#include "kernel/loader/exec_file.h"

#include "kernel/vfs/inode.h"
#include "kernel/vfs/permission.h"

namespace sentry::loader {

using ktl::Errno;

namespace {

// The part of `inner` from byte `start` on.
class IoBufferTail final : public vfs::IoBuffer {
 public:
  IoBufferTail(vfs::IoBuffer& inner, size_t start) : inner_(inner), start_(start) {}
  size_t size() const override { return inner_.size() - start_; }
  ktl::Result<void> CopyOut(size_t at, const void* data, size_t length) override {
    return inner_.CopyOut(start_ + at, data, length);
  }
  ktl::Result<void> CopyIn(size_t at, void* out, size_t length) override {
    return inner_.CopyIn(start_ + at, out, length);
  }

 private:
  vfs::IoBuffer& inner_;
  size_t start_;
};

}  // namespace

ktl::Result<void> ExecFile::ReadExactly(vfs::IoBuffer& dst, uint64_t offset) {
  // ReadTo may stop short of dst.size() only at the end of the file, so one
  // call suffices unless the file changed; loop anyway for file systems that
  // return partial reads.
  size_t done = 0;
  while (done < dst.size()) {
    IoBufferTail window(dst, done);
    size_t got = TRY(ReadTo(window, offset + done));
    if (got == 0) return Errno::kEIO;
    done += got;
  }
  return ktl::Ok();
}

ktl::Result<void> ExecFile::ReadExactly(std::span<uint8_t> out, uint64_t offset) {
  vfs::KernelIoBuffer buffer(static_cast<void*>(out.data()), out.size());
  return ReadExactly(buffer, offset);
}

ktl::Result<size_t> VfsExecFile::ReadTo(vfs::IoBuffer& dst, uint64_t offset) {
  if (offset > static_cast<uint64_t>(INT64_MAX)) return Errno::kEINVAL;
  return description_->ReadTo(dst, static_cast<int64_t>(offset));
}

ktl::Result<vfs::RefPtr<ExecFile>> OpenExecutable(vfs::Vfs& vfs, const vfs::Caller& caller,
                                                  ktl::StringView path, uint32_t at_flags) {
  vfs::Path target = TRY(vfs.Resolve(caller, path, at_flags));
  vfs::Inode& inode = target.inode();
  if ((at_flags & vfs::kAT_SYMLINK_NOFOLLOW) && inode.IsSymlink()) return Errno::kELOOP;
  // may_open: a directory opened for MAY_EXEC is EACCES; do_open_execat:
  // anything but a regular file, or a noexec mount, is EACCES too.
  if (!inode.IsRegular()) return Errno::kEACCES;
  if (target.mount->flags() & vfs::kMountNoExec) return Errno::kEACCES;
  vfs::Attr attr = inode.Getattr();
  TRY(vfs::CheckPermission(caller.creds, attr, vfs::kMayExec));
  // The description itself reads with the kernel's authority: execve needs
  // no read permission on a binary (the interpreter of a script does).
  vfs::RefPtr<vfs::FileDescription> description = TRY(inode.Open(target, vfs::kO_RDONLY));
  auto* file = new (std::nothrow) VfsExecFile(std::move(description), attr.size);
  if (file == nullptr) return Errno::kENOMEM;
  return vfs::RefPtr<ExecFile>::Adopt(file);
}

}  // namespace sentry::loader
