#include "kernel/mm/vma_set.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace sentry::mm {
namespace {

constexpr uint64_t kP = 4096;
constexpr uint64_t kBase = 0x7f0000000000;  // mmap_base for the tests

Vma Anon(uint64_t start, uint64_t end, uint8_t prot = kProtRead | kProtWrite) {
  Vma v;
  v.start = start;
  v.end = end;
  v.prot = prot;
  return v;
}

// Compact picture of the set: "start-end:prot" per VMA, in pages.
std::string Layout(const VmaSet& set) {
  std::string out;
  for (const Vma& v : set.vmas()) {
    if (!out.empty()) out += ' ';
    out += std::to_string(v.start / kP) + "-" + std::to_string(v.end / kP) + ":" +
           std::to_string(v.prot);
  }
  return out;
}

using Pieces = std::vector<std::pair<uint64_t, uint64_t>>;

class VmaSetTest : public ::testing::Test {
 protected:
  // Maps [a, b) pages.
  void Map(uint64_t a, uint64_t b, uint8_t prot = 3) {
    ASSERT_TRUE(set_.Insert(Anon(a * kP, b * kP, prot)).ok());
  }
  VmaSet set_{kBase};
};

TEST_F(VmaSetTest, InsertFindAndMergeIdenticalNeighbours) {
  Map(100, 110);
  Map(120, 130);
  EXPECT_EQ(Layout(set_), "100-110:3 120-130:3");
  EXPECT_EQ(set_.Find(100 * kP)->end, 110 * kP);
  EXPECT_EQ(set_.Find(110 * kP - 1)->start, 100 * kP);
  EXPECT_EQ(set_.Find(110 * kP), nullptr);
  EXPECT_EQ(set_.FindAtOrAbove(110 * kP)->start, 120 * kP);
  EXPECT_EQ(set_.FindAtOrAbove(130 * kP), nullptr);
  Map(110, 120);  // fills the hole: all three merge
  EXPECT_EQ(Layout(set_), "100-130:3");
  Map(130, 140, 1);  // different prot: no merge
  EXPECT_EQ(Layout(set_), "100-130:3 130-140:1");
}

TEST_F(VmaSetTest, NamesAndFlagsPreventMerging) {
  Vma heap = Anon(100 * kP, 110 * kP);
  heap.name = kHeapVmaName;
  ASSERT_TRUE(set_.Insert(heap).ok());
  Map(110, 120);
  Vma stack = Anon(120 * kP, 130 * kP);
  stack.grows_down = true;
  ASSERT_TRUE(set_.Insert(stack).ok());
  EXPECT_EQ(set_.size(), 3u);
  Vma more_heap = Anon(90 * kP, 100 * kP);
  more_heap.name = "[heap]";  // another pointer, same string: merges
  ASSERT_TRUE(set_.Insert(more_heap).ok());
  EXPECT_EQ(set_.size(), 3u);
  EXPECT_EQ(set_.Find(95 * kP)->end, 110 * kP);
}

TEST_F(VmaSetTest, InsertValidation) {
  EXPECT_EQ(set_.Insert(Anon(100 * kP + 1, 110 * kP)).error(), ktl::Errno::kEINVAL);
  EXPECT_EQ(set_.Insert(Anon(100 * kP, 100 * kP)).error(), ktl::Errno::kEINVAL);
  EXPECT_EQ(set_.Insert(Anon(110 * kP, 100 * kP)).error(), ktl::Errno::kEINVAL);
  EXPECT_EQ(set_.Insert(Anon(0, kP)).error(), ktl::Errno::kEPERM);  // below mmap_min_addr
  EXPECT_EQ(set_.Insert(Anon(15 * kP, 17 * kP)).error(), ktl::Errno::kEPERM);
  EXPECT_TRUE(set_.Insert(Anon(16 * kP, 17 * kP)).ok());
  EXPECT_EQ(set_.Insert(Anon(VmaSet::kDefaultMaxAddress - kP, VmaSet::kDefaultMaxAddress + kP))
                .error(),
            ktl::Errno::kENOMEM);
  EXPECT_TRUE(set_.Insert(Anon(VmaSet::kDefaultMaxAddress - kP, VmaSet::kDefaultMaxAddress)).ok());
}

TEST_F(VmaSetTest, FixedReplaceReportsRemovedPieces) {
  Map(100, 110, 1);
  Map(115, 120, 3);
  Map(125, 130, 5);
  Pieces removed;
  ASSERT_TRUE(set_.Insert(Anon(105 * kP, 127 * kP, 7), true, [&](const Vma& v) {
                    removed.push_back({v.start / kP, v.end / kP});
                  }).ok());
  EXPECT_EQ(removed, (Pieces{{105, 110}, {115, 120}, {125, 127}}));
  EXPECT_EQ(Layout(set_), "100-105:1 105-127:7 127-130:5");
}

TEST_F(VmaSetTest, FixedInsideOneVmaSplitsIntoThree) {
  Map(100, 200);
  ASSERT_TRUE(set_.Insert(Anon(150 * kP, 160 * kP, 1)).ok());
  EXPECT_EQ(Layout(set_), "100-150:3 150-160:1 160-200:3");
  // Mapping the same attributes back merges everything again.
  ASSERT_TRUE(set_.Insert(Anon(150 * kP, 160 * kP, 3)).ok());
  EXPECT_EQ(Layout(set_), "100-200:3");
}

TEST_F(VmaSetTest, NoReplaceIsEexist) {
  Map(100, 110);
  EXPECT_EQ(set_.Insert(Anon(109 * kP, 111 * kP), false).error(), ktl::Errno::kEEXIST);
  EXPECT_TRUE(set_.Insert(Anon(110 * kP, 111 * kP), false).ok());
  EXPECT_EQ(Layout(set_), "100-111:3");
}

TEST_F(VmaSetTest, UnmapSplitsAndToleratesHoles) {
  Map(100, 110);
  Map(120, 130, 1);
  Pieces removed;
  auto record = [&](const Vma& v) { removed.push_back({v.start / kP, v.end / kP}); };
  ASSERT_TRUE(set_.Unmap(105 * kP, 106 * kP, record).ok());
  EXPECT_EQ(Layout(set_), "100-105:3 106-110:3 120-130:1");
  ASSERT_TRUE(set_.Unmap(108 * kP, 125 * kP, record).ok());
  EXPECT_EQ(Layout(set_), "100-105:3 106-108:3 125-130:1");
  ASSERT_TRUE(set_.Unmap(200 * kP, 300 * kP, record).ok());  // nothing there
  EXPECT_EQ(removed, (Pieces{{105, 106}, {108, 110}, {120, 125}}));
  ASSERT_TRUE(set_.Unmap(16 * kP, 1000 * kP).ok());
  EXPECT_EQ(set_.size(), 0u);
  EXPECT_EQ(set_.Unmap(kP, kP).error(), ktl::Errno::kEINVAL);
  EXPECT_EQ(set_.Unmap(kP + 1, 2 * kP).error(), ktl::Errno::kEINVAL);
}

TEST_F(VmaSetTest, UnmapKeepsFileOffsetsConsistent) {
  Vma v = Anon(100 * kP, 110 * kP);
  v.offset = 0x10000;
  ASSERT_TRUE(set_.Insert(v).ok());
  ASSERT_TRUE(set_.Unmap(102 * kP, 104 * kP).ok());
  EXPECT_EQ(set_.Find(104 * kP)->offset, 0x10000 + 4 * kP);
  EXPECT_EQ(set_.Find(100 * kP)->offset, 0x10000u);
}

TEST_F(VmaSetTest, ProtectSplitsAndRemerges) {
  Map(100, 110);
  ASSERT_TRUE(set_.Protect(102 * kP, 104 * kP, 1).ok());
  EXPECT_EQ(Layout(set_), "100-102:3 102-104:1 104-110:3");
  ASSERT_TRUE(set_.Protect(104 * kP, 110 * kP, 1).ok());
  EXPECT_EQ(Layout(set_), "100-102:3 102-110:1");
  ASSERT_TRUE(set_.Protect(100 * kP, 110 * kP, 3).ok());
  EXPECT_EQ(Layout(set_), "100-110:3");
}

TEST_F(VmaSetTest, ProtectWithHoleIsEnomemAndChangesNothing) {
  Map(100, 110);
  Map(111, 120);
  EXPECT_EQ(set_.Protect(105 * kP, 115 * kP, 1).error(), ktl::Errno::kENOMEM);
  EXPECT_EQ(Layout(set_), "100-110:3 111-120:3");
  EXPECT_EQ(set_.Protect(95 * kP, 105 * kP, 1).error(), ktl::Errno::kENOMEM);
  EXPECT_EQ(set_.Protect(200 * kP, 205 * kP, 1).error(), ktl::Errno::kENOMEM);
  EXPECT_EQ(Layout(set_), "100-110:3 111-120:3");
  // Spanning two adjacent VMAs with no hole is fine.
  Map(110, 111, 1);
  ASSERT_TRUE(set_.Protect(105 * kP, 115 * kP, 5).ok());
  EXPECT_EQ(Layout(set_), "100-105:3 105-115:5 115-120:3");
}

TEST_F(VmaSetTest, FindFreeRangeTopDown) {
  auto r = set_.FindFreeRange(10 * kP);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), kBase - 10 * kP);
  ASSERT_TRUE(set_.Insert(Anon(r.value(), r.value() + 10 * kP)).ok());
  auto r2 = set_.FindFreeRange(5 * kP);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2.value(), kBase - 15 * kP);
  // A hole between mappings that fits is used before lower space.
  ASSERT_TRUE(set_.Insert(Anon(kBase - 100 * kP, kBase - 20 * kP)).ok());
  auto r3 = set_.FindFreeRange(5 * kP);
  ASSERT_TRUE(r3.ok());
  EXPECT_EQ(r3.value(), kBase - 15 * kP);
  auto r4 = set_.FindFreeRange(11 * kP);  // the 10-page hole is too small
  ASSERT_TRUE(r4.ok());
  EXPECT_EQ(r4.value(), kBase - 111 * kP);
}

