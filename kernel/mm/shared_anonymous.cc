#include "kernel/mm/shared_anonymous.h"

#include <new>

namespace sentry::mm {

ktl::Result<RefPtr<SharedAnonymousMemory>> SharedAnonymousMemory::Create(PageAllocator& pages,
                                                                         uint64_t pages_count) {
  auto* object = new (std::nothrow) SharedAnonymousMemory(pages);
  if (object == nullptr) return ktl::Errno::kENOMEM;
  auto owned = RefPtr<SharedAnonymousMemory>::Adopt(object);
  TRY(owned->frames_.Resize(pages_count));
  return owned;
}

SharedAnonymousMemory::~SharedAnonymousMemory() {
  for (PhysAddr frame : frames_) {
    if (frame != 0) pages().Unref(frame);
  }
}

ktl::Result<PhysAddr> SharedAnonymousMemory::GetPage(uint64_t index) {
  ktl::SpinlockGuard guard(lock_);
  if (index >= frames_.size()) return ktl::Errno::kENXIO;
  if (frames_[index] == 0) frames_[index] = TRY(pages().AllocZeroedPage());
  pages().Ref(frames_[index]);
  return frames_[index];
}

bool SharedAnonymousMemory::IsResident(uint64_t index) {
  ktl::SpinlockGuard guard(lock_);
  return index < frames_.size() && frames_[index] != 0;
}

ktl::Result<RefPtr<FileMapping>> CreateSharedAnonymousMapping(PageAllocator& pages,
                                                              uint64_t length) {
  auto object = TRY(SharedAnonymousMemory::Create(pages, (length + kPageSize - 1) / kPageSize));
  return FileMapping::Create(std::move(object), "/dev/zero (deleted)", 0, 0);
}

}  // namespace sentry::mm
