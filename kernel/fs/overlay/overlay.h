// overlay: a file system that shows a writable upper tree over a read-only
// lower one, with Linux overlayfs semantics (one lower layer, no
// redirect_dir, no index):
//
//   vfs::RefPtr<vfs::Inode> root = TRY(overlay::Create(lower_root, upper_root));
//   TRY(vfs.MountRoot(root, 0));
//
// The lower tree (any file system: the Gofer's view of the host) is never
// changed. The upper tree (tmpfs in practice) records every change:
//   - lookup: an upper entry hides the lower one, except that an upper
//     directory merges with a lower directory of the same name unless it is
//     opaque (xattr trusted.overlay.opaque = "y");
//   - a whiteout (a character device 0/0 in the upper) hides the lower entry;
//     unlink/rmdir of a lower entry leaves one, mkdir over one makes an opaque
//     directory;
//   - copy-up: before the first change to a lower object (write open,
//     truncate, setattr, link, rename, xattr change, creating in a lower
//     directory) it and its parent chain are copied to the upper tree (data,
//     mode, owner, times, xattrs, symlink target). Descriptions opened before
//     keep the layer inode they opened (an O_RDONLY fd keeps reading the lower
//     file, as on Linux);
//   - rename of a directory that has lower content is EXDEV (tools like mv
//     fall back to copying), as Linux without redirect_dir;
//   - st_dev is the overlay's; st_ino is the lower inode number for objects
//     from the lower tree, kept across copy-up (the copy records it in the
//     xattr trusted.overlay.origin), and the upper number with bit 62 set
//     for objects created in the overlay (xino-style: lower numbers are
//     assumed below 2^62);
//   - readdir merges both layers without whiteouts. Cookies: 0 ".", 1 "..",
//     the upper directory's own cookies (assumed below 2^62), then 2^62 +
//     the index of the entry in a snapshot of the lower directory (which
//     does not change), so positions stay valid while entries come and go.
//
// Names starting with ".ringfence-wh." in the upper tree are scratch
// whiteouts used to replace entries atomically (by RENAME_EXCHANGE); they
// are whiteouts and so never visible.
//
// Locking: the file system's `lock` serializes every namespace operation and
// copy-up (the VFS tree lock already does for path operations; this also
// covers descriptions' ReadDir and Setattr on open files). An inode's lock_
// guards its upper pointer. Order: the overlay lock, inode locks, then the
// layers' own locks.
#ifndef RINGFENCE_KERNEL_FS_OVERLAY_OVERLAY_H_
#define RINGFENCE_KERNEL_FS_OVERLAY_OVERLAY_H_

#include <atomic>
#include <cstdint>

#include "kernel/ktl/result.h"
#include "kernel/ktl/spinlock.h"
#include "kernel/ktl/vector.h"
#include "kernel/vfs/inode.h"

namespace sentry::overlay {

// st_ino of objects created in the overlay: their upper number | this bit.
inline constexpr uint64_t kUpperInoBit = uint64_t{1} << 62;
// ReadDir cookies of lower entries start here.
inline constexpr uint64_t kLowerCookieBase = uint64_t{1} << 62;

// The upper-tree xattrs the overlay keeps for itself (hidden from the app).
inline constexpr const char kOpaqueXattr[] = "trusted.overlay.opaque";
inline constexpr const char kOriginXattr[] = "trusted.overlay.origin";
inline constexpr const char kPrivateXattrPrefix[] = "trusted.overlay.";

// An overlay of `upper_root` (writable) over `lower_root` (never written);
// returns its root directory. ENOTDIR unless both are directories, ENOMEM.
ktl::Result<vfs::RefPtr<vfs::Inode>> Create(vfs::RefPtr<vfs::Inode> lower_root,
                                            vfs::RefPtr<vfs::Inode> upper_root);

class FileSystem final : public vfs::FileSystem {
 public:
  const char* name() const override { return "overlay"; }
  // A lookup rebuilds an equal node from the layers (same st_ino, and
  // copy-up state lives in the upper tree), so unused nodes may go: this
  // keeps the lower tree's cached nodes (Gofer fids) bounded on big walks.
  bool dentries_evictable() const override { return true; }
  size_t PruneCaches(vfs::Inode& mount_root) override;

  ktl::Spinlock lock;
  // Scratch-whiteout name counter. Guarded by lock.
  uint64_t next_scratch = 0;
};

class Inode final : public vfs::Inode {
  friend class FileSystem;
 public:
  // `upper` and/or `lower` (at least one); `mode` gives the type.
  Inode(FileSystem* fs, uint64_t ino, uint32_t mode, vfs::RefPtr<vfs::Inode> upper,
        vfs::RefPtr<vfs::Inode> lower);
  ~Inode() override;

  vfs::Attr Getattr() override;
  ktl::Result<void> Setattr(const vfs::SetAttr& change) override;

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

  ktl::Result<void> Readlink(ktl::Vector<char>* out) override;
  ktl::Result<size_t> Read(vfs::IoBuffer& dst, uint64_t offset) override;
  ktl::Result<size_t> Write(vfs::IoBuffer& src, uint64_t offset, bool append,
                            uint64_t* end) override;

