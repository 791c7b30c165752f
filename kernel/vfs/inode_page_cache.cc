#include "kernel/vfs/inode_page_cache.h"

#include <new>
#include <utility>

#include "kernel/ktl/string.h"
#include "kernel/vfs/idle_page_caches.h"

namespace sentry::vfs {
namespace {

using mm::kPageSize;

// Bytes [at, at + length) of another buffer: file reads of the pages the
// cache does not hold fill their part of the caller's buffer directly.
class SliceIoBuffer final : public IoBuffer {
 public:
  SliceIoBuffer(IoBuffer& base, size_t at, size_t length)
      : base_(base), at_(at), length_(length) {}
  size_t size() const override { return length_; }
  ktl::Result<void> CopyOut(size_t at, const void* data, size_t length) override {
    return base_.CopyOut(at_ + at, data, length);
  }
  ktl::Result<void> CopyIn(size_t at, void* out, size_t length) override {
    return base_.CopyIn(at_ + at, out, length);
  }

 private:
  IoBuffer& base_;
  size_t at_;
  size_t length_;
};

// Page-sized buffers one after the other: a multi-page fill reads into the
// frames it fills with one file read.
class PagesIoBuffer final : public IoBuffer {
 public:
  PagesIoBuffer(std::byte* const* pages, size_t length) : pages_(pages), length_(length) {}
  size_t size() const override { return length_; }
  ktl::Result<void> CopyOut(size_t at, const void* data, size_t length) override {
    const auto* from = static_cast<const std::byte*>(data);
    for (size_t done = 0; done < length;) {
      size_t chunk = Chunk(at + done, length - done);
      ktl::MemCopy(pages_[(at + done) / kPageSize] + (at + done) % kPageSize, from + done, chunk);
      done += chunk;
    }
    return ktl::Ok();
  }
  ktl::Result<void> CopyIn(size_t at, void* out, size_t length) override {
    auto* to = static_cast<std::byte*>(out);
    for (size_t done = 0; done < length;) {
      size_t chunk = Chunk(at + done, length - done);
      ktl::MemCopy(to + done, pages_[(at + done) / kPageSize] + (at + done) % kPageSize, chunk);
      done += chunk;
    }
    return ktl::Ok();
  }

 private:
  // The bytes from `at` on that lie in one page, at most `left`.
  static size_t Chunk(size_t at, size_t left) {
    size_t in_page = kPageSize - at % kPageSize;
    return in_page < left ? in_page : left;
  }

