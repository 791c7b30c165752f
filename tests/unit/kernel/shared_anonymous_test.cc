// MAP_SHARED|MAP_ANONYMOUS memory (what fork's parent and child both map)
// and the VMA copy fork makes.
#include "kernel/mm/shared_anonymous.h"

#include "gtest/gtest.h"
#include "kernel/mm/vma_set.h"
#include "tests/unit/kernel/host_frames.h"

namespace sentry::mm {
namespace {

using sentry::testing::HostFrames;

TEST(SharedAnonymousTest, PagesAreZeroedSharedAndRefcounted) {
  HostFrames frames(64);
  size_t free_before = frames.allocator.free_pages();
  {
    auto object = SharedAnonymousMemory::Create(frames.allocator, 3);
    ASSERT_TRUE(object.ok());
    EXPECT_FALSE(object.value()->IsResident(0));
    auto first = object.value()->GetPage(1);
    ASSERT_TRUE(first.ok());
    EXPECT_TRUE(object.value()->IsResident(1));
    EXPECT_EQ(frames.At(first.value())[0], 0);
    EXPECT_EQ(frames.At(first.value())[4095], 0);
    // The object's reference plus the caller's (a page table's).
    EXPECT_EQ(frames.allocator.RefCount(first.value()), 2u);
    frames.At(first.value())[10] = 'x';
    // A second mapping (fork's child) gets the very same frame.
    auto second = object.value()->GetPage(1);
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(second.value(), first.value());
    EXPECT_EQ(frames.At(second.value())[10], 'x');
    EXPECT_EQ(frames.allocator.RefCount(first.value()), 3u);
    frames.allocator.Unref(first.value());
    frames.allocator.Unref(second.value());
    EXPECT_EQ(object.value()->GetPage(3).error(), ktl::Errno::kENXIO);  // past the size
  }
  // The last reference freed every frame.
  EXPECT_EQ(frames.allocator.free_pages(), free_before);
}

TEST(SharedAnonymousTest, MappingOutlivesTheCallerButNotItsVmas) {
  HostFrames frames(64);
  size_t free_before = frames.allocator.free_pages();
  {
    auto mapping = CreateSharedAnonymousMapping(frames.allocator, 2 * kPageSize);
    ASSERT_TRUE(mapping.ok());
    EXPECT_STREQ(mapping.value()->path(), "/dev/zero (deleted)");
    auto frame = mapping.value()->object().GetPage(0);
    ASSERT_TRUE(frame.ok());
    frames.allocator.Unref(frame.value());  // unmapped again
    EXPECT_TRUE(mapping.value()->object().IsResident(0));
  }
  EXPECT_EQ(frames.allocator.free_pages(), free_before);
}

TEST(VmaSetCopyTest, ForkCopyIsEqualThenIndependent) {
  constexpr uint64_t kP = kPageSize;
  VmaSet parent(0x7f0000000000ull);
  Vma vma;
  vma.start = 16 * kP;
  vma.end = 32 * kP;
  vma.prot = kProtRead | kProtWrite;
  ASSERT_TRUE(parent.Insert(vma).ok());
  vma.start = 64 * kP;
  vma.end = 65 * kP;
  vma.prot = kProtRead;
  ASSERT_TRUE(parent.Insert(vma).ok());

  VmaSet child(0);
  ASSERT_TRUE(child.CopyFrom(parent).ok());
  ASSERT_EQ(child.size(), 2u);
  EXPECT_EQ(child.mmap_base(), parent.mmap_base());
  EXPECT_EQ(child.vmas()[0].start, 16 * kP);
  EXPECT_EQ(child.vmas()[1].prot, kProtRead);

  ASSERT_TRUE(child.Unmap(16 * kP, 32 * kP).ok());
  EXPECT_EQ(child.size(), 1u);
  EXPECT_EQ(parent.size(), 2u);
  EXPECT_NE(parent.Find(20 * kP), nullptr);
}

}  // namespace
}  // namespace sentry::mm
