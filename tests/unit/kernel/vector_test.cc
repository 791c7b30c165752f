#include "kernel/ktl/vector.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <memory>

namespace ktl {
namespace {

TEST(VectorTest, PushInsertErase) {
  Vector<int> v;
  EXPECT_TRUE(v.empty());
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(v.PushBack(i).ok());
  EXPECT_EQ(v.size(), 100u);
  EXPECT_GE(v.capacity(), 100u);
  ASSERT_TRUE(v.Insert(0, -1).ok());
  ASSERT_TRUE(v.Insert(50, 1000).ok());
  ASSERT_TRUE(v.Insert(v.size(), 2000).ok());
  EXPECT_EQ(v.front(), -1);
  EXPECT_EQ(v[50], 1000);
  EXPECT_EQ(v[51], 49);
  EXPECT_EQ(v.back(), 2000);
  v.Erase(50);
  v.Erase(0);
  v.PopBack();
  ASSERT_EQ(v.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(v[i], i);
  v.Erase(10, 90);
  ASSERT_EQ(v.size(), 20u);
  EXPECT_EQ(v[9], 9);
  EXPECT_EQ(v[10], 90);
  v.Erase(5, 5);
  EXPECT_EQ(v.size(), 20u);
  int sum = 0;
  for (int x : v) sum += x;
  EXPECT_EQ(sum, 45 + (90 + 99) * 10 / 2);
  v.Clear();
  EXPECT_TRUE(v.empty());
}

TEST(VectorTest, MoveOnlyElementsAndDestruction) {
  auto counter = std::make_shared<int>(0);
  {
    Vector<std::unique_ptr<int>> v;
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(v.PushBack(std::make_unique<int>(i)).ok());
    ASSERT_TRUE(v.Insert(3, std::make_unique<int>(42)).ok());
    EXPECT_EQ(*v[3], 42);
    v.Erase(3);
    EXPECT_EQ(*v[3], 3);
    Vector<std::unique_ptr<int>> w = std::move(v);
    EXPECT_EQ(w.size(), 10u);
    EXPECT_EQ(v.size(), 0u);  // NOLINT: moved-from state is defined
  }
  {
    Vector<std::shared_ptr<int>> v;
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(v.PushBack(counter).ok());
    EXPECT_EQ(counter.use_count(), 51);
    v.Erase(0, 25);
    EXPECT_EQ(counter.use_count(), 26);
  }
  EXPECT_EQ(counter.use_count(), 1);  // destructor ran for every element
}

TEST(VectorTest, ReserveResizeClone) {
  Vector<int> v;
  ASSERT_TRUE(v.Reserve(64).ok());
  EXPECT_EQ(v.capacity(), 64u);
  const int* data = v.data();
  for (int i = 0; i < 64; ++i) ASSERT_TRUE(v.PushBack(i).ok());
  EXPECT_EQ(v.data(), data);  // no reallocation within capacity
  ASSERT_TRUE(v.Resize(70).ok());
  EXPECT_EQ(v[69], 0);
  ASSERT_TRUE(v.Resize(3).ok());
  EXPECT_EQ(v.size(), 3u);
  auto copy = v.Clone();
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ(copy.value().size(), 3u);
  EXPECT_EQ(copy.value()[2], 2);
}

TEST(VectorTest, ImpossibleSizesFailWithENOMEM) {
  Vector<uint64_t> v;
  auto r = v.Reserve(std::numeric_limits<size_t>::max() / 4);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Errno::kENOMEM);
  EXPECT_EQ(v.capacity(), 0u);  // unchanged
  ASSERT_TRUE(v.PushBack(1).ok());
}

struct alignas(64) OverAligned {
  int value;
};

TEST(VectorTest, OverAlignedElements) {
  Vector<OverAligned> v;
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(v.PushBack(OverAligned{i}).ok());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(v.data()) % 64, 0u);
  EXPECT_EQ(v[19].value, 19);
}

TEST(VectorDeathTest, OutOfRangeIndexPanics) {
  Vector<int> v;
  ASSERT_TRUE(v.PushBack(1).ok());
  EXPECT_DEATH((void)v[1], "assertion failed");
}

}  // namespace
}  // namespace ktl
