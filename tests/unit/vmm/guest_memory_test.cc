// GuestMemory: size validation at creation and overflow-safe bounds checks on
// every access (the hypercall service relies on them for every guest range).
#include "vmm/guest_memory.h"

#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "platform_kvm/abi/memory_layout.h"

namespace ringfence::vmm {
namespace {

using U64s = std::initializer_list<uint64_t>;

constexpr uint64_t kMiB = 1ull << 20;
constexpr uint64_t kSize = abi::kMinGuestMemory;

TEST(GuestMemoryCreateTest, RejectsBadSizes) {
  for (uint64_t size :
       U64s{0, 1, 4096, abi::kLargePageSize, abi::kMinGuestMemory - 2 * kMiB,
            abi::kMinGuestMemory + 1, abi::kMinGuestMemory + 4096, abi::kMinGuestMemory + kMiB,
            33 * kMiB, abi::kMaxGuestMemory + 2 * kMiB, abi::kMaxGuestMemory + 1, 4ull << 30,
            1ull << 40, 1ull << 63, UINT64_MAX, UINT64_MAX - 2 * kMiB + 1}) {
    auto memory = GuestMemory::Create(size);
    ASSERT_FALSE(memory.ok()) << size;
    EXPECT_EQ(memory.status().code(), absl::StatusCode::kInvalidArgument) << size;
  }
}

TEST(GuestMemoryCreateTest, AcceptsValidSizes) {
  for (uint64_t size : U64s{abi::kMinGuestMemory, abi::kMinGuestMemory + 2 * kMiB, 64 * kMiB,
                            abi::kMaxGuestMemory}) {
    auto memory = GuestMemory::Create(size);
    ASSERT_TRUE(memory.ok()) << size << ": " << memory.status();
    EXPECT_EQ(memory->size(), size);
    EXPECT_NE(memory->host_base(), nullptr);
    EXPECT_GE(memory->memfd(), 0);
    EXPECT_TRUE(memory->Contains(0, size));
    EXPECT_FALSE(memory->Contains(0, size + 1));
  }
}

class GuestMemoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto memory = GuestMemory::Create(kSize);
    ASSERT_TRUE(memory.ok()) << memory.status();
    memory_.emplace(std::move(*memory));
  }
  std::optional<GuestMemory> memory_;
};

TEST_F(GuestMemoryTest, StartsZeroed) {
  for (uint64_t gpa : U64s{0, 4096, kSize / 2, kSize - 8}) {
    uint64_t value = 1;
    ASSERT_TRUE(memory_->ReadObject(gpa, &value));
    EXPECT_EQ(value, 0u);
  }
}

