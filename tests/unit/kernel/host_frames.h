// HostFrames: a PageAllocator over a host buffer standing in for guest
// memory, for tests of code that maps and refcounts frames.
#ifndef RINGFENCE_TESTS_UNIT_KERNEL_HOST_FRAMES_H_
#define RINGFENCE_TESTS_UNIT_KERNEL_HOST_FRAMES_H_

#include <cstdlib>

#include "gtest/gtest.h"
#include "kernel/mm/page_allocator.h"

namespace sentry::testing {

class HostFrames {
 public:
  explicit HostFrames(size_t pages)
      : bytes_(pages * mm::kPageSize),
        buffer_(static_cast<std::byte*>(std::aligned_alloc(mm::kPageSize, bytes_))) {
    EXPECT_TRUE(allocator.Init(buffer_ - kBase, kBase, kBase + bytes_).ok());
  }
  ~HostFrames() { std::free(buffer_); }
  char* At(mm::PhysAddr frame) { return reinterpret_cast<char*>(allocator.DirectMap(frame)); }

  mm::PageAllocator allocator;

 private:
  static constexpr mm::PhysAddr kBase = 0x100000;
  size_t bytes_;
  std::byte* buffer_;
};

}  // namespace sentry::testing

#endif  // RINGFENCE_TESTS_UNIT_KERNEL_HOST_FRAMES_H_
