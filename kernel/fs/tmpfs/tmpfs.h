// tmpfs: a file system whose files live in memory.
//
//   vfs::RefPtr<vfs::Inode> root = TRY(tmpfs::Create(options));
//   TRY(vfs.Mount(caller, "/tmp", root, 0));
//
// Directories keep their entries in creation order, each with a cookie that
// never changes (getdents positions stay valid while entries come and go),
// plus a by-name index for lookups. Regular files keep their data in 4 KiB
// pages from a PageSource in a sparse, sorted page list: holes read as zeros
// and take no memory. Symlinks, fifos, sockets and device nodes are inodes
// with no data (the latter open as ENXIO until pipes/devices are wired in,
// see vfs::Inode::Open).
//
// Locking: the file system's namespace_lock guards every directory's
// entries, link counts' changes and ".." pointers; an inode's lock_ guards
// its attributes and file data. Order: namespace_lock, then inode locks.
//
// Limits: `max_bytes` (size=) bounds the data pages (ENOSPC); `max_inodes`
// (nr_inodes=) the inodes (ENOSPC); files are at most kMaxFileSize (EFBIG);
// `max_xattr_bytes` bounds the extended attributes' names and values of the
// whole file system (ENOSPC), each inode's set also having XattrSet's limits.
#ifndef RINGFENCE_KERNEL_FS_TMPFS_TMPFS_H_
#define RINGFENCE_KERNEL_FS_TMPFS_TMPFS_H_

#include <atomic>
#include <cstdint>

#include "kernel/fs/tmpfs/page_source.h"
#include "kernel/fs/tmpfs/xattr_set.h"
#include "kernel/ktl/result.h"
#include "kernel/ktl/spinlock.h"
#include "kernel/ktl/vector.h"
#include "kernel/vfs/inode.h"

namespace sentry::tmpfs {

inline constexpr uint64_t kMaxFileSize = uint64_t{1} << 43;  // 8 TiB, like a 4-level page list
// st_size of a directory: Linux's tmpfs counts BOGO_DIRENT_SIZE per entry.
inline constexpr uint64_t kBogoDirentSize = 20;
// Default bound on a file system's extended-attribute bytes.
inline constexpr uint64_t kDefaultMaxXattrBytes = uint64_t{4} << 20;

struct Options {
  vfs::Clock* clock = nullptr;  // required; must outlive the file system
  PageSource* pages = nullptr;  // required; must outlive the file system
  uint64_t max_bytes = 0;       // 0: no limit
  uint64_t max_inodes = 0;      // 0: no limit
  uint64_t max_xattr_bytes = kDefaultMaxXattrBytes;  // 0: no limit
  uint32_t root_mode = 01777;
  uint32_t root_uid = 0;
  uint32_t root_gid = 0;
};

// A new tmpfs; returns its root directory (mount that). EINVAL without a
// clock or page source, ENOMEM.
ktl::Result<vfs::RefPtr<vfs::Inode>> Create(const Options& options);

class FileSystem final : public vfs::FileSystem {
 public:
  explicit FileSystem(const Options& options) : options_(options) {}
  const char* name() const override { return "tmpfs"; }
  vfs::FsStats Statfs() override;

  vfs::Timespec Now() { return options_.clock->Now(); }
  uint64_t NextIno() { return next_ino_.fetch_add(1, std::memory_order_relaxed); }
  // A data page, charged against max_bytes (ENOSPC).
  ktl::Result<Page> AllocatePage();
  void FreePage(const Page& page);
  // Charges / releases one inode against max_inodes (ENOSPC).
  ktl::Result<void> ChargeInode();
  void ReleaseInode() { inodes_.fetch_sub(1, std::memory_order_relaxed); }
  // Grows (bytes > 0: ENOSPC past max_xattr_bytes) or shrinks the
  // extended-attribute bytes in use.
  ktl::Result<void> ChargeXattrBytes(ptrdiff_t bytes);