TEST_F(VmaSetTest, FindFreeRangeHint) {
  Map(100, 110);
  EXPECT_EQ(set_.FindFreeRange(5 * kP, 200 * kP).value(), 200 * kP);
  EXPECT_EQ(set_.FindFreeRange(5 * kP, 200 * kP + 1).value(), 201 * kP);  // rounded up
  EXPECT_EQ(set_.FindFreeRange(5 * kP, 105 * kP).value(), kBase - 5 * kP);  // taken
  EXPECT_EQ(set_.FindFreeRange(5 * kP, 96 * kP).value(), kBase - 5 * kP);   // would overlap
  EXPECT_EQ(set_.FindFreeRange(5 * kP, kP).value(), kBase - 5 * kP);        // below min
  EXPECT_EQ(set_.FindFreeRange(0).error(), ktl::Errno::kEINVAL);
  EXPECT_EQ(set_.FindFreeRange(kP + 1).error(), ktl::Errno::kEINVAL);
}

TEST_F(VmaSetTest, FindFreeRangeKeepsStackGuardGap) {
  Vma stack = Anon(kBase - 100 * kP, kBase);
  stack.grows_down = true;
  stack.name = kStackVmaName;
  ASSERT_TRUE(set_.Insert(stack).ok());
  auto r = set_.FindFreeRange(kP);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), kBase - 100 * kP - VmaSet::kStackGuardGap - kP);
  // A hint inside the guard gap is not honoured either.
  EXPECT_NE(set_.FindFreeRange(kP, kBase - 101 * kP).value(), kBase - 101 * kP);
}

