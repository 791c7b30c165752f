// Inode: a file-system object (file, directory, symlink, fifo, socket,
// device) and the operations a file system implements on it; FileSystem: one
// mounted instance (a superblock).
//
// Division of labour with the VFS (kernel/vfs/vfs.h), as in Linux:
//   - the VFS resolves paths, checks permissions (including sticky
//     directories and read-only mounts), checks file types for unlink/rmdir/
//     rename (EISDIR, ENOTDIR) and keeps the dentry cache coherent;
//   - the file system stores names and data and enforces what only it
//     knows: EEXIST/ENOENT on its own entries, ENOTEMPTY, ENOSPC, EFBIG,
//     EXDEV for objects of another file system.
// Names passed in are single components: non-empty, no '/', not "." or
// "..", at most kNameMax bytes (the VFS guarantees it).
//
// Reference counting: an Inode starts with one reference (adopted by
// MakeRef) and is deleted when the last goes. Directories hold references to
// their children; dentries, open files and mounts hold references too.
//
// Locking: lock_ guards the mutable state of the inode (attributes, data,
// entries) as each file system defines it. Lock order, outermost first: the
// VFS tree lock, a file system's namespace lock, inode locks (a directory's
// before its children's). Spinlocks today; they become sleeping mutexes when
// the Sentry has wait queues and I/O can block.
#ifndef RINGFENCE_KERNEL_VFS_INODE_H_
#define RINGFENCE_KERNEL_VFS_INODE_H_

#include <atomic>
#include <cstdint>
#include <span>

#include "kernel/ktl/function_ref.h"
#include "kernel/ktl/result.h"
#include "kernel/ktl/spinlock.h"
#include "kernel/ktl/string.h"
#include "kernel/ktl/vector.h"
#include "kernel/mm/memory_object.h"
#include "kernel/vfs/file_lock.h"
#include "kernel/vfs/io_buffer.h"
#include "kernel/vfs/ref_ptr.h"
#include "kernel/vfs/types.h"

namespace sentry::vfs {

class FileDescription;
class Inode;
class InodePageCache;
struct Path;

// What statfs(2) reports about a file system. Block and file counts of 0
// mean "no limit" (as Linux's tmpfs without size=/nr_inodes=).
struct FsStats {
  uint64_t magic = 0;  // f_type: TMPFS_MAGIC...
  uint64_t block_size = 4096;
  uint64_t blocks = 0, blocks_free = 0;
  uint64_t files = 0, files_free = 0;
  uint64_t name_max = kNameMax;
};

// One file-system instance (a superblock). Owned by its inodes, each of
// which holds a reference; a file system's root inode is what mounts hold
// (Vfs::Mount takes the root), so the instance lives while it is mounted
// or any of its inodes is in use.
class FileSystem {
 public:
  FileSystem();
  virtual ~FileSystem() = default;
  FileSystem(const FileSystem&) = delete;
  FileSystem& operator=(const FileSystem&) = delete;

