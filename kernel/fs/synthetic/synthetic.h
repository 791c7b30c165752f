// Building blocks for file systems whose contents the kernel makes up
// (/dev, /proc, /sys): directories that list fixed or computed children,
// read-only files whose text is generated per open, symlinks with fixed or
// computed targets, and an open description that forwards to another File.
//
// These file systems are not writable by name: creating, removing or
// renaming entries is EPERM, changing attributes EPERM, as in Linux's
// procfs and sysfs for everything they do not explicitly allow.
#ifndef RINGFENCE_KERNEL_FS_SYNTHETIC_SYNTHETIC_H_
#define RINGFENCE_KERNEL_FS_SYNTHETIC_SYNTHETIC_H_

#include <atomic>
#include <cstdint>

#include "kernel/ktl/format.h"
#include "kernel/ktl/result.h"
#include "kernel/ktl/vector.h"
#include "kernel/vfs/file_description.h"
#include "kernel/vfs/inode.h"

namespace sentry::synthetic {

using vfs::RefPtr;

// One instance: its name (the /proc/mounts type), an inode-number source
// and the time every inode reports (the mount time, as sysfs shows).
class FileSystem final : public vfs::FileSystem {
 public:
  FileSystem(const char* name, vfs::Timespec mount_time) : name_(name), time_(mount_time) {}
  const char* name() const override { return name_; }
  uint64_t NextIno() { return next_ino_.fetch_add(1, std::memory_order_relaxed); }
  vfs::Timespec time() const { return time_; }

 private:
  const char* name_;
  vfs::Timespec time_;
  std::atomic<uint64_t> next_ino_{1};
};

// Owner and mode of a synthetic inode.
struct InodeAttr {
  uint32_t mode;  // type | permissions
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t rdev = 0;
};

// The common part: fixed attributes, no attribute changes, no name changes.
class Inode : public vfs::Inode {
 public:
  Inode(FileSystem* fs, const InodeAttr& attr)
      : vfs::Inode(fs, fs->NextIno(), attr.mode), attr_(attr) {}
  Inode(FileSystem* fs, uint64_t ino, const InodeAttr& attr)
      : vfs::Inode(fs, ino, attr.mode), attr_(attr) {}

  vfs::Attr Getattr() override;
  ktl::Result<void> Setattr(const vfs::SetAttr& change) override;

 protected:
  FileSystem& synthetic_fs() const { return static_cast<FileSystem&>(fs()); }
  InodeAttr attr_;
};

// A name in a listing (names of synthetic entries are short).
struct Entry {
  char name[32];
  uint64_t ino;
  uint8_t type;  // kDT_*
};
// Fills an Entry; false if `name` does not fit.
bool MakeEntry(ktl::StringView name, uint64_t ino, uint32_t mode, Entry* out);

// A directory whose children a subclass lists and looks up (a process's fd
// directory, /proc's pid entries). Directory positions are indices into
// the listing ("." and ".." first), so a child appearing or vanishing
// between two getdents calls may shift the rest by one, as in procfs.
class Directory : public Inode {
 public:
  Directory(FileSystem* fs, uint32_t permissions, uint32_t uid = 0, uint32_t gid = 0)
      : Inode(fs, InodeAttr{vfs::kS_IFDIR | permissions, uid, gid}) {}

  ktl::Result<void> ReadDir(uint64_t cookie,
                            ktl::FunctionRef<bool(const vfs::DirEntry&)> emit) override;
  ktl::Result<RefPtr<vfs::Inode>> Lookup(ktl::StringView name) override = 0;
  vfs::Attr Getattr() override;

  // Not writable by name.
  ktl::Result<RefPtr<vfs::Inode>> Create(ktl::StringView, const vfs::NewInode&) override;
  ktl::Result<RefPtr<vfs::Inode>> Mkdir(ktl::StringView, const vfs::NewInode&) override;
  ktl::Result<RefPtr<vfs::Inode>> Symlink(ktl::StringView, ktl::StringView,
                                          const vfs::NewInode&) override;
  ktl::Result<void> Link(ktl::StringView, vfs::Inode&) override;
  ktl::Result<void> Unlink(ktl::StringView) override;
  ktl::Result<void> Rmdir(ktl::StringView) override;
  ktl::Result<void> Rename(ktl::StringView, vfs::Inode&, ktl::StringView, uint32_t) override;

  // Appends the children (without "." and ".."), in a stable order.
  virtual ktl::Result<void> List(ktl::Vector<Entry>* out) = 0;
  // How many children are directories (st_nlink is 2 plus that).
  virtual uint32_t SubdirectoryCount() { return 0; }
};

// A directory with a fixed set of children, added while the tree is built.
class StaticDirectory final : public Directory {
 public:
  using Directory::Directory;

  // Adds `child` as `name` (at most 31 bytes). ENOMEM, or EEXIST.
  ktl::Result<void> Add(ktl::StringView name, RefPtr<vfs::Inode> child);
  // Adds and returns a new subdirectory.
  ktl::Result<RefPtr<StaticDirectory>> AddDirectory(ktl::StringView name,
                                                    uint32_t permissions = 0555);

  ktl::Result<RefPtr<vfs::Inode>> Lookup(ktl::StringView name) override;
  ktl::Result<void> List(ktl::Vector<Entry>* out) override;
  uint32_t SubdirectoryCount() override;

