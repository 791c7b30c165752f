// The gofer file system: a tree of host files served by a Gofer, reached
// through a Transport (kernel/fs/gofer/transport.h). Portable: the same code
// runs in the Sentry (over hypercalls) and in hosted unit tests (against the
// real VMM relay and Gofer server).
//
// Each inode owns a Gofer fid for its node (clunked when the inode goes) and
// caches the node's attributes from the last reply that carried them; the
// sandbox is assumed to be the only writer of its tree (as gVisor's default
// cache policy). After a write to the file, or any change to the tree's
// names (which moves link counts and directory times of nodes the change
// cannot name), the next Getattr asks the Gofer again.
//
// File data: a regular file is opened on the host lazily, once per access
// mode (a read-write handle serves every mode), the handle shared by all
// open descriptions of the inode. When the last one goes the handle stays
// open, idle, so that opening the file again costs no Gofer round trip and
// closing it no hypercall; each tree keeps at most kMaxIdleHandles idle
// handles, closing the least recently used first (the VMM's handle table
// is shared by every tree and open file). Data moves with pread/pwrite on
// the handle through a kernel bounce buffer.
//
// A symlink's target is read from the Gofer once and then kept.
//
// Missing names: in a read-only tree nothing inside the sandbox can create
// a name, so a directory remembers the last few names its lookups found
// missing (up to kAbsentNameBytes of them) and answers ENOENT for them
// without a walk: ld.so looks for /etc/ld.so.preload on every exec.
//
// Directory cookies: 0 is the start, 1 is after ".", 2 after "..", and
// 2 + c continues the Gofer's listing at its cookie c (the host's d_off), so
// they stay valid across changes as the host's do.
#ifndef RINGFENCE_KERNEL_FS_GOFER_GOFER_FS_H_
#define RINGFENCE_KERNEL_FS_GOFER_GOFER_FS_H_

#include <atomic>
#include <cstdint>

#include "kernel/fs/gofer/transport.h"
#include "kernel/ktl/intrusive_list.h"
#include "kernel/ktl/result.h"
#include "kernel/ktl/spinlock.h"
#include "kernel/vfs/file_description.h"
#include "kernel/vfs/inode.h"

namespace sentry::fs::gofer {

// Attaches to the Gofer serving `mount` and returns the root directory of
// its tree (what Vfs::MountRoot / Vfs::Mount take). `transport` must outlive
// every inode of the tree. `read_only`: the Gofer serves the tree read-only
// (BootInfo's kGoferMountReadOnly), so file data never changes from inside.
ktl::Result<vfs::RefPtr<vfs::Inode>> Attach(Transport& transport, uint32_t mount,
                                            bool read_only = false);

class Inode;

// Links an inode holding idle host handles into its tree's LRU list.
struct IdleHandles {
  ktl::IntrusiveListNode node;
  Inode* inode;
};

class FileSystem final : public vfs::FileSystem {
 public:
  static constexpr size_t kMaxIdleHandles = 64;

  FileSystem(Transport& transport, uint32_t mount, bool read_only)
      : transport_(transport), mount_(mount), read_only_(read_only) {}
  const char* name() const override { return "gofer"; }
  // Lookup rebuilds any node (same host inode, same st_ino).
  bool dentries_evictable() const override { return true; }
  bool data_read_only() const override { return read_only_; }
  Transport& transport() const { return transport_; }
  uint32_t mount() const { return mount_; }

  // A request for this mount with every field zero but op and mount.
  ringfence::abi::GoferRequest NewRequest(ringfence::abi::GoferOp op) const;

  // Bumped by every change to the tree's names: cached attributes older
  // than it are refreshed.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  void NamesChanged() { generation_.fetch_add(1, std::memory_order_acq_rel); }

  // How many host handles are open and unused (for tests).
  size_t idle_handle_count() {
    ktl::SpinlockGuard guard(handles_lock_);
    return idle_count_;
  }

 private:
  friend class Inode;