  ktl::Result<void> Getxattr(ktl::StringView name, ktl::Vector<char>* out) override;
  ktl::Result<void> Setxattr(ktl::StringView name, std::span<const char> value,
                             uint32_t flags) override;
  ktl::Result<void> Listxattr(ktl::Vector<char>* out) override;
  ktl::Result<void> Removexattr(ktl::StringView name) override;

  ktl::Result<vfs::RefPtr<vfs::FileDescription>> Open(const vfs::Path& path,
                                                      uint32_t flags) override;

  // The layer objects: upper (null until copied up, for lower objects) and
  // lower (null for objects created in the overlay and opaque directories).
  vfs::RefPtr<vfs::Inode> upper();
  const vfs::RefPtr<vfs::Inode>& lower() const { return lower_; }
  // The upper object if there is one, else the lower one.
  vfs::RefPtr<vfs::Inode> real();

 private:
  struct Child {
    ktl::StringView Name() const { return ktl::StringView(name.data(), name.size()); }
    ktl::Vector<char> name;
    vfs::RefPtr<Inode> inode;
  };
  struct LowerEntry {
    ktl::StringView Name() const { return ktl::StringView(name.data(), name.size()); }
    ktl::Vector<char> name;
    uint64_t ino;
    uint8_t type;
  };

  FileSystem& overlay() const { return static_cast<FileSystem&>(fs()); }

  // All below: the overlay lock is held.
  // The child `name`, from the cache or else the layers (ENOENT).
  ktl::Result<vfs::RefPtr<Inode>> LookupLocked(ktl::StringView name);
  size_t ChildIndexLocked(ktl::StringView name) const;
  // Caches `child` as `name`; it gets this parent if it has none. Best
  // effort: without memory the child stays uncached (a lookup rebuilds it).
  void AddChildLocked(ktl::StringView name, vfs::RefPtr<Inode> child);
  // Forgets the child `name` (if cached); it loses its parent if that was us.
  void RemoveChildLocked(ktl::StringView name);
  // Drops every cached descendant that only its parent's cache holds and
  // that caches nothing itself (post-order); returns how many.
  size_t PruneChildrenLocked();
  // Copies this object and its missing ancestors to the upper tree unless it
  // is there. `with_data`: false when the caller truncates to 0 next.
  ktl::Result<void> CopyUpLocked(bool with_data);
  // Copies this object, whose parent is already in the upper tree.
  ktl::Result<void> CopyUpOneLocked(bool with_data);
  // Whether the lower directory has a (non-whiteout) entry `name`.
  ktl::Result<bool> LowerHasLocked(ktl::StringView name);
  // Makes `name` in the upper directory with `make`, replacing a whiteout
  // there (a directory made there is then opaque). Returns the upper object.
  ktl::Result<vfs::RefPtr<vfs::Inode>> CreateUpperLocked(
      ktl::StringView name, bool directory,
      ktl::FunctionRef<ktl::Result<vfs::RefPtr<vfs::Inode>>(vfs::Inode& upper_dir)> make);
  // The overlay object for a just-made upper object, cached as `name`.
  ktl::Result<vfs::RefPtr<vfs::Inode>> AdoptNewLocked(ktl::StringView name,
                                                      vfs::RefPtr<vfs::Inode> upper);
  // unlink/rmdir of `name`: leaves a whiteout if the lower tree has one.
  ktl::Result<void> RemoveLocked(ktl::StringView name, bool directory);
  // Merged entries from `cookie` (>= 2) on, as ReadDir.
  ktl::Result<void> ReadEntriesLocked(uint64_t cookie,
                                      ktl::FunctionRef<bool(const vfs::DirEntry&)> emit);
  // ENOTEMPTY unless the merged directory lists nothing.
  ktl::Result<void> CheckEmptyLocked();
  // Builds the lower snapshot (once).
  ktl::Result<void> SnapshotLowerLocked();
  static void SortIndicesByName(const ktl::Vector<LowerEntry>& entries,
                                ktl::Vector<uint32_t>* indices);
  // The snapshot entry called `name`, or null.
  const LowerEntry* FindLowerLocked(ktl::StringView name) const;

  vfs::RefPtr<vfs::Inode> upper_;        // Guarded by lock_.
  const vfs::RefPtr<vfs::Inode> lower_;  // Immutable.
  // Guarded by the overlay lock: where this object is (parent_ null for the
  // root and once the name is gone; the parent's children_ then holds us),
  // and the children looked up so far, sorted by name (the layers change
  // only through the overlay, so the cache stays exact).
  Inode* parent_ = nullptr;
  ktl::Vector<char> name_;
  ktl::Vector<Child> children_;
  // Guarded by the overlay lock: the lower directory's entries (whiteouts
  // left out) in its order, and their indices sorted by name.
  bool lower_snapshot_taken_ = false;
  ktl::Vector<LowerEntry> lower_entries_;
  ktl::Vector<uint32_t> lower_by_name_;
};

}  // namespace sentry::overlay

#endif  // RINGFENCE_KERNEL_FS_OVERLAY_OVERLAY_H_