TEST_F(GuestMemoryTest, ContainsBounds) {
  struct Case {
    uint64_t gpa, length;
    bool inside;
  };
  const Case cases[] = {
      {0, 0, true},
      {0, kSize, true},
      {0, kSize + 1, false},
      {1, kSize, false},
      {kSize - 1, 1, true},
      {kSize - 1, 2, false},
      {kSize, 0, true},  // the empty range at the end
      {kSize, 1, false},
      {kSize + 1, 0, false},
      {kSize / 2, kSize / 2, true},
      {kSize / 2, kSize / 2 + 1, false},
      // gpa + length wraps around 2^64.
      {1, UINT64_MAX, false},
      {4096, UINT64_MAX - 4095, false},  // sum == 0
      {kSize - 1, UINT64_MAX, false},
      {UINT64_MAX, 0, false},
      {UINT64_MAX, 1, false},
      {UINT64_MAX, UINT64_MAX, false},
      {UINT64_MAX - kSize, kSize, false},
      {0, UINT64_MAX, false},
      {1ull << 63, 1ull << 63, false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(memory_->Contains(c.gpa, c.length), c.inside) << c.gpa << "+" << c.length;
    auto slice = memory_->Slice(c.gpa, c.length);
    if (c.inside) {
      EXPECT_EQ(slice.size(), c.length);
      EXPECT_EQ(slice.data(), memory_->host_base() + c.gpa);
    } else {
      EXPECT_TRUE(slice.empty());
    }
  }
}

TEST_F(GuestMemoryTest, ReadWriteRoundTrip) {
  const char kText[] = "guest bytes";
  ASSERT_TRUE(memory_->Write(0x1234, kText, sizeof(kText)));
  char out[sizeof(kText)] = {};
  ASSERT_TRUE(memory_->Read(0x1234, out, sizeof(out)));
  EXPECT_STREQ(out, kText);
  EXPECT_EQ(std::memcmp(memory_->host_base() + 0x1234, kText, sizeof(kText)), 0);

  // The very last bytes.
  uint64_t tail = 0x0123456789abcdef;
  ASSERT_TRUE(memory_->WriteObject(kSize - 8, tail));
  uint64_t back = 0;
  ASSERT_TRUE(memory_->ReadObject(kSize - 8, &back));
  EXPECT_EQ(back, tail);

  // Zero-length accesses at the end are fine.
  EXPECT_TRUE(memory_->Write(kSize, kText, 0));
  EXPECT_TRUE(memory_->Read(kSize, out, 0));
}

TEST_F(GuestMemoryTest, OutOfRangeAccessesFailWithoutPartialCopies) {
  // A write that straddles the end writes nothing at all.
  const uint64_t pattern = 0xffffffffffffffff;
  EXPECT_FALSE(memory_->WriteObject(kSize - 4, pattern));
  uint32_t last = 1;
  ASSERT_TRUE(memory_->ReadObject(kSize - 4, &last));
  EXPECT_EQ(last, 0u);

  // A read that fails leaves the destination alone.
  uint64_t out = 0x1111;
  for (uint64_t gpa :
       U64s{kSize - 4, kSize, kSize + 8, UINT64_MAX, UINT64_MAX - 7, UINT64_MAX - 3, 1ull << 63}) {
    EXPECT_FALSE(memory_->ReadObject(gpa, &out)) << gpa;
    EXPECT_FALSE(memory_->WriteObject(gpa, pattern)) << gpa;
    EXPECT_EQ(out, 0x1111u);
  }
  // Lengths that wrap.
  char byte = 0;
  EXPECT_FALSE(memory_->Read(8, &byte, UINT64_MAX - 7));
  EXPECT_FALSE(memory_->Write(8, &byte, UINT64_MAX - 7));
  EXPECT_FALSE(memory_->Read(UINT64_MAX, &byte, 1));
  EXPECT_FALSE(memory_->Write(UINT64_MAX, &byte, 1));
  EXPECT_FALSE(memory_->Read(UINT64_MAX, &byte, 0));
}

TEST_F(GuestMemoryTest, MemfdSharesTheMapping) {
  ASSERT_TRUE(memory_->Write(0x5000, "shared", 6));
  char out[6];
  ASSERT_EQ(pread(memory_->memfd(), out, 6, 0x5000), 6);
  EXPECT_EQ(std::string(out, 6), "shared");
}

TEST_F(GuestMemoryTest, MoveTransfersOwnership) {
  ASSERT_TRUE(memory_->Write(0, "moved", 5));
  uint8_t* base = memory_->host_base();
  int fd = memory_->memfd();
  GuestMemory moved(std::move(*memory_));
  EXPECT_EQ(moved.host_base(), base);
  EXPECT_EQ(moved.memfd(), fd);
  EXPECT_EQ(moved.size(), kSize);
  // The moved-from object is empty: nothing is inside it.
  EXPECT_EQ(memory_->size(), 0u);
  EXPECT_EQ(memory_->memfd(), -1);
  EXPECT_FALSE(memory_->Contains(0, 1));
  char byte;
  EXPECT_FALSE(memory_->Read(0, &byte, 1));
  char out[5];
  ASSERT_TRUE(moved.Read(0, out, 5));
  EXPECT_EQ(std::string(out, 5), "moved");
  memory_.reset();  // destroying the moved-from object must not unmap
  ASSERT_TRUE(moved.Read(0, out, 5));
}

}  // namespace
}  // namespace ringfence::vmm
