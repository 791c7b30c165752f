#include "vmm/guest_page_walk.h"

#include <cstring>
#include <random>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "platform_kvm/abi/memory_layout.h"

namespace ringfence::vmm {
namespace {

constexpr uint64_t kP = 1 << 0;
constexpr uint64_t kRw = 1 << 1;
constexpr uint64_t kUs = 1 << 2;
constexpr uint64_t kPs = 1 << 7;
constexpr uint64_t kNx = 1ull << 63;

// Hand-built tables in a host buffer standing in for guest physical memory.
class PageWalkTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kMemory = 4 << 20;
  static constexpr uint64_t kPml4 = 0x1000;
  static constexpr uint64_t kPdpt = 0x2000;
  static constexpr uint64_t kPd = 0x3000;
  static constexpr uint64_t kPt = 0x4000;

  PageWalkTest() : memory_(kMemory) {}

  void SetEntry(uint64_t table, uint64_t index, uint64_t value) {
    std::memcpy(memory_.data() + table + index * 8, &value, 8);
  }
  static uint64_t Index(uint64_t gva, int level) {
    return (gva >> (12 + 9 * (level - 1))) & 0x1ff;
  }
  // Maps the 4 KiB page at `gva` to `gpa` through kPml4..kPt.
  void Map4K(uint64_t gva, uint64_t gpa, uint64_t flags = kP | kRw) {
    SetEntry(kPml4, Index(gva, 4), kPdpt | kP | kRw | kUs);
    SetEntry(kPdpt, Index(gva, 3), kPd | kP | kRw | kUs);
    SetEntry(kPd, Index(gva, 2), kPt | kP | kRw | kUs);
    SetEntry(kPt, Index(gva, 1), gpa | flags);
  }

  auto Reader() {
    return [this](uint64_t gpa, void* out, size_t len) {
      return ReadGuestPhysical(memory_, gpa, out, len);
    };
  }
  absl::StatusOr<GuestTranslation> Translate(uint64_t gva, uint64_t cr3 = kPml4,
                                             uint64_t limit = 0) {
    return TranslateGuestVirtual(cr3, gva, Reader(), limit);
  }

  std::vector<uint8_t> memory_;
};

TEST_F(PageWalkTest, Translates4KPage) {
  Map4K(0x400000, 0x5000, kP | kRw | kUs);
  auto t = Translate(0x400123);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->gpa, 0x5123u);
  EXPECT_EQ(t->page_size, 4096u);
  EXPECT_TRUE(t->writable);
  EXPECT_TRUE(t->user);
  EXPECT_TRUE(t->executable);
}

TEST_F(PageWalkTest, IgnoresPcidAndNoFlushBitsOfCr3) {
  Map4K(0x400000, 0x5000);
  auto t = Translate(0x400010, kPml4 | 0x5 | (1ull << 63));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->gpa, 0x5010u);
}

TEST_F(PageWalkTest, PermissionsAreTheIntersectionOfAllLevels) {
  Map4K(0x400000, 0x5000, kP | kNx);  // read-only, supervisor, no-exec leaf
  auto t = Translate(0x400000);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_FALSE(t->writable);
  EXPECT_FALSE(t->user);
  EXPECT_FALSE(t->executable);
}

TEST_F(PageWalkTest, Translates2MPageInTheSentryWindow) {
  uint64_t gva = abi::kSentryVirtBase + abi::kSentryImageGpa + 0x1234;
  SetEntry(kPml4, Index(gva, 4), kPdpt | kP | kRw);
  SetEntry(kPdpt, Index(gva, 3), kPd | kP | kRw);
  // PAT (bit 12) set: it is an attribute in a large-page entry, not address.
  SetEntry(kPd, Index(gva, 2), abi::kSentryImageGpa | kP | kPs | (1 << 12));
  auto t = Translate(gva);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->gpa, abi::kSentryImageGpa + 0x1234);
  EXPECT_EQ(t->page_size, 2u << 20);
  EXPECT_FALSE(t->user);
}

TEST_F(PageWalkTest, Translates1GPage) {
  uint64_t gva = abi::kPhysmapBase + (1ull << 30) + 0xabcdef;
  SetEntry(kPml4, Index(gva, 4), kPdpt | kP | kRw);
  SetEntry(kPdpt, Index(gva, 3), (1ull << 30) | kP | kRw | kPs | kNx);
  auto t = Translate(gva);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->gpa, (1ull << 30) + 0xabcdef);
  EXPECT_EQ(t->page_size, 1ull << 30);
  EXPECT_FALSE(t->executable);
  // The frame lies beyond our 4 MiB of "guest memory".
  EXPECT_EQ(Translate(gva, kPml4, kMemory).status().code(),
            absl::StatusCode::kOutOfRange);
}