  std::byte* const* pages_;
  size_t length_;
};

}  // namespace

RefPtr<InodePageCache> InodePageCache::ForRead(Inode& inode) {
  if (RefPtr<InodePageCache> cache = Existing(inode)) return cache;
  if (!inode.IsRegular() || !inode.fs().data_read_only()) return nullptr;
  mm::PageAllocator* pages = IdlePageCaches::Get().kept_pages();
  if (pages == nullptr) return nullptr;
  auto cache = For(inode, *pages);
  if (!cache.ok()) return nullptr;  // read uncached
  return std::move(cache).value();
}

RefPtr<InodePageCache> InodePageCache::TakeLocked(Inode& inode) {
  InodePageCache* cache = inode.page_cache_;
  if (cache == nullptr) return nullptr;
  if (cache->idle_) {
    IdlePageCaches::Get().UnparkLocked(cache);
    cache->inode_ref_ = RefPtr<Inode>(&inode);  // the caller holds one: not the first
    cache->Revive();
    return RefPtr<InodePageCache>::Adopt(cache);
  }
  if (!cache->TryRef()) return nullptr;
  return RefPtr<InodePageCache>::Adopt(cache);
}

RefPtr<InodePageCache> InodePageCache::Existing(Inode& inode) {
  ktl::SpinlockGuard guard(IdlePageCaches::Get().lock_);
  return TakeLocked(inode);
}

ktl::Result<RefPtr<InodePageCache>> InodePageCache::For(Inode& inode, mm::PageAllocator& pages) {
  if (RefPtr<InodePageCache> existing = inode.ActivePageCache()) return existing;
  // Allocated unlocked: an allocation may reclaim, which takes the lock.
  auto* fresh = new (std::nothrow) InodePageCache(inode, pages);
  if (fresh == nullptr) return ktl::Errno::kENOMEM;
  RefPtr<InodePageCache> cache;
  {
    ktl::SpinlockGuard guard(IdlePageCaches::Get().lock_);
    cache = TakeLocked(inode);
    if (!cache) {
      // A dying cache still registered is replaced; it unregisters only itself.
      inode.page_cache_ = fresh;
      cache = RefPtr<InodePageCache>::Adopt(fresh);
      fresh = nullptr;
    }
  }
  delete fresh;  // another caller registered one meanwhile
  return cache;
}

void InodePageCache::LastReferenceGone() {
  // The last mapping is gone: what it wrote goes to the file (errors are
  // lost, as when Linux writes back behind a closed file).
  bool clean = Writeback(0, ~uint64_t{0}).ok();
  IdlePageCaches& idle = IdlePageCaches::Get();
  // Dropped once unlocked: it may be the inode's last reference, and the
  // inode's destruction then deletes this cache.
  RefPtr<Inode> inode_ref;
  bool kept = false;
  {
    ktl::SpinlockGuard guard(idle.lock_);
    bool registered = inode_->page_cache_ == this;
    if (registered && clean && inode_->fs().data_read_only() && idle.KeepsLocked()) {
      idle.ParkLocked(this);
      inode_ref = std::move(inode_ref_);
      kept = true;
    } else if (registered) {
      inode_->page_cache_ = nullptr;
    }
  }
  if (!kept) {
    delete this;
    return;
  }
  idle.Trim();
}

void InodePageCache::ForgetInode(Inode& inode) {
  InodePageCache* cache;
  {
    ktl::SpinlockGuard guard(IdlePageCaches::Get().lock_);
    cache = inode.page_cache_;
    if (cache == nullptr) return;
    // An active or dying cache holds a reference on the inode: this one is idle.
    KTL_ASSERT(cache->idle_);
    IdlePageCaches::Get().UnparkLocked(cache);
    inode.page_cache_ = nullptr;
  }
  delete cache;
}

uint64_t InodePageCache::FileSize() { return inode_->Getattr().size; }

ktl::Result<size_t> InodePageCache::FileRead(uint64_t offset, std::byte* out, size_t length) {
  KernelIoBuffer buffer(out, length);
  return inode_->Read(buffer, offset);
}

ktl::Result<size_t> InodePageCache::FileReadPages(uint64_t offset, std::byte* const* pages,
                                                  size_t length) {
  PagesIoBuffer buffer(pages, length);
  size_t done = 0;
  while (done < length) {
    SliceIoBuffer rest(buffer, done, length - done);
    size_t read = TRY(inode_->Read(rest, offset + done));
    if (read == 0) break;
    done += read;
  }
  return done;
}

ktl::Result<void> InodePageCache::FileWrite(uint64_t offset, const std::byte* data,
                                            size_t length) {
  size_t done = 0;
  while (done < length) {
    KernelIoBuffer buffer(static_cast<const void*>(data + done), length - done);
    uint64_t end = 0;
    size_t written = TRY(inode_->Write(buffer, offset + done, /*append=*/false, &end));
    if (written == 0) return ktl::Errno::kEIO;
    done += written;
  }
  return ktl::Ok();
}

ktl::Result<size_t> InodePageCache::Read(IoBuffer& dst, uint64_t offset) {
  uint64_t size = FileSize();
  if (offset >= size) return size_t{0};
  uint64_t want = dst.size() < size - offset ? dst.size() : size - offset;
  size_t done = 0;
  while (done < want) {
    uint64_t position = offset + done;
    size_t within = position % kPageSize;
    size_t chunk = kPageSize - within < want - done ? kPageSize - within : want - done;
    uint64_t index = position / kPageSize;
    mm::PhysAddr frame = CachedPage(index);
    if (frame == 0 && outlives_mappings()) {
      // Filled a window at a time; if that fails, read the file directly.
      uint64_t last = (offset + want - 1) / kPageSize;
      size_t window = last - index + 1 < kMaxFillPages ? last - index + 1 : kMaxFillPages;
      if (Fill(index, window).ok()) frame = CachedPage(index);
    }
    if (frame != 0) {
      // The cached page holds what mappings wrote: copy it (the frame's
      // reference keeps it alive while the copy may fault).
      auto copied = dst.CopyOut(done, pages().DirectMap(frame) + within, chunk);
      pages().Unref(frame);
      if (!copied.ok()) {
        if (done == 0) return copied.error();
        break;
      }
      done += chunk;
      continue;
    }
    SliceIoBuffer slice(dst, done, chunk);
    auto read = inode_->Read(slice, position);
    if (!read.ok()) {
      if (done == 0) return read.error();
      break;
    }
    done += read.value();
    if (read.value() < chunk) break;
  }
  return done;
}

ktl::Result<size_t> InodePageCache::Write(IoBuffer& src, uint64_t offset, bool append,
                                          uint64_t* end) {
  size_t done = TRY(inode_->Write(src, offset, append, end));
  // The file has the bytes; cached pages they fall on get them too.
  uint64_t start = *end - done;
  for (size_t copied = 0; copied < done;) {
    uint64_t position = start + copied;
    size_t within = position % kPageSize;
    size_t chunk = kPageSize - within < done - copied ? kPageSize - within : done - copied;
    mm::PhysAddr frame = CachedPage(position / kPageSize);
    if (frame != 0) {
      (void)src.CopyIn(copied, pages().DirectMap(frame) + within, chunk);
      pages().Unref(frame);
    }
    copied += chunk;
  }
  return done;
}

}  // namespace sentry::vfs