  PageSource& page_source() const { return *options_.pages; }
  size_t pages_used() const { return pages_.load(std::memory_order_relaxed); }
  size_t inodes_used() const { return inodes_.load(std::memory_order_relaxed); }
  size_t xattr_bytes_used() const { return xattr_bytes_.load(std::memory_order_relaxed); }

  ktl::Spinlock namespace_lock;

 private:
  Options options_;
  std::atomic<uint64_t> next_ino_{1};
  std::atomic<size_t> pages_{0};
  std::atomic<size_t> inodes_{0};
  std::atomic<size_t> xattr_bytes_{0};
};

// Attributes common to every tmpfs inode.
class Inode : public vfs::Inode {
 public:
  Inode(FileSystem* fs, const vfs::NewInode& attr);
  ~Inode() override;

  vfs::Attr Getattr() override;
  ktl::Result<void> Setattr(const vfs::SetAttr& change) override;

  ktl::Result<void> Getxattr(ktl::StringView name, ktl::Vector<char>* out) override;
  ktl::Result<void> Setxattr(ktl::StringView name, std::span<const char> value,
                             uint32_t flags) override;
  ktl::Result<void> Listxattr(ktl::Vector<char>* out) override;
  ktl::Result<void> Removexattr(ktl::StringView name) override;

  FileSystem& tmpfs() const { return static_cast<FileSystem&>(fs()); }

  // Guarded by the namespace lock for changes; atomic so Getattr may read it.
  std::atomic<uint32_t> nlink{0};

  // Sets ctime (and mtime if `modified`) to now. Takes lock_.
  void Touch(bool modified);

 protected:
  // Size and 512-byte blocks for Getattr. Called with lock_ held.
  virtual uint64_t SizeLocked() { return 0; }
  virtual uint64_t BlocksLocked() { return 0; }
  // Changes the size (truncate). Called with lock_ held.
  virtual ktl::Result<void> ResizeLocked(uint64_t size) { return ktl::Errno::kEINVAL; }

  // Guarded by lock_.
  uint32_t mode_;
  uint32_t uid_;
  uint32_t gid_;
  uint64_t rdev_;
  vfs::Timespec atime_, mtime_, ctime_;
  XattrSet xattrs_;
};

class Directory final : public Inode {
 public:
  Directory(FileSystem* fs, const vfs::NewInode& attr, uint64_t parent_ino);
  ~Directory() override;

  ktl::Result<vfs::RefPtr<vfs::Inode>> Lookup(ktl::StringView name) override;
  ktl::Result<vfs::RefPtr<vfs::Inode>> Create(ktl::StringView name,
                                              const vfs::NewInode& attr) override;
  ktl::Result<vfs::RefPtr<vfs::Inode>> Mkdir(ktl::StringView name,
                                             const vfs::NewInode& attr) override;
  ktl::Result<vfs::RefPtr<vfs::Inode>> Symlink(ktl::StringView name, ktl::StringView target,
                                               const vfs::NewInode& attr) override;
  ktl::Result<void> Link(ktl::StringView name, vfs::Inode& target) override;
  ktl::Result<void> Unlink(ktl::StringView name) override;
  ktl::Result<void> Rmdir(ktl::StringView name) override;
  ktl::Result<void> Rename(ktl::StringView old_name, vfs::Inode& new_dir,
                           ktl::StringView new_name, uint32_t flags) override;
  ktl::Result<void> ReadDir(uint64_t cookie,
                            ktl::FunctionRef<bool(const vfs::DirEntry&)> emit) override;

 protected:
  uint64_t SizeLocked() override;