TEST_F(PageWalkTest, NotPresentAtEachLevel) {
  EXPECT_EQ(Translate(0x400000).status().code(), absl::StatusCode::kNotFound);
  Map4K(0x400000, 0x5000);
  // Same PML4E/PDPTE/PDE, other PTE: leaf not present.
  EXPECT_EQ(Translate(0x401000).status().code(), absl::StatusCode::kNotFound);
  // Other PDE.
  EXPECT_EQ(Translate(0x800000).status().code(), absl::StatusCode::kNotFound);
  // Other PML4E.
  EXPECT_EQ(Translate(0x8000000000).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(PageWalkTest, NonCanonicalAddress) {
  EXPECT_EQ(Translate(0x0000800000000000).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(PageWalkTest, HostileEntriesPointingOutsideMemory) {
  // CR3 itself outside memory.
  EXPECT_EQ(Translate(0x1000, 0x7ffffffff000).status().code(),
            absl::StatusCode::kOutOfRange);
  // CR3 at the very last page: the entry read straddles nothing but the
  // index can push it past the end.
  EXPECT_EQ(Translate(0x00007f8000000000, kMemory - 0x1000).status().code(),
            absl::StatusCode::kNotFound);  // zeroed entry inside memory
  // A PML4E with every address bit set.
  SetEntry(kPml4, 0, 0x000ffffffffff000 | kP);
  EXPECT_EQ(Translate(0x1000).status().code(), absl::StatusCode::kOutOfRange);
  // A PDE pointing just past the end.
  SetEntry(kPml4, 0, kPdpt | kP);
  SetEntry(kPdpt, 0, kPd | kP);
  SetEntry(kPd, 0, kMemory | kP);
  EXPECT_EQ(Translate(0x1000).status().code(), absl::StatusCode::kOutOfRange);
}

TEST_F(PageWalkTest, ReservedBits) {
  SetEntry(kPml4, 0, kPdpt | kP | kPs);
  EXPECT_EQ(Translate(0x1000).status().code(), absl::StatusCode::kDataLoss);
  // A 2 MiB page whose frame is not 2 MiB aligned.
  SetEntry(kPml4, 0, kPdpt | kP);
  SetEntry(kPdpt, 0, kPd | kP);
  SetEntry(kPd, 0, 0x202000 | kP | kPs);
  EXPECT_EQ(Translate(0x1000).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(PageWalkTest, SelfReferencingTableTerminates) {
  // Recursive mapping: every level points back at the PML4.
  SetEntry(kPml4, 0, kPml4 | kP | kRw);
  auto t = Translate(0x0);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->gpa, kPml4);
}

TEST_F(PageWalkTest, ReadGuestVirtualStopsAtUnmappedPage) {
  Map4K(0x400000, 0x5000);
  Map4K(0x401000, 0x9000);
  for (int i = 0; i < 4096; ++i) {
    memory_[0x5000 + i] = 0xaa;
    memory_[0x9000 + i] = 0xbb;
  }
  std::vector<uint8_t> out(3 * 4096, 0);
  size_t n =
      ReadGuestVirtual(kPml4, 0x400ff0, out.data(), out.size(), Reader());
  EXPECT_EQ(n, 0x10u + 4096u);
  EXPECT_EQ(out[0], 0xaa);
  EXPECT_EQ(out[0xf], 0xaa);
  EXPECT_EQ(out[0x10], 0xbb);
  EXPECT_EQ(out[0x100f], 0xbb);
  EXPECT_EQ(ReadGuestVirtual(kPml4, 0x402000, out.data(), 8, Reader()), 0u);
  // Top of the address space: must not wrap around to 0.
  EXPECT_EQ(ReadGuestVirtual(kPml4, ~0ull - 3, out.data(), 16, Reader()), 0u);
}

TEST(ReadGuestPhysicalTest, BoundsAndOverflow) {
  std::vector<uint8_t> memory(4096, 7);
  uint8_t buf[16];
  EXPECT_TRUE(ReadGuestPhysical(memory, 4096 - 16, buf, 16));
  EXPECT_FALSE(ReadGuestPhysical(memory, 4096 - 15, buf, 16));
  EXPECT_FALSE(ReadGuestPhysical(memory, ~0ull - 4, buf, 16));
  EXPECT_FALSE(ReadGuestPhysical(memory, 8, buf, ~size_t{0}));
  EXPECT_TRUE(ReadGuestPhysical(memory, 4096, buf, 0));
}

TEST_F(PageWalkTest, RandomTablesNeverCrash) {
  std::mt19937_64 rng(42);
  for (auto& byte : memory_) byte = static_cast<uint8_t>(rng());
  int ok = 0;
  for (int i = 0; i < 20000; ++i) {
    uint64_t cr3 = rng() & 0x3ff000;
    uint64_t gva = rng();
    if (rng() & 1) gva &= 0x00007fffffffffffull;  // make most canonical
    auto t = Translate(gva, cr3, kMemory);
    if (t.ok()) {
      ++ok;
      EXPECT_LT(t->gpa, kMemory);
    }
  }
  SUCCEED() << ok << " random walks translated";
}

}  // namespace
}  // namespace ringfence::vmm
