#include "kernel/mm/page_cache.h"

#include "kernel/ktl/ktl.h"
#include "kernel/ktl/string.h"

namespace sentry::mm {

PageCache::~PageCache() {
  for (const Slot& slot : slots_) pages().Unref(slot.frame);
}

size_t PageCache::SlotIndexLocked(uint64_t index) const {
  size_t low = 0, high = slots_.size();
  while (low < high) {
    size_t mid = (low + high) / 2;
    if (slots_[mid].index < index) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  return low;
}

PageCache::Slot* PageCache::FindLocked(uint64_t index) {
  size_t i = SlotIndexLocked(index);
  return i < slots_.size() && slots_[i].index == index ? &slots_[i] : nullptr;
}

ktl::Result<PhysAddr> PageCache::GetPage(uint64_t index) {
  // The size first, even for a cached page: a file that shrank under its
  // mappings gives SIGBUS past its new end, as on Linux.
  uint64_t size = FileSize();
  if (index >= ktl::RoundUp(size, kPageSize) / kPageSize) return ktl::Errno::kENXIO;
  if (PhysAddr cached = CachedPage(index); cached != 0) return cached;
  PhysAddr frame;
  TRY(ReadRun(index, index + 1, size, &frame));
  return frame;
}

ktl::Result<size_t> PageCache::ReadRun(uint64_t index, uint64_t end, uint64_t size,
                                       PhysAddr* first) {
  if (first != nullptr) *first = 0;
  PhysAddr frames[kMaxFillPages] = {};
  std::byte* buffers[kMaxFillPages] = {};
  size_t run = 0;
  while (index + run < end && run < kMaxFillPages && (run == 0 || !IsResident(index + run))) {
    auto frame = pages().AllocZeroedPage();
    if (!frame.ok()) {
      if (run == 0) return frame.error();
      break;  // read what it has frames for
    }
    frames[run] = frame.value();
    buffers[run] = pages().DirectMap(frames[run]);
    ++run;
  }
  uint64_t offset = index * kPageSize;
  uint64_t want = size - offset < run * kPageSize ? size - offset : run * kPageSize;
  // What the file does not fill (it shrank meanwhile) reads as zeros.
  if (auto read = FileReadPages(offset, buffers, want); !read.ok()) {
    for (size_t i = 0; i < run; ++i) pages().Unref(frames[i]);
    return read.error();
  }
  ktl::Result<void> result = ktl::Ok();
  for (size_t i = 0; i < run; ++i) {
    auto cached = Insert(index + i, frames[i]);  // consumes the frame's reference
    if (!cached.ok()) {
      if (result.ok()) result = cached.error();
    } else if (i == 0 && first != nullptr) {
      *first = cached.value();
    } else {
      pages().Unref(cached.value());
    }
  }
  if (!result.ok()) {
    if (first != nullptr && *first != 0) pages().Unref(*first);  // a later page failed
    return result.error();
  }
  return run;
}

ktl::Result<PhysAddr> PageCache::Insert(uint64_t index, PhysAddr frame) {
  ktl::SpinlockGuard guard(lock_);
  size_t i = SlotIndexLocked(index);
  if (i < slots_.size() && slots_[i].index == index) {
    // Another fill won the race: use its frame, which may already be dirty.
    pages().Unref(frame);
    pages().Ref(slots_[i].frame);
    return slots_[i].frame;
  }
  if (auto reserved = slots_.ReserveAtLeast(slots_.size() + 1); !reserved.ok()) {
    pages().Unref(frame);
    return reserved.error();
  }
  (void)slots_.Insert(i, Slot{index, frame, false});  // reserved
  pages().Ref(frame);  // one for the cache, one for the caller
  return frame;
}

ktl::Result<size_t> PageCache::FileReadPages(uint64_t offset, std::byte* const* pages,
                                             size_t length) {
  size_t done = 0;
  while (done < length) {
    size_t within = done % kPageSize;
    size_t chunk = kPageSize - within < length - done ? kPageSize - within : length - done;
    size_t read = TRY(FileRead(offset + done, pages[done / kPageSize] + within, chunk));
    if (read == 0) break;
    done += read;
  }
  return done;
}

ktl::Result<void> PageCache::Fill(uint64_t first, size_t count) {
  uint64_t size = FileSize();
  uint64_t end = ktl::RoundUp(size, kPageSize) / kPageSize;
  if (first < end && count < end - first) end = first + count;
  for (uint64_t index = first; index < end;) {
    if (IsResident(index)) {
      ++index;
      continue;
    }
    index += TRY(ReadRun(index, end, size, nullptr));
  }
  return ktl::Ok();
}

PhysAddr PageCache::CachedPage(uint64_t index) {
  ktl::SpinlockGuard guard(lock_);
  Slot* slot = FindLocked(index);
  if (slot == nullptr) return 0;
  pages().Ref(slot->frame);
  return slot->frame;
}

bool PageCache::IsResident(uint64_t index) {
  ktl::SpinlockGuard guard(lock_);
  return FindLocked(index) != nullptr;
}

bool PageCache::IsDirty(uint64_t index) {
  ktl::SpinlockGuard guard(lock_);
  Slot* slot = FindLocked(index);
  return slot != nullptr && slot->dirty;
}

size_t PageCache::cached_pages() {
  ktl::SpinlockGuard guard(lock_);
  return slots_.size();
}

size_t PageCache::DropPages() {
  ktl::SpinlockGuard guard(lock_);
  size_t dropped = slots_.size();
  for (const Slot& slot : slots_) pages().Unref(slot.frame);
  slots_.Clear();
  return dropped;
}

void PageCache::MarkDirty(uint64_t index) {
  ktl::SpinlockGuard guard(lock_);
  if (Slot* slot = FindLocked(index)) slot->dirty = true;
}

ktl::Result<void> PageCache::Writeback(uint64_t first, uint64_t last) {
  ktl::Result<void> result = ktl::Ok();
  uint64_t next = first;
  while (next < last) {
    // One dirty page at a time, so no list of them needs allocating.
    uint64_t index;
    PhysAddr frame;
    {
      ktl::SpinlockGuard guard(lock_);
      size_t i = SlotIndexLocked(next);
      while (i < slots_.size() && slots_[i].index < last && !slots_[i].dirty) ++i;
      if (i == slots_.size() || slots_[i].index >= last) break;
      index = slots_[i].index;
      frame = slots_[i].frame;
      slots_[i].dirty = false;  // a write during the writeback dirties it again
      pages().Ref(frame);
    }
    next = index + 1;
    uint64_t size = FileSize();
    uint64_t offset = index * kPageSize;
    if (offset < size) {
      size_t length = size - offset < kPageSize ? size - offset : kPageSize;
      auto written = FileWrite(offset, pages().DirectMap(frame), length);
      if (!written.ok()) {
        MarkDirty(index);
        if (result.ok()) result = written.error();
      }
    }
    pages().Unref(frame);
  }
  return result;
}

}  // namespace sentry::mm