 private:
  struct Entry {
    ~Entry() { delete[] name; }
    ktl::StringView Name() const { return ktl::StringView(name, name_length); }
    char* name = nullptr;
    size_t name_length = 0;
    vfs::RefPtr<Inode> inode;
    uint64_t cookie = 0;
  };
  // All below: the namespace lock is held.
  Entry* FindLocked(ktl::StringView name) const;
  size_t NameIndexLocked(ktl::StringView name) const;
  size_t CookieIndexLocked(uint64_t cookie) const;
  // Adds `inode` as `name` (EEXIST, ENOENT in a removed directory, ENOMEM).
  ktl::Result<void> InsertLocked(ktl::StringView name, vfs::RefPtr<Inode> inode);
  // Removes and returns the entry (the caller deletes it).
  Entry* RemoveLocked(ktl::StringView name);
  // Adds a new inode of the right class for attr.mode.
  ktl::Result<vfs::RefPtr<vfs::Inode>> AddNewLocked(ktl::StringView name,
                                                    vfs::RefPtr<Inode> inode);
  // Drops one link of `inode` whose entry went away (directories: all).
  void DropLinkLocked(Inode& inode);

  ktl::Vector<Entry*> by_cookie_;  // owned; creation order == cookie order
  ktl::Vector<Entry*> by_name_;    // the same entries, sorted by name
  uint64_t next_cookie_ = 2;       // 0 is ".", 1 is ".."
  uint64_t parent_ino_;
  bool removed_ = false;  // rmdir'ed: no new entries
  std::atomic<uint64_t> entry_count_{0};
};

class RegularFile final : public Inode {
 public:
  RegularFile(FileSystem* fs, const vfs::NewInode& attr) : Inode(fs, attr) {}
  ~RegularFile() override;

  ktl::Result<size_t> Read(vfs::IoBuffer& dst, uint64_t offset) override;
  ktl::Result<size_t> Write(vfs::IoBuffer& src, uint64_t offset, bool append,
                            uint64_t* end) override;
  // MAP_SHARED and MAP_PRIVATE map the file's own frames when they come
  // from `pages`; otherwise (a heap page source) the generic page cache.
  ktl::Result<vfs::RefPtr<mm::MemoryObject>> GetMemoryObject(mm::PageAllocator& pages) override;
  ktl::Result<void> Allocate(uint64_t offset, uint64_t length, bool keep_size) override;

  // Pages holding data (for tests: holes take none).
  size_t resident_pages();
  // For mappings: the frame of page `index` (allocated if a hole) with a
  // reference from `pages`; ENXIO wholly past the end, ENOSPC.
  ktl::Result<mm::PhysAddr> MapPage(uint64_t index, mm::PageAllocator& pages);
  bool HasPage(uint64_t index);

 protected:
  uint64_t SizeLocked() override { return size_; }
  uint64_t BlocksLocked() override { return pages_.size() * (kPageSize / 512); }
  ktl::Result<void> ResizeLocked(uint64_t size) override;

 private:
  struct Slot {
    uint64_t index;  // page number within the file
    Page page;
  };
  // Index in pages_ of the first slot with index >= `page`.
  size_t SlotIndexLocked(uint64_t page) const;
  // The page for file page `page`, allocating it (zeroed) if absent.
  ktl::Result<std::byte*> PageForWriteLocked(uint64_t page);

  uint64_t size_ = 0;         // Guarded by lock_.
  ktl::Vector<Slot> pages_;   // Guarded by lock_. Sorted by index; sparse.
};

class Symlink final : public Inode {
 public:
  Symlink(FileSystem* fs, const vfs::NewInode& attr) : Inode(fs, attr) {}
  ktl::Result<void> SetTarget(ktl::StringView target);
  ktl::Result<void> Readlink(ktl::Vector<char>* out) override;

 protected:
  uint64_t SizeLocked() override { return target_.size(); }

 private:
  ktl::Vector<char> target_;  // immutable after SetTarget
};

// Fifos, sockets, device nodes: attributes only.
class SpecialFile final : public Inode {
 public:
  SpecialFile(FileSystem* fs, const vfs::NewInode& attr) : Inode(fs, attr) {}
};

}  // namespace sentry::tmpfs

#endif  // RINGFENCE_KERNEL_FS_TMPFS_TMPFS_H_
