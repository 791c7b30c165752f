#include "kernel/mm/page_allocator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>
#include <thread>
#include <vector>

namespace sentry::mm {
namespace {

// A host buffer standing in for guest physical memory at [base, base + size):
// direct_map_base is chosen so PA p lands at buffer + (p - base).
class FakePhysMem {
 public:
  FakePhysMem(PhysAddr base, size_t pages)
      : base_(base),
        size_(pages * kPageSize),
        buffer_(static_cast<std::byte*>(std::aligned_alloc(kPageSize, size_))) {}
  ~FakePhysMem() { std::free(buffer_); }
  std::byte* direct_map_base() const { return buffer_ - base_; }
  PhysAddr base() const { return base_; }
  PhysAddr end() const { return base_ + size_; }

 private:
  PhysAddr base_;
  size_t size_;
  std::byte* buffer_;
};

class PageAllocatorTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(alloc_.Init(mem_.direct_map_base(), mem_.base(), mem_.end()).ok()); }

  FakePhysMem mem_{0x10000000, 256};
  PageAllocator alloc_;
};

TEST_F(PageAllocatorTest, CountsExcludeMetadata) {
  // 256 pages * 12 bytes of metadata fit in one page.
  EXPECT_EQ(alloc_.total_pages(), 255u);
  EXPECT_EQ(alloc_.free_pages(), 255u);
}

TEST_F(PageAllocatorTest, ExhaustionNoDuplicatesAndReuse) {
  std::set<PhysAddr> seen;
  for (size_t i = 0; i < alloc_.total_pages(); ++i) {
    auto pa = alloc_.AllocPage();
    ASSERT_TRUE(pa.ok());
    EXPECT_EQ(pa.value() % kPageSize, 0u);
    EXPECT_GE(pa.value(), mem_.base() + kPageSize);  // never the metadata page
    EXPECT_LT(pa.value(), mem_.end());
    EXPECT_TRUE(seen.insert(pa.value()).second) << "page handed out twice";
    // Scribble: must not corrupt the allocator's metadata.
    std::memset(alloc_.DirectMap(pa.value()), 0xa5, kPageSize);
  }
  EXPECT_EQ(alloc_.free_pages(), 0u);
  auto none = alloc_.AllocPage();
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error(), ktl::Errno::kENOMEM);

  PhysAddr some = *std::next(seen.begin(), 17);
  alloc_.FreePage(some);
  EXPECT_EQ(alloc_.free_pages(), 1u);
  auto again = alloc_.AllocPage();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.value(), some);
  for (PhysAddr pa : seen) alloc_.FreePage(pa);
  EXPECT_EQ(alloc_.free_pages(), alloc_.total_pages());
}

TEST_F(PageAllocatorTest, ZeroedPage) {
  auto pa = alloc_.AllocPage();
  ASSERT_TRUE(pa.ok());
  std::memset(alloc_.DirectMap(pa.value()), 0xff, kPageSize);
  alloc_.FreePage(pa.value());
  auto zeroed = alloc_.AllocZeroedPage();
  ASSERT_TRUE(zeroed.ok());
  EXPECT_EQ(zeroed.value(), pa.value());
  const std::byte* p = alloc_.DirectMap(zeroed.value());
  for (size_t i = 0; i < kPageSize; ++i) ASSERT_EQ(p[i], std::byte{0});
}

TEST_F(PageAllocatorTest, Contiguous) {
  auto run = alloc_.AllocContiguous(8);
  ASSERT_TRUE(run.ok());
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(alloc_.RefCount(run.value() + i * kPageSize), 1u);
  EXPECT_EQ(alloc_.free_pages(), alloc_.total_pages() - 8);
  // Single allocations never land inside the run.
  std::vector<PhysAddr> singles;
  while (true) {
    auto pa = alloc_.AllocPage();
    if (!pa.ok()) break;
    EXPECT_FALSE(pa.value() >= run.value() && pa.value() < run.value() + 8 * kPageSize);
    singles.push_back(pa.value());
  }
  EXPECT_FALSE(alloc_.AllocContiguous(2).ok());
  // Free every other single page: no run of 2 exists, a run of 1 does.
  for (size_t i = 0; i < singles.size(); i += 2) alloc_.FreePage(singles[i]);
  std::sort(singles.begin(), singles.end());
  auto fragmented = alloc_.AllocContiguous(3);
  EXPECT_FALSE(fragmented.ok());
  alloc_.FreeContiguous(run.value(), 8);
  auto again = alloc_.AllocContiguous(8);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.value(), run.value());
  EXPECT_FALSE(alloc_.AllocContiguous(0).ok());
  EXPECT_FALSE(alloc_.AllocContiguous(10000).ok());
}

