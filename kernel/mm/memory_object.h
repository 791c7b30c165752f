// MemoryObject: what a file mapping maps (Linux's address_space as seen by
// mmap). A VMA of a file holds a reference to one; its page faults ask it for
// the frame holding page `index` of the file.
//
// Frames come from one PageAllocator (the Sentry's PhysicalPages()); GetPage
// returns a frame with a new reference the caller owns, which the page table
// then keeps until the page is unmapped. So a frame outlives truncation or the
// object itself while it is mapped.
//
// Two kinds exist today: tmpfs maps its file frames directly (nothing to
// write back), and PageCache (page_cache.h) caches pages of any other file
// system in frames filled through Inode::Read and written back through
// Inode::Write, which needs to know which pages were written: such objects
// say tracks_dirty(), and the address space maps their pages so that the
// first write faults (MarkDirty).
//
// FileMapping is the per-mmap record a VMA keeps: the object and what
// /proc/<pid>/maps shows (path, device, inode).
#ifndef RINGFENCE_KERNEL_MM_MEMORY_OBJECT_H_
#define RINGFENCE_KERNEL_MM_MEMORY_OBJECT_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "kernel/ktl/result.h"
#include "kernel/ktl/string.h"
#include "kernel/mm/page_allocator.h"
#include "kernel/vfs/ref_ptr.h"

namespace sentry::mm {

using vfs::RefPtr;

class MemoryObject {
 public:
  explicit MemoryObject(PageAllocator& pages) : pages_(pages) {}
  virtual ~MemoryObject() = default;
  MemoryObject(const MemoryObject&) = delete;
  MemoryObject& operator=(const MemoryObject&) = delete;

  void Ref() { references_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() {
    if (references_.fetch_sub(1, std::memory_order_acq_rel) == 1) LastReferenceGone();
  }

  // The frame holding page `index`, with a reference for the caller; filled
  // from the file if needed. ENXIO if the page lies wholly past the end of
  // the file (the fault becomes SIGBUS), ENOMEM, or the file's I/O error.
  virtual ktl::Result<PhysAddr> GetPage(uint64_t index) = 0;
  // Whether page `index` is in memory now (mincore).
  virtual bool IsResident(uint64_t index) = 0;

  // Pages of dirty-tracking objects are mapped so that the first write
  // through a shared mapping faults and calls MarkDirty; Writeback writes the
  // dirty pages of [first, last) back to the file. Defaults: nothing to track.
  virtual bool tracks_dirty() const { return false; }
  virtual void MarkDirty(uint64_t index) {}
  virtual ktl::Result<void> Writeback(uint64_t first, uint64_t last) { return ktl::Ok(); }

  PageAllocator& pages() const { return pages_; }

 protected:
  // Called when the last reference goes; the default deletes the object.
  // Objects registered elsewhere (an inode's page cache) override it to
  // unregister first.
  virtual void LastReferenceGone() { delete this; }
  uint32_t references() const { return references_.load(std::memory_order_acquire); }
  // Takes a reference unless the count already reached zero (the object is
  // on its way out): for lookups through a non-owning pointer.
  bool TryRef();
  // Gives an object whose count reached zero, and whose LastReferenceGone
  // kept it for reuse (an idle page cache), its first reference again. The
  // caller serializes this with that LastReferenceGone (a registry lock).
  void Revive() { references_.store(1, std::memory_order_release); }

 private:
  PageAllocator& pages_;
  std::atomic<uint32_t> references_{1};
};

// One mmap of a file: shared by the VMAs it splits into.
class FileMapping {
 public:
  // `path` is copied; ENOMEM if that fails.
  static ktl::Result<RefPtr<FileMapping>> Create(RefPtr<MemoryObject> object,
                                                 ktl::StringView path, uint64_t device,
                                                 uint64_t inode);
  ~FileMapping() { delete[] path_; }

  void Ref() { references_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() {
    if (references_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  MemoryObject& object() const { return *object_; }
  // For /proc/<pid>/maps: the path the file was mapped by (NUL-terminated),
  // its st_dev and st_ino.
  const char* path() const { return path_; }
  uint64_t device() const { return device_; }
  uint64_t inode() const { return inode_; }

 private:
  FileMapping(RefPtr<MemoryObject> object, char* path, uint64_t device, uint64_t inode)
      : object_(std::move(object)),
        path_(path),
        device_(device),
        inode_(inode) {}

  std::atomic<uint32_t> references_{1};
  RefPtr<MemoryObject> object_;
  char* path_;
  uint64_t device_;
  uint64_t inode_;
};

}  // namespace sentry::mm

#endif  // RINGFENCE_KERNEL_MM_MEMORY_OBJECT_H_
