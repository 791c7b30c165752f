#include "kernel/vfs/idle_page_caches.h"

#include <new>

namespace sentry::vfs {

IdlePageCaches& IdlePageCaches::Get() {
  // Never destroyed: inodes (static ones in hosted tests) may outlive any
  // destructor order, and each one's destruction looks here.
  alignas(IdlePageCaches) static unsigned char storage[sizeof(IdlePageCaches)];
  static IdlePageCaches* caches = new (storage) IdlePageCaches();
  return *caches;
}

void IdlePageCaches::Configure(mm::PageAllocator* pages, size_t limit_pages) {
  mm::PageAllocator* previous;
  {
    ktl::SpinlockGuard guard(lock_);
    previous = pages_;
    pages_ = pages;
    limit_pages_ = limit_pages;
  }
  if (previous != nullptr && previous != pages) previous->SetReclaimer(nullptr);
  if (pages != nullptr) pages->SetReclaimer(this);
  Trim();
}

size_t IdlePageCaches::ReclaimPages(size_t wanted) {
  size_t released = 0;
  ktl::SpinlockGuard guard(lock_);
  for (InodePageCache* cache = parked_.front(); cache != nullptr && released < wanted;
       cache = parked_.Next(cache)) {
    if (cache->idle_pages_ == 0) continue;
    released += cache->DropPages();
    idle_pages_ -= cache->idle_pages_;
    cache->idle_pages_ = 0;
  }
  return released;
}

size_t IdlePageCaches::idle_caches() {
  ktl::SpinlockGuard guard(lock_);
  return parked_.size();
}

size_t IdlePageCaches::idle_pages() {
  ktl::SpinlockGuard guard(lock_);
  return idle_pages_;
}

size_t IdlePageCaches::limit_pages() {
  ktl::SpinlockGuard guard(lock_);
  return limit_pages_;
}

mm::PageAllocator* IdlePageCaches::kept_pages() {
  ktl::SpinlockGuard guard(lock_);
  return KeepsLocked() ? pages_ : nullptr;
}

void IdlePageCaches::ParkLocked(InodePageCache* cache) {
  cache->idle_ = true;
  cache->idle_pages_ = cache->cached_pages();
  idle_pages_ += cache->idle_pages_;
  parked_.PushBack(cache);
}

void IdlePageCaches::UnparkLocked(InodePageCache* cache) {
  parked_.Remove(cache);
  idle_pages_ -= cache->idle_pages_;
  cache->idle_pages_ = 0;
  cache->idle_ = false;
}

bool IdlePageCaches::OverLimitLocked() const {
  if (!KeepsLocked() || idle_pages_ > limit_pages_) return true;
  return idle_pages_ != 0 && pages_ != nullptr &&
         pages_->free_pages() < pages_->total_pages() / kLowMemoryDivisor;
}

void IdlePageCaches::Trim() {
  List doomed;
  {
    ktl::SpinlockGuard guard(lock_);
    while (!parked_.empty() && OverLimitLocked()) {
      InodePageCache* cache = parked_.front();
      UnparkLocked(cache);
      cache->inode_->page_cache_ = nullptr;
      doomed.PushBack(cache);
    }
  }
  // Unlinked from everything: deleted unlocked (it frees heap memory).
  while (InodePageCache* cache = doomed.PopFront()) delete cache;
}

}  // namespace sentry::vfs