TEST(VmaSetSmallSpaceTest, FallsBackAboveMmapBaseThenEnomem) {
  // Address space [64 KiB, 1 MiB), mmap_base at 512 KiB.
  VmaSet set(0x80000, 0x10000, 0x100000);
  ASSERT_TRUE(set.Insert(Anon(0x10000, 0x80000)).ok());  // everything below the base
  auto r = set.FindFreeRange(0x10000);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), 0x80000u);  // bottom-up above the base
  ASSERT_TRUE(set.Insert(Anon(0x80000, 0x100000)).ok());
  EXPECT_EQ(set.FindFreeRange(kP).error(), ktl::Errno::kENOMEM);
  EXPECT_EQ(set.FindFreeRange(0x200000).error(), ktl::Errno::kENOMEM);
}

TEST_F(VmaSetTest, RemapShrink) {
  Map(100, 110);
  Pieces removed;
  auto r = set_.Remap(100 * kP, 10 * kP, 4 * kP, {},
                      [&](const Vma& v) { removed.push_back({v.start / kP, v.end / kP}); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().new_start, 100 * kP);
  EXPECT_FALSE(r.value().moved);
  EXPECT_EQ(removed, (Pieces{{104, 110}}));
  EXPECT_EQ(Layout(set_), "100-104:3");
}

TEST_F(VmaSetTest, RemapGrowInPlace) {
  Map(100, 110);
  Map(120, 130, 1);
  auto r = set_.Remap(100 * kP, 10 * kP, 20 * kP);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.value().moved);
  EXPECT_EQ(Layout(set_), "100-120:3 120-130:1");
  // No room now, and no MAYMOVE.
  EXPECT_EQ(set_.Remap(100 * kP, 20 * kP, 21 * kP).error(), ktl::Errno::kENOMEM);
  // Growing a range that does not end its VMA cannot be done in place.
  EXPECT_EQ(set_.Remap(100 * kP, 5 * kP, 6 * kP).error(), ktl::Errno::kENOMEM);
}

