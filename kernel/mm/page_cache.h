// PageCache: a MemoryObject for files that do not live in frames of their
// own (anything but tmpfs): pages are read from the file into frames on
// first use, stay while the object lives (while the file is mapped), and
// the dirty ones are written back on Writeback and when the last reference
// goes (the subclass calls Writeback from LastReferenceGone).
//
// The file itself is reached through three hooks a subclass implements
// (vfs::InodePageCache does it with Inode::Read/Write), so this logic is
// portable and unit-tested with a fake file.
//
// Locking: lock_ guards the page list. File I/O never happens under it:
// a fill reads into a fresh frame and inserts it afterwards (dropping it if
// another fill won), and writeback takes references on the dirty frames and
// writes them unlocked.
//
// Memory: the cache lives while the file is mapped, so it is bounded by what
// the app maps; caches kept beyond that (vfs::IdlePageCaches) give their
// frames up through DropPages.
#ifndef RINGFENCE_KERNEL_MM_PAGE_CACHE_H_
#define RINGFENCE_KERNEL_MM_PAGE_CACHE_H_

#include <cstddef>
#include <cstdint>

#include "kernel/ktl/spinlock.h"
#include "kernel/ktl/vector.h"
#include "kernel/mm/memory_object.h"

namespace sentry::mm {

class PageCache : public MemoryObject {
 public:
  explicit PageCache(PageAllocator& pages) : MemoryObject(pages) {}
  // Releases the frames (without writing back: see LastReferenceGone).
  ~PageCache() override;

  ktl::Result<PhysAddr> GetPage(uint64_t index) override;
  bool IsResident(uint64_t index) override;
  bool tracks_dirty() const override { return true; }
  void MarkDirty(uint64_t index) override;
  // Writes the dirty pages of [first, last) back, each clipped to the file's
  // current size (a page wholly past it is dropped from the write). The
  // first error is returned; pages that failed stay dirty.
  ktl::Result<void> Writeback(uint64_t first, uint64_t last) override;

  // The cached frame of page `index` with a reference for the caller, or 0
  // if it is not cached. For read/write through a file descriptor, which
  // must see (and update) what mappings see.
  PhysAddr CachedPage(uint64_t index);

  size_t cached_pages();
  bool IsDirty(uint64_t index);
  // Caches the pages of [first, first + count) that are missing and lie
  // (at least partly) before the end of the file, reading each run of
  // missing pages, up to kMaxFillPages long, with one FileReadPages: how
  // read(2) of a file whose cache outlives its mappings fills it. ENOMEM or
  // the file's error (pages read before it stay cached).
  static constexpr size_t kMaxFillPages = 16;
  ktl::Result<void> Fill(uint64_t first, size_t count);

  // Drops every cached page, written back or not; returns how many. For a
  // cache nothing maps and nothing dirtied. Frees no heap memory (the page
  // list keeps its storage): it may run inside an allocation.
  size_t DropPages();

 protected:
  // The file's current size in bytes.
  virtual uint64_t FileSize() = 0;
  // Fills `out` with up to `length` bytes of the file at `offset`; returns
  // how many it stored (short at the end of the file).
  virtual ktl::Result<size_t> FileRead(uint64_t offset, std::byte* out, size_t length) = 0;
  // Writes `length` bytes to the file at `offset`.
  virtual ktl::Result<void> FileWrite(uint64_t offset, const std::byte* data, size_t length) = 0;
  // Fills the page-sized buffers `pages` in turn with up to `length` bytes
  // of the file from `offset` on; returns how many it stored (short only at
  // the end of the file). The default reads page by page with FileRead.
  virtual ktl::Result<size_t> FileReadPages(uint64_t offset, std::byte* const* pages,
                                            size_t length);

 private:
  struct Slot {
    uint64_t index;
    PhysAddr frame;
    bool dirty;
  };
  size_t SlotIndexLocked(uint64_t index) const;  // first slot with index >= `index`
  // Reads the missing pages from `index` on (the caller saw `index` missing),
  // at most up to `end` and kMaxFillPages, with one FileReadPages into fresh
  // frames, and caches them; `size` is the file's size. Returns how many
  // pages it read; with `first`, also a reference to page `index`'s frame.
  // ENOMEM (for the first frame) or the file's error (nothing cached).
  ktl::Result<size_t> ReadRun(uint64_t index, uint64_t end, uint64_t size, PhysAddr* first);
  // Caches `frame` (filled, with the caller's reference) as page `index`
  // unless another fill won the race; returns the cached frame with a
  // reference for the caller. ENOMEM (the caller's frame is released).
  ktl::Result<PhysAddr> Insert(uint64_t index, PhysAddr frame);
  Slot* FindLocked(uint64_t index);

  ktl::Spinlock lock_;
  ktl::Vector<Slot> slots_;  // Guarded by lock_. Sorted by index.
};

}  // namespace sentry::mm

#endif  // RINGFENCE_KERNEL_MM_PAGE_CACHE_H_
