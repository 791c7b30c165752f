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
// the frames released.
#ifndef RINGFENCE_KERNEL_VFS_INODE_PAGE_CACHE_H_
#define RINGFENCE_KERNEL_VFS_INODE_PAGE_CACHE_H_

#include "kernel/mm/page_cache.h"
#include "kernel/vfs/inode.h"
#include "kernel/vfs/io_buffer.h"

namespace sentry::vfs {

class InodePageCache final : public mm::PageCache {
 public:
  // The inode's cache, created if it has none. ENOMEM.
  static ktl::Result<RefPtr<InodePageCache>> For(Inode& inode, mm::PageAllocator& pages);

  // As Inode::Read and Inode::Write, coherent with the cached pages.
  ktl::Result<size_t> Read(IoBuffer& dst, uint64_t offset);
  ktl::Result<size_t> Write(IoBuffer& src, uint64_t offset, bool append, uint64_t* end);

 protected:
  uint64_t FileSize() override;
  ktl::Result<size_t> FileRead(uint64_t offset, std::byte* out, size_t length) override;
  ktl::Result<void> FileWrite(uint64_t offset, const std::byte* data, size_t length) override;
  void LastReferenceGone() override;

 private:
  friend class Inode;
  InodePageCache(Inode& inode, mm::PageAllocator& pages) : PageCache(pages), inode_(&inode) {}
  // A reference to `cache` unless it is already dying.
  static RefPtr<InodePageCache> TryTake(InodePageCache* cache);

  RefPtr<Inode> inode_;
};

}  // namespace sentry::vfs

#endif  // RINGFENCE_KERNEL_VFS_INODE_PAGE_CACHE_H_
