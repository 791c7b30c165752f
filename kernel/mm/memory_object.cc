#include "kernel/mm/memory_object.h"

#include <new>

namespace sentry::mm {

bool MemoryObject::TryRef() {
  uint32_t count = references_.load(std::memory_order_relaxed);
  while (count != 0) {
    if (references_.compare_exchange_weak(count, count + 1, std::memory_order_acquire)) {
      return true;
    }
  }
  return false;
}

ktl::Result<RefPtr<FileMapping>> FileMapping::Create(RefPtr<MemoryObject> object,
                                                     ktl::StringView path, uint64_t device,
                                                     uint64_t inode) {
  char* copy = new (std::nothrow) char[path.size() + 1];
  if (copy == nullptr) return ktl::Errno::kENOMEM;
  ktl::MemCopy(copy, path.data(), path.size());
  copy[path.size()] = '\0';
  auto* mapping = new (std::nothrow) FileMapping(std::move(object), copy, device, inode);
  if (mapping == nullptr) {
    delete[] copy;
    return ktl::Errno::kENOMEM;
  }
  return RefPtr<FileMapping>::Adopt(mapping);
}

}  // namespace sentry::mm