  void Ref() { references_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() {
    if (references_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  // "tmpfs", "proc", ...: /proc/mounts' type column.
  virtual const char* name() const = 0;
  // statfs(2)'s numbers.
  virtual FsStats Statfs() { return FsStats{}; }
  // st_dev of every inode: an anonymous device number (major 0), unique
  // among live file systems.
  uint64_t device() const { return device_; }
  // Whether an unused dentry of this file system may be dropped from the
  // dentry cache because Lookup rebuilds it (same node, same st_ino). False
  // for file systems whose inodes hold the only copy of the data (tmpfs).
  virtual bool dentries_evictable() const { return false; }
  // Whether nothing in the sandbox can change the data of its files (a
  // Gofer tree served read-only: the Gofer refuses every change). Their
  // page caches outlive their last mapping (see InodePageCache).
  virtual bool data_read_only() const { return false; }
  // Called with the root of each mount of this file system after the VFS
  // dropped unused dentries (MountTable::SweepUnused): a file system with
  // caches of its own (overlay) drops what nothing uses any more; returns
  // how many entries went.
  virtual size_t PruneCaches(Inode& mount_root) {
    (void)mount_root;
    return 0;
  }

 private:
  std::atomic<uint32_t> references_{1};
  uint64_t device_;
};

// What opens FIFO inodes as pipe ends (kernel/ipc/fifo.cc in the Sentry;
// none in hosted builds).
using FifoOpener = ktl::Result<RefPtr<FileDescription>> (*)(Inode& inode, const Path& path,
                                                            uint32_t flags);
void SetFifoOpener(FifoOpener opener);

class Inode {
 public:
  // `mode` fixes the file type for the inode's life.
  Inode(FileSystem* fs, uint64_t ino, uint32_t mode);
  virtual ~Inode();
  Inode(const Inode&) = delete;
  Inode& operator=(const Inode&) = delete;

  void Ref() { references_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() {
    if (references_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
  // Whether the caller's reference is the only one (for caches that drop
  // what nobody else uses).
  bool HasOneReference() const { return references_.load(std::memory_order_acquire) == 1; }

  FileSystem& fs() const { return *fs_; }
  uint64_t ino() const { return ino_; }
  uint32_t type() const { return type_; }  // the kS_IFMT bits
  bool IsDir() const { return type_ == kS_IFDIR; }
  bool IsRegular() const { return type_ == kS_IFREG; }
  bool IsSymlink() const { return type_ == kS_IFLNK; }

  // --- attributes (every inode) ------------------------------------------
  virtual Attr Getattr() = 0;
  virtual ktl::Result<void> Setattr(const SetAttr& change) = 0;

  // --- directories (defaults: ENOTDIR) ------------------------------------
  // The child called `name`; ENOENT if none.
  virtual ktl::Result<RefPtr<Inode>> Lookup(ktl::StringView name);
  // Creates a regular file, fifo, socket or device node (`attr.mode` has the
  // type). EEXIST if the name is taken.
  virtual ktl::Result<RefPtr<Inode>> Create(ktl::StringView name, const NewInode& attr);
  virtual ktl::Result<RefPtr<Inode>> Mkdir(ktl::StringView name, const NewInode& attr);
  virtual ktl::Result<RefPtr<Inode>> Symlink(ktl::StringView name, ktl::StringView target,
                                             const NewInode& attr);
  // A new name for `target` (not a directory). EXDEV if it belongs to
  // another file system, EEXIST if the name is taken.
  virtual ktl::Result<void> Link(ktl::StringView name, Inode& target);
  // Removes the entry `name`, which must not be a directory (the VFS has
  // checked). ENOENT if absent.
  virtual ktl::Result<void> Unlink(ktl::StringView name);
  // Removes the directory `name`: ENOTEMPTY unless it is empty.
  virtual ktl::Result<void> Rmdir(ktl::StringView name);
  // Moves entry `old_name` here to `new_name` in `new_dir` (same file
  // system, else EXDEV), replacing what is there. The VFS has checked the
  // types (file over dir and so on) and `flags` (kRENAME_NOREPLACE: EEXIST if
  // the target exists; kRENAME_EXCHANGE: swap, ENOENT unless both exist).
  // Replacing a non-empty directory is ENOTEMPTY.
  virtual ktl::Result<void> Rename(ktl::StringView old_name, Inode& new_dir,
                                   ktl::StringView new_name, uint32_t flags);
  // Calls `emit` for each entry from position `cookie` on (0 = start, "."
  // and ".." included) until it returns false or the entries end. Cookies
  // stay valid across concurrent changes: an entry present throughout is
  // produced exactly once by a sequence of calls resuming at next_cookie.
  virtual ktl::Result<void> ReadDir(uint64_t cookie, ktl::FunctionRef<bool(const DirEntry&)> emit);

  // --- symlinks (default: EINVAL, as readlink(2) on a non-link) ----------
  // Appends the link's target to `out`.
  virtual ktl::Result<void> Readlink(ktl::Vector<char>* out);
  // Magic links (procfs's fd/N, cwd, root): following one jumps straight to
  // the object it stands for instead of resolving the text Readlink gives
  // (Linux's nd_jump_link), so it works for deleted files, files outside
  // the caller's root and objects with no name at all. `link` is where the
  // link was reached. Called with the Vfs tree lock held.
  virtual bool IsMagicLink() const { return false; }
  virtual ktl::Result<Path> JumpTarget(const Path& link);

  // --- regular files (defaults: EINVAL) -----------------------------------
  // Reads up to dst.size() bytes at `offset`; 0 at or past the end.
  virtual ktl::Result<size_t> Read(IoBuffer& dst, uint64_t offset);
  // Writes src at `offset`, or at the end if `append`, extending the file;
  // `*end` receives the offset just past the written bytes. A short count is
  // returned if space runs out part way (ENOSPC only if nothing fit).
  virtual ktl::Result<size_t> Write(IoBuffer& src, uint64_t offset, bool append, uint64_t* end);

  // fallocate(2) mode 0 / FALLOC_FL_KEEP_SIZE: reserves storage for
  // [offset, offset + length) (ENOSPC, EFBIG), growing the size past the
  // range's end unless `keep_size`. The VFS has checked the range and the
  // file type. Default: EOPNOTSUPP.
  virtual ktl::Result<void> Allocate(uint64_t offset, uint64_t length, bool keep_size);

  // --- extended attributes (defaults: EOPNOTSUPP) ---------------------------
  // `name` is the full name with its namespace ("user.mime_type"); the VFS
  // has checked its length, its namespace and the caller's permission.
  // Appends the value to `out`; ENODATA if there is no such attribute.
  virtual ktl::Result<void> Getxattr(ktl::StringView name, ktl::Vector<char>* out);
  // `flags`: kXATTR_CREATE (EEXIST if present), kXATTR_REPLACE (ENODATA if
  // absent), or 0 for either.
  virtual ktl::Result<void> Setxattr(ktl::StringView name, std::span<const char> value,
                                     uint32_t flags);
  // Appends every attribute name, each NUL-terminated, to `out`.
  virtual ktl::Result<void> Listxattr(ktl::Vector<char>* out);
  // ENODATA if there is no such attribute.
  virtual ktl::Result<void> Removexattr(ktl::StringView name);

  // --- open ------------------------------------------------------------------
  // An open file description for this inode reached at `path`. The VFS has
  // already checked permissions, O_DIRECTORY, O_TRUNC and so on; O_PATH
  // never gets here. The default gives regular files and directories the
  // generic FileDescription (backed by Read/Write/ReadDir above) and
  // refuses the rest with ENXIO: sockets, as Linux does, and device nodes
  // of file systems that do not serve them. FIFOs open through the opener
  // SetFifoOpener installed (ENXIO without one).
  virtual ktl::Result<RefPtr<FileDescription>> Open(const Path& path, uint32_t flags);

  // --- memory mapping ----------------------------------------------------------
  // What mmap(2) maps for this file, with frames from `pages`. The default
  // gives regular files of any file system the inode's page cache (created
  // on first use, shared by every mapping, gone with the last one unless
  // the file system's data is read-only; filled and written back through
  // Read/Write) and refuses the rest with ENODEV.
  // tmpfs maps its own frames instead.
  virtual ktl::Result<RefPtr<mm::MemoryObject>> GetMemoryObject(mm::PageAllocator& pages);
  // The page cache while the file has one (an idle one revived): reads and
  // writes through file descriptors go through it, so they and shared
  // mappings see each other.
  RefPtr<InodePageCache> ActivePageCache();
  // Advisory locks (fcntl record locks, flock) on this file.
  FileLocks& locks() { return locks_; }

  // --- writers vs running programs (Linux's i_writecount) -----------------
  // A description open for writing holds write access; a program being
  // exec'd or running from this file denies it. Each fails with ETXTBSY
  // while the other kind is held.
  ktl::Result<void> GetWriteAccess();
  void PutWriteAccess();
  ktl::Result<void> DenyWriteAccess();
  void AllowWriteAccess();

 protected:
  ktl::Spinlock lock_;

 private:
  friend class InodePageCache;
  friend class IdlePageCaches;
  // Guarded by the IdlePageCaches lock; the cache unregisters itself.
  InodePageCache* page_cache_ = nullptr;

  std::atomic<uint32_t> references_{1};
  // > 0: that many write-access holders; < 0: that many write deniers.
  std::atomic<int32_t> write_count_{0};
  RefPtr<FileSystem> fs_;
  uint64_t ino_;
  uint32_t type_;
  FileLocks locks_;
};

// One write denial on an inode (execve's file, a running program's image):
// copies hold another (which cannot fail: writes are denied already).
class WriteDenial {
 public:
  WriteDenial() = default;
  // ETXTBSY while the inode is open for writing.
  static ktl::Result<WriteDenial> Take(Inode& inode);
  WriteDenial(const WriteDenial& other);
  WriteDenial(WriteDenial&& other) : inode_(std::move(other.inode_)) {}
  WriteDenial& operator=(WriteDenial other) {
    Release();
    inode_ = std::move(other.inode_);
    return *this;
  }
  ~WriteDenial() { Release(); }
  bool held() const { return static_cast<bool>(inode_); }

 private:
  explicit WriteDenial(RefPtr<Inode> inode) : inode_(std::move(inode)) {}
  void Release();
  RefPtr<Inode> inode_;
};

}  // namespace sentry::vfs

#endif  // RINGFENCE_KERNEL_VFS_INODE_H_