TEST_F(PageAllocatorTest, RefCounts) {
  auto pa = alloc_.AllocPage();
  ASSERT_TRUE(pa.ok());
  const size_t free_before = alloc_.free_pages();
  EXPECT_EQ(alloc_.RefCount(pa.value()), 1u);
  EXPECT_EQ(alloc_.Ref(pa.value()), 2u);
  EXPECT_EQ(alloc_.Ref(pa.value()), 3u);
  EXPECT_EQ(alloc_.Unref(pa.value()), 2u);
  EXPECT_EQ(alloc_.Unref(pa.value()), 1u);
  EXPECT_EQ(alloc_.free_pages(), free_before);
  EXPECT_EQ(alloc_.Unref(pa.value()), 0u);  // freed
  EXPECT_EQ(alloc_.free_pages(), free_before + 1);
  EXPECT_EQ(alloc_.RefCount(pa.value()), 0u);
}

TEST_F(PageAllocatorTest, OwnerTag) {
  auto pa = alloc_.AllocPage();
  ASSERT_TRUE(pa.ok());
  EXPECT_EQ(alloc_.OwnerTag(pa.value()), 0u);
  alloc_.SetOwnerTag(pa.value(), 0x1234);
  EXPECT_EQ(alloc_.OwnerTag(pa.value()), 0x1234u);
  alloc_.FreePage(pa.value());
  auto again = alloc_.AllocPage();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(alloc_.OwnerTag(again.value()), 0u);  // reset on allocation
}

using PageAllocatorDeathTest = PageAllocatorTest;

TEST_F(PageAllocatorDeathTest, MisusePanics) {
  auto pa = alloc_.AllocPage();
  ASSERT_TRUE(pa.ok());
  const PhysAddr p = pa.value();
  alloc_.FreePage(p);
  EXPECT_DEATH(alloc_.FreePage(p), "double free");
  EXPECT_DEATH(alloc_.FreePage(mem_.end()), "bad physical address");
  EXPECT_DEATH(alloc_.FreePage(mem_.base()), "bad physical address");  // metadata page
  EXPECT_DEATH(alloc_.FreePage(p + 8), "bad physical address");
  EXPECT_DEATH(alloc_.Ref(p), "free page");
  EXPECT_DEATH(alloc_.Unref(p), "free page");
  auto shared = alloc_.AllocPage();
  ASSERT_TRUE(shared.ok());
  alloc_.Ref(shared.value());
  EXPECT_DEATH(alloc_.FreePage(shared.value()), "shared page");
}

TEST(PageAllocatorInitTest, RejectsBadRanges) {
  FakePhysMem mem(0x200000, 4);
  PageAllocator a;
  EXPECT_EQ(a.Init(mem.direct_map_base(), mem.end(), mem.base()).error(), ktl::Errno::kEINVAL);
  EXPECT_EQ(a.Init(mem.direct_map_base(), mem.base(), mem.base() + kPageSize).error(),
            ktl::Errno::kENOMEM);  // metadata takes the only page
  PageAllocator b;
  // Unaligned bounds are rounded inward.
  ASSERT_TRUE(b.Init(mem.direct_map_base(), mem.base() + 1, mem.end() - 1).ok());
  EXPECT_EQ(b.total_pages(), 1u);
  EXPECT_EQ(b.Init(mem.direct_map_base(), mem.base(), mem.end()).error(), ktl::Errno::kEINVAL);
}

TEST(PageAllocatorInitTest, LargeRangeMetadataSizing) {
  FakePhysMem mem(0, 8192);  // 32 MiB: 8192 * 12 bytes = 24 pages of metadata
  PageAllocator a;
  ASSERT_TRUE(a.Init(mem.direct_map_base(), mem.base(), mem.end()).ok());
  EXPECT_EQ(a.total_pages(), 8192u - 24);
  auto first = a.AllocPage();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first.value(), 24 * kPageSize);
}

TEST(PageAllocatorThreadTest, ConcurrentAllocFree) {
  FakePhysMem mem(0x100000, 1024);
  PageAllocator a;
  ASSERT_TRUE(a.Init(mem.direct_map_base(), mem.base(), mem.end()).ok());
  const size_t total = a.free_pages();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&a, t] {
      std::vector<PhysAddr> mine;
      for (int round = 0; round < 200; ++round) {
        for (int i = 0; i < 50; ++i) {
          auto pa = a.AllocPage();
          if (!pa.ok()) break;
          // Mark the page as ours; another thread seeing it would clobber it.
          *reinterpret_cast<int*>(a.DirectMap(pa.value())) = t;
          mine.push_back(pa.value());
        }
        for (PhysAddr pa : mine) {
          EXPECT_EQ(*reinterpret_cast<int*>(a.DirectMap(pa)), t);
          a.FreePage(pa);
        }
        mine.clear();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(a.free_pages(), total);
}

}  // namespace
}  // namespace sentry::mm