  Transport& transport_;
  uint32_t mount_;
  bool read_only_;
  std::atomic<uint64_t> generation_{0};
  // Guards every inode's HandleSlots, idle_ and idle_count_.
  ktl::Spinlock handles_lock_;
  ktl::IntrusiveList<IdleHandles, &IdleHandles::node> idle_;  // least recently used first
  size_t idle_count_ = 0;  // idle handles of the inodes on idle_
};

class Inode final : public vfs::Inode {
 public:
  Inode(FileSystem* fs, uint32_t fid, const ringfence::abi::GoferStat& stat);
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

  // A host handle usable for `access` (kO_RDONLY/kO_WRONLY/kO_RDWR), opened
  // if needed; returns its slot for ReleaseHandle. Every Acquire is paired
  // with one Release.
  ktl::Result<uint32_t> AcquireHandle(uint32_t access);
  void ReleaseHandle(uint32_t slot);

 private:
  FileSystem& gofer_fs() const { return static_cast<FileSystem&>(fs()); }
  ktl::Result<void> Call(ringfence::abi::GoferRequest& request, const RequestBuffers& buffers,
                         ringfence::abi::GoferReply* reply);
  // The inode for a fid a reply just made (clunked if the inode cannot be
  // allocated).
  ktl::Result<vfs::RefPtr<vfs::Inode>> NewChild(const ringfence::abi::GoferReply& reply);
  ktl::Result<void> RemoveEntry(ktl::StringView name, uint32_t flags);
  void UpdateStat(const ringfence::abi::GoferStat& stat);
  // Fetches the value (kGetxattr) or the list (kListxattr) into `out`.
  ktl::Result<void> FetchXattrs(ringfence::abi::GoferOp op, ktl::StringView name,
                                ktl::Vector<char>* out);
  ktl::Result<size_t> Transfer(vfs::IoBuffer& buffer, uint64_t offset, uint32_t slot,
                               bool write);

  struct HandleSlot {
    uint32_t handle = 0;
    uint32_t users = 0;
    bool open = false;
    bool idle() const { return open && users == 0; }
  };
  // Under the tree's handles_lock_: how many of this inode's handles are
  // idle; and taking them all for closing (written to `closing`, count
  // returned), which unlinks the inode from the idle list.
  // Room for the handles one ParkLocked may close.
  static constexpr size_t kMaxClosing = 6;
  size_t IdleCountLocked() const;
  size_t TakeIdleLocked(uint32_t* closing);
  // Under handles_lock_: a slot just became idle. Moves the inode to the
  // back of the idle list and, over the tree's limit, takes the least
  // recently used idle handles for closing; returns how many.
  size_t ParkLocked(uint32_t* closing);
  // Under handles_lock_: one more user of an open slot.
  void UseLocked(uint32_t slot);
  void CloseHandles(const uint32_t* handles, size_t count);

  const uint32_t fid_;
  ringfence::abi::GoferStat stat_;  // Guarded by lock_.
  bool stat_stale_ = false;         // written since; guarded by lock_
  uint64_t stat_generation_;        // FileSystem::generation() of stat_; guarded by lock_
  HandleSlot handles_[3];           // by access mode; guarded by the tree's handles_lock_
  IdleHandles idle_link_{{}, this};  // on the tree's idle list while a handle is idle
  // A symlink's target, once read: a link's target never changes (a new
  // one is a new node). Guarded by lock_.
  ktl::Vector<char> target_;
  bool target_cached_ = false;

  // A read-only directory's missing names (see the file comment), each
  // followed by a NUL, oldest first. Guarded by lock_.
  static constexpr size_t kAbsentNameBytes = 256;
  bool KnownAbsent(ktl::StringView name);
  void RememberAbsent(ktl::StringView name);
  ktl::Vector<char> absent_names_;
};

// An open regular file: holds one of its inode's host handles.
class FileDescription final : public vfs::FileDescription {
 public:
  FileDescription(uint32_t flags, vfs::Path path, uint32_t slot)
      : vfs::FileDescription(flags, static_cast<vfs::Path&&>(path)), slot_(slot) {}
  ~FileDescription() override;

 private:
  uint32_t slot_;
};

}  // namespace sentry::fs::gofer

#endif  // RINGFENCE_KERNEL_FS_GOFER_GOFER_FS_H_