 private:
  struct Child {
    Entry entry;
    RefPtr<vfs::Inode> inode;
  };
  ktl::Vector<Child> children_;  // Guarded by lock_.
};

// A read-only regular file whose text is generated for each open
// description, on its first read, and then served from that snapshot, so
// reads at any offsets of one description see consistent content (as
// Linux's seq_file). st_size is 0, as procfs reports.
class GeneratedFile : public Inode {
 public:
  GeneratedFile(FileSystem* fs, uint32_t permissions = 0444)
      : Inode(fs, InodeAttr{vfs::kS_IFREG | permissions}) {}

  // Appends the file's current text to `out`. Runs without the Vfs tree
  // lock held.
  virtual ktl::Result<void> Generate(ktl::Vector<char>* out) = 0;

  ktl::Result<RefPtr<vfs::FileDescription>> Open(const vfs::Path& path, uint32_t flags) override;
};

// A GeneratedFile with fixed text (copied).
class ConstantFile final : public GeneratedFile {
 public:
  static ktl::Result<RefPtr<ConstantFile>> Make(FileSystem* fs, ktl::StringView text);
  ktl::Result<void> Generate(ktl::Vector<char>* out) override;

 private:
  ConstantFile(FileSystem* fs, ktl::Vector<char> text) : GeneratedFile(fs), text_(std::move(text)) {}
  ktl::Vector<char> text_;
};

// A GeneratedFile whose text a function makes.
class FunctionFile final : public GeneratedFile {
 public:
  using Generator = ktl::Result<void> (*)(ktl::Vector<char>* out);
  FunctionFile(FileSystem* fs, Generator generate) : GeneratedFile(fs), generate_(generate) {}
  ktl::Result<void> Generate(ktl::Vector<char>* out) override { return generate_(out); }

 private:
  Generator generate_;
};

// A symlink with a fixed target (copied).
class Symlink final : public Inode {
 public:
  static ktl::Result<RefPtr<Symlink>> Make(FileSystem* fs, ktl::StringView target);
  ktl::Result<void> Readlink(ktl::Vector<char>* out) override;
  vfs::Attr Getattr() override;  // st_size: the target's length

 private:
  Symlink(FileSystem* fs, ktl::Vector<char> target)
      : Inode(fs, InodeAttr{vfs::kS_IFLNK | 0777}), target_(std::move(target)) {}
  ktl::Vector<char> target_;
};

// An open description that hands every operation to another File (a host
// terminal behind /dev/tty, a stdio file reopened through /proc/self/fd).
// Kernel-buffer I/O (ReadTo/WriteFrom) is EINVAL unless the inner file is
// a VFS description too.
class ForwardingDescription final : public vfs::FileDescription {
 public:
  // Takes a new reference on `inner`. `own_stat`: fstat reports the inner
  // file (a reopened file) rather than the inode at `path` (a device node).
  ForwardingDescription(fs::File* inner, uint32_t flags, vfs::Path path, bool inner_stat);
  ~ForwardingDescription() override;

  ktl::Result<size_t> Read(mm::AddressSpace& memory, std::span<const fs::UserSegment> segments,
                           int64_t offset) override;
  ktl::Result<size_t> Write(mm::AddressSpace& memory, std::span<const fs::UserSegment> segments,
                            int64_t offset) override;
  ktl::Result<void> Stat(linux_abi::Stat* out) override;
  ktl::Result<int64_t> Ioctl(mm::AddressSpace& memory, uint32_t request,
                             uint64_t argument) override;
  bool seekable() const override { return inner_->seekable(); }
  ktl::Result<int64_t> Lseek(int64_t offset, int whence) override;
  ktl::Result<size_t> ReadTo(vfs::IoBuffer& dst, int64_t offset) override;
  ktl::Result<size_t> WriteFrom(vfs::IoBuffer& src, int64_t offset) override;

 private:
  fs::File* inner_;
  bool inner_stat_;
};

// Appends printf-style text (ktl::FormatTo syntax) to `out`.
template <typename... Args>
ktl::Result<void> Appendf(ktl::Vector<char>* out, const char* fmt, const Args&... args) {
  size_t old_size = out->size();
  char small[256];
  size_t wanted = ktl::FormatTo(small, sizeof(small), fmt, args...);
  TRY(out->Resize(old_size + wanted + 1));
  if (wanted < sizeof(small)) {
    ktl::MemCopy(out->data() + old_size, small, wanted);
  } else {
    ktl::FormatTo(out->data() + old_size, wanted + 1, fmt, args...);
  }
  TRY(out->Resize(old_size + wanted));  // drop the NUL
  return ktl::Ok();
}

// Appends raw bytes.
ktl::Result<void> Append(ktl::Vector<char>* out, ktl::StringView text);

// The inode number a directory entry reports for a synthetic child whose
// number is computed (pids, fds): hashed into a range the counters never
// reach.
inline uint64_t DerivedIno(uint64_t parent_ino, uint64_t index) {
  return (uint64_t{1} << 40) | (parent_ino << 20) | (index & 0xfffff);
}

}  // namespace sentry::synthetic

#endif  // RINGFENCE_KERNEL_FS_SYNTHETIC_SYNTHETIC_H_
