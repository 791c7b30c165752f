#include "kernel/mm/heap.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <vector>

namespace sentry::mm {
namespace {

class HeapTest : public ::testing::Test {
 protected:
  static constexpr size_t kPages = 1024;
  static constexpr PhysAddr kBase = 0x1000000;

  HeapTest()
      : buffer_(static_cast<std::byte*>(std::aligned_alloc(kPageSize, kPages * kPageSize))) {
    EXPECT_TRUE(pages_.Init(buffer_ - kBase, kBase, kBase + kPages * kPageSize).ok());
  }
  ~HeapTest() override { std::free(buffer_); }

  std::byte* buffer_;
  PageAllocator pages_;
  Heap heap_{&pages_};
};

TEST_F(HeapTest, SizesAlignmentAndNoOverlap) {
  std::map<uintptr_t, size_t> live;  // start -> size
  for (size_t size : {1, 7, 16, 17, 31, 32, 100, 256, 257, 1000, 2048, 2049, 4096, 5000, 20000}) {
    for (size_t align : {1, 8, 16, 64, 512, 4096}) {
      void* p = heap_.Allocate(size, align);
      ASSERT_NE(p, nullptr) << size << "/" << align;
      const auto addr = reinterpret_cast<uintptr_t>(p);
      EXPECT_EQ(addr % align, 0u) << size << "/" << align;
      EXPECT_GE(heap_.AllocationSize(p), size);
      std::memset(p, 0x5a, size);
      live[addr] = size;
    }
  }
  uintptr_t prev_end = 0;
  for (auto [start, size] : live) {
    EXPECT_GE(start, prev_end) << "allocations overlap";
    prev_end = start + size;
  }
  for (auto [start, size] : live) heap_.Free(reinterpret_cast<void*>(start));
  EXPECT_EQ(heap_.bytes_in_use(), 0u);
}

TEST_F(HeapTest, ReusesFreedObjects) {
  void* a = heap_.Allocate(40);
  heap_.Free(a);
  void* b = heap_.Allocate(60);  // same 64-byte class
  EXPECT_EQ(a, b);
  heap_.Free(b);
  const size_t free_pages = pages_.free_pages();
  for (int round = 0; round < 100; ++round) {
    std::vector<void*> v;
    for (int i = 0; i < 200; ++i) v.push_back(heap_.Allocate(128));
    for (void* p : v) heap_.Free(p);
  }
  // Slab pages are kept, but steady-state churn does not grow the heap.
  EXPECT_LE(free_pages - pages_.free_pages(), 8u);
}

TEST_F(HeapTest, LargeAllocationsReturnPages) {
  const size_t before = pages_.free_pages();
  void* p = heap_.Allocate(3 * kPageSize + 1);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % kPageSize, 0u);
  EXPECT_EQ(heap_.AllocationSize(p), 4 * kPageSize);
  EXPECT_EQ(pages_.free_pages(), before - 4);
  heap_.Free(p);
  EXPECT_EQ(pages_.free_pages(), before);
}

TEST_F(HeapTest, ZeroSizeInvalidAlignAndExhaustion) {
  void* z = heap_.Allocate(0);
  ASSERT_NE(z, nullptr);
  void* z2 = heap_.Allocate(0);
  EXPECT_NE(z, z2);
  heap_.Free(z);
  heap_.Free(z2);
  heap_.Free(nullptr);
  EXPECT_EQ(heap_.Allocate(16, 3), nullptr);
  EXPECT_EQ(heap_.Allocate(16, 8192), nullptr);
  EXPECT_EQ(heap_.Allocate(kPages * kPageSize), nullptr);
  std::vector<void*> all;
  const size_t free_pages = pages_.free_pages();
  while (void* p = heap_.Allocate(2048)) all.push_back(p);
  EXPECT_EQ(all.size(), 2 * free_pages);
  EXPECT_EQ(heap_.Allocate(32), nullptr);  // a new class needs a page
  for (void* p : all) heap_.Free(p);
}

TEST_F(HeapTest, RandomizedAgainstAModel) {
  std::mt19937 rng(1234);
  std::vector<std::pair<unsigned char*, size_t>> live;
  for (int step = 0; step < 20000; ++step) {
    if (live.empty() || rng() % 3 != 0) {
      size_t size = rng() % 3 == 0 ? rng() % 10000 : rng() % 300;
      auto* p = static_cast<unsigned char*>(heap_.Allocate(size));
      if (p == nullptr) continue;
      std::memset(p, static_cast<int>(live.size() & 0xff), size);
      live.push_back({p, size});
    } else {
      size_t i = rng() % live.size();
      auto [p, size] = live[i];
      for (size_t k = 0; k < size; ++k) ASSERT_EQ(p[k], p[0]) << "heap corruption";
      heap_.Free(p);
      live[i] = live.back();
      live.pop_back();
    }
  }
  for (auto [p, size] : live) heap_.Free(p);
  EXPECT_EQ(heap_.bytes_in_use(), 0u);
}

using HeapDeathTest = HeapTest;

TEST_F(HeapDeathTest, BadFreesPanic) {
  auto* p = static_cast<char*>(heap_.Allocate(64));
  EXPECT_DEATH(heap_.Free(p + 8), "interior pointer");
  void* big = heap_.Allocate(3 * kPageSize);
  EXPECT_DEATH(heap_.Free(static_cast<char*>(big) + 16), "interior pointer");
  auto raw = pages_.AllocPage();
  ASSERT_TRUE(raw.ok());
  EXPECT_DEATH(heap_.Free(pages_.DirectMap(raw.value())), "not a heap allocation");
}

TEST(KernelHeapTest, GlobalInstance) {
  EXPECT_FALSE(KernelHeapReady());
  EXPECT_DEATH(KernelHeap(), "before InitKernelHeap");
  const size_t pages = 16;
  auto* buffer = static_cast<std::byte*>(std::aligned_alloc(kPageSize, pages * kPageSize));
  static PageAllocator allocator;  // the global heap keeps a pointer to it
  ASSERT_TRUE(allocator.Init(buffer, 0, pages * kPageSize).ok());
  InitKernelHeap(&allocator);
  EXPECT_TRUE(KernelHeapReady());
  void* p = KernelHeap().Allocate(100);
  EXPECT_NE(p, nullptr);
  KernelHeap().Free(p);
  EXPECT_DEATH(InitKernelHeap(&allocator), "twice");
}

}  // namespace
}  // namespace sentry::mm
