// InodePageCache: the page cache of one inode (mm::PageCache over
// Inode::Read/Write), which is what mmap maps for files of every file system
// that does not override Inode::GetMemoryObject.
//
// It exists while something maps the file (each VMA holds a reference); the
// inode points at it without owning it, and while it exists the generic
// FileDescription reads and writes through it (Read/Write below): reads take
// cached pages from the cache, writes go through to the file and update the
// cached pages, so read(2), write(2) and MAP_SHARED mappings agree, as Linux
// guarantees. When the last reference goes, dirty pages are written back and
// the frames released, except for files nothing in the sandbox can change
// (FileSystem::data_read_only): their cache stays, idle, for the next
// mapping, within the bounds IdlePageCaches (idle_page_caches.h) enforces.
#ifndef RINGFENCE_KERNEL_VFS_INODE_PAGE_CACHE_H_
#define RINGFENCE_KERNEL_VFS_INODE_PAGE_CACHE_H_

#include "kernel/ktl/intrusive_list.h"
#include "kernel/mm/page_cache.h"
#include "kernel/vfs/inode.h"
#include "kernel/vfs/io_buffer.h"

namespace sentry::vfs {

class InodePageCache final : public mm::PageCache {
 public:
  // The inode's cache (revived if idle), created if it has none. ENOMEM.
  static ktl::Result<RefPtr<InodePageCache>> For(Inode& inode, mm::PageAllocator& pages);

  // What read(2) reads `inode` through: its cache if it has one (an idle
  // one revived), else, for a file whose cache outlives its mappings
  // (data_read_only), a new one; else null (read the inode directly).
  static RefPtr<InodePageCache> ForRead(Inode& inode);

  // As Inode::Read and Inode::Write, coherent with the cached pages. Reads
  // of a file whose cache outlives its mappings also fill the cache.
  ktl::Result<size_t> Read(IoBuffer& dst, uint64_t offset);
  ktl::Result<size_t> Write(IoBuffer& src, uint64_t offset, bool append, uint64_t* end);

 protected:
  uint64_t FileSize() override;
  ktl::Result<size_t> FileRead(uint64_t offset, std::byte* out, size_t length) override;
  ktl::Result<void> FileWrite(uint64_t offset, const std::byte* data, size_t length) override;
  ktl::Result<size_t> FileReadPages(uint64_t offset, std::byte* const* pages,
                                    size_t length) override;
  void LastReferenceGone() override;

 private:
  friend class Inode;
  friend class IdlePageCaches;
  InodePageCache(Inode& inode, mm::PageAllocator& pages)
      : PageCache(pages), inode_(&inode), inode_ref_(&inode) {}
  // Inode::ActivePageCache.
  static RefPtr<InodePageCache> Existing(Inode& inode);
  // Under the IdlePageCaches lock: a reference to the inode's cache
  // (reviving an idle one), or null if it has none or only a dying one.
  static RefPtr<InodePageCache> TakeLocked(Inode& inode);
  // Whether the cache stays, idle, after its last reference.
  bool outlives_mappings() const { return inode_->fs().data_read_only(); }
  // From ~Inode: deletes the inode's cache, idle if there is one.
  static void ForgetInode(Inode& inode);

  Inode* const inode_;
  // The rest is guarded by the IdlePageCaches lock.
  RefPtr<Inode> inode_ref_;  // while active: mappings read the file through it
  bool idle_ = false;
  size_t idle_pages_ = 0;    // its frames counted by IdlePageCaches while idle
  ktl::IntrusiveListNode idle_node_;
};

}  // namespace sentry::vfs

#endif  // RINGFENCE_KERNEL_VFS_INODE_PAGE_CACHE_H_