TEST_F(VmaSetTest, RemapMayMove) {
  Vma v = Anon(100 * kP, 110 * kP, 1);
  v.offset = 0x5000;
  ASSERT_TRUE(set_.Insert(v).ok());
  Map(110, 120);
  RemapOptions move{.may_move = true};
  auto r = set_.Remap(102 * kP, 4 * kP, 8 * kP, move);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.value().moved);
  EXPECT_EQ(r.value().moved_length, 4 * kP);
  EXPECT_EQ(r.value().new_start, kBase - 8 * kP);
  const Vma* moved = set_.Find(r.value().new_start);
  ASSERT_NE(moved, nullptr);
  EXPECT_EQ(moved->end, kBase);
  EXPECT_EQ(moved->prot, 1);
  EXPECT_EQ(moved->offset, 0x5000 + 2 * kP);
  EXPECT_EQ(set_.Find(103 * kP), nullptr);  // the old range is gone
  EXPECT_NE(set_.Find(101 * kP), nullptr);
  EXPECT_NE(set_.Find(106 * kP), nullptr);
}

TEST_F(VmaSetTest, RemapFixed) {
  Map(100, 110);
  Map(200, 210, 5);
  Pieces removed;
  RemapOptions fixed{.may_move = true, .fixed = true, .fixed_address = 205 * kP};
  auto r = set_.Remap(100 * kP, 10 * kP, 4 * kP, fixed,
                      [&](const Vma& v) { removed.push_back({v.start / kP, v.end / kP}); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().new_start, 205 * kP);
  EXPECT_EQ(r.value().moved_length, 4 * kP);
  EXPECT_EQ(removed, (Pieces{{205, 209}, {104, 110}}));
  EXPECT_EQ(Layout(set_), "200-205:5 205-209:3 209-210:5");
}

TEST_F(VmaSetTest, RemapErrors) {
  Map(100, 110);
  Map(110, 120, 1);
  EXPECT_EQ(set_.Remap(50 * kP, kP, 2 * kP).error(), ktl::Errno::kEFAULT);
  EXPECT_EQ(set_.Remap(105 * kP, 10 * kP, 20 * kP).error(), ktl::Errno::kEFAULT);  // spans 2
  EXPECT_EQ(set_.Remap(100 * kP, 0, kP).error(), ktl::Errno::kEINVAL);
  EXPECT_EQ(set_.Remap(100 * kP, kP, 0).error(), ktl::Errno::kEINVAL);
  EXPECT_EQ(set_.Remap(100 * kP + 1, kP, kP).error(), ktl::Errno::kEINVAL);
  RemapOptions fixed_only{.fixed = true, .fixed_address = 300 * kP};
  EXPECT_EQ(set_.Remap(100 * kP, kP, kP, fixed_only).error(), ktl::Errno::kEINVAL);
  RemapOptions overlapping{.may_move = true, .fixed = true, .fixed_address = 101 * kP};
  EXPECT_EQ(set_.Remap(100 * kP, 4 * kP, 4 * kP, overlapping).error(), ktl::Errno::kEINVAL);
  EXPECT_EQ(Layout(set_), "100-110:3 110-120:1");
}

TEST_F(VmaSetTest, Brk) {
  const uint64_t start = 0x600000 + 0x123;  // brk starts mid-page after .bss
  uint64_t brk = start;
  ASSERT_TRUE(set_.Brk(start, brk, start + 100).ok());
  brk = start + 100;
  // Still within the page holding the end of .bss: no heap VMA yet.
  EXPECT_EQ(set_.size(), 0u);
  ASSERT_TRUE(set_.Brk(start, brk, start + 3 * kP).ok());
  brk = start + 3 * kP;
  const Vma* heap = set_.Find(0x601000);
  ASSERT_NE(heap, nullptr);
  EXPECT_STREQ(heap->name, "[heap]");
  EXPECT_EQ(heap->start, 0x601000u);
  EXPECT_EQ(heap->end, 0x604000u);
  Pieces removed;
  ASSERT_TRUE(set_.Brk(start, brk, start + kP, [&](const Vma& v) {
                    removed.push_back({v.start, v.end});
                  }).ok());
  EXPECT_EQ(removed, (Pieces{{0x602000, 0x604000}}));
  EXPECT_EQ(set_.Brk(start, brk, start - 1).error(), ktl::Errno::kEINVAL);
  // Growing into another mapping, or into the page just below it, fails
  // (Linux keeps one page free above the break).
  ASSERT_TRUE(set_.Insert(Anon(0x700000, 0x701000)).ok());
  EXPECT_EQ(set_.Brk(start, start + kP, 0x700000).error(), ktl::Errno::kENOMEM);
  EXPECT_EQ(set_.Brk(start, start + kP, 0x6ff001).error(), ktl::Errno::kENOMEM);
  EXPECT_TRUE(set_.Brk(start, start + kP, 0x6ff000).ok());
  EXPECT_EQ(set_.Find(0x602000)->end, 0x6ff000u);
}

TEST(VmaSetCapTest, MaxMapCount) {
  VmaSet set(kBase);
  // Alternate protections so nothing merges: one VMA per page.
  const uint64_t base = 0x10000000;
  for (size_t i = 0; i < VmaSet::kMaxVmas; ++i) {
    ASSERT_TRUE(set.Insert(Anon(base + i * kP, base + (i + 1) * kP, i % 2 ? 1 : 3)).ok()) << i;
  }
  EXPECT_EQ(set.size(), VmaSet::kMaxVmas);
  const uint64_t far = 0x500000000000;
  EXPECT_EQ(set.Insert(Anon(far, far + kP)).error(), ktl::Errno::kENOMEM);
  // Replacing an existing VMA does not add one.
  EXPECT_TRUE(set.Insert(Anon(base, base + kP, 5)).ok());
  // Merging into a neighbour does not either: page 1 takes page 0's prot.
  EXPECT_TRUE(set.Insert(Anon(base + kP, base + 2 * kP, 5)).ok());
  EXPECT_EQ(set.size(), VmaSet::kMaxVmas - 1);
  EXPECT_TRUE(set.Insert(Anon(far, far + kP)).ok());
  // Splitting a 2-page VMA in the middle is refused at the cap.
  EXPECT_EQ(set.Unmap(base + kP, base + 2 * kP).ok(), true);  // ends it: no split
  EXPECT_TRUE(set.Insert(Anon(far + kP, far + 2 * kP)).ok());  // merges with far
  EXPECT_EQ(set.size(), VmaSet::kMaxVmas);
  EXPECT_EQ(set.Unmap(far, far + kP).ok(), true);  // trims, no split
  ASSERT_TRUE(set.Insert(Anon(far, far + kP)).ok());
  EXPECT_EQ(set.Protect(far, far + kP, 1).error(), ktl::Errno::kENOMEM);
  EXPECT_EQ(set.Unmap(far + kP, far + kP).error(), ktl::Errno::kEINVAL);
  // Unmapping whole VMAs always works at the cap.
  EXPECT_TRUE(set.Unmap(base + 10 * kP, base + 20 * kP).ok());
  EXPECT_EQ(set.size(), VmaSet::kMaxVmas - 10);
}

}  // namespace
}  // namespace sentry::mm
