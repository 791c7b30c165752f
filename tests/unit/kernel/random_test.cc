#include "kernel/ktl/random.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <set>
#include <vector>

namespace ktl {
namespace {

std::vector<uint8_t> Hex(const char* hex) {
  std::vector<uint8_t> out;
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (const char* p = hex; p[0] && p[1];) {
    if (*p == ' ') {
      ++p;
      continue;
    }
    out.push_back(static_cast<uint8_t>(nibble(p[0]) << 4 | nibble(p[1])));
    p += 2;
  }
  return out;
}

// RFC 8439 section 2.3.2: the block function test vector.
TEST(ChaCha20Test, Rfc8439BlockFunction) {
  std::array<uint8_t, 32> key;
  for (int i = 0; i < 32; ++i) key[i] = static_cast<uint8_t>(i);
  const std::array<uint8_t, 12> nonce = {0, 0, 0, 0x09, 0, 0, 0, 0x4a, 0, 0, 0, 0};
  std::array<uint8_t, 64> out;
  ChaCha20Block(key, 1, nonce, out);
  std::vector<uint8_t> expected = Hex(
      "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
      "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e");
  EXPECT_EQ(std::vector<uint8_t>(out.begin(), out.end()), expected);
}

// RFC 8439 appendix A.1, test vector #1: all-zero key, nonce and counter.
TEST(ChaCha20Test, Rfc8439ZeroKey) {
  std::array<uint8_t, 32> key{};
  std::array<uint8_t, 12> nonce{};
  std::array<uint8_t, 64> out;
  ChaCha20Block(key, 0, nonce, out);
  std::vector<uint8_t> expected = Hex(
      "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
      "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586");
  EXPECT_EQ(std::vector<uint8_t>(out.begin(), out.end()), expected);
}

TEST(ChaCha20RngTest, FastKeyErasureLayout) {
  // With a zero seed, the first output is the second half of the zero-key
  // block 0 (its first half became the new key), then block 1.
  std::array<uint8_t, 32> seed{};
  ChaCha20Rng rng(seed);
  std::array<uint8_t, 40> out;
  rng.Fill(out);
  std::vector<uint8_t> expected = Hex("da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586");
  EXPECT_EQ(std::vector<uint8_t>(out.begin(), out.begin() + 32), expected);

  std::array<uint8_t, 64> block1;
  std::array<uint8_t, 12> nonce{};
  ChaCha20Block(seed, 1, nonce, block1);
  EXPECT_EQ(std::vector<uint8_t>(out.begin() + 32, out.end()),
            std::vector<uint8_t>(block1.begin(), block1.begin() + 8));
}

TEST(ChaCha20RngTest, OutputsDifferAndAreDeterministicPerSeed) {
  std::array<uint8_t, 32> seed{};
  seed[0] = 7;
  ChaCha20Rng a(seed);
  ChaCha20Rng b(seed);
  std::array<uint8_t, 100> x, y, z;
  a.Fill(x);
  b.Fill(y);
  EXPECT_EQ(x, y);
  a.Fill(z);
  EXPECT_NE(x, z);  // rekeyed between calls
  b.AddEntropy(std::span<const uint8_t>(seed.data(), 5));
  b.Fill(y);
  EXPECT_NE(y, z);
}

TEST(ChaCha20RngTest, LargeAndOddSizesAndUniform) {
  std::array<uint8_t, 32> seed{};
  ChaCha20Rng rng(seed);
  std::vector<uint8_t> big((1 << 20) + 777);
  rng.Fill(big);
  std::array<size_t, 256> counts{};
  for (uint8_t v : big) ++counts[v];
  for (size_t c : counts) {
    EXPECT_GT(c, big.size() / 256 * 9 / 10);
    EXPECT_LT(c, big.size() / 256 * 11 / 10);
  }
  std::array<uint8_t, 0> empty;
  rng.Fill(empty);
  std::set<uint64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    uint64_t v = rng.Uniform(10);
    ASSERT_LT(v, 10u);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 10u);
  EXPECT_EQ(rng.Uniform(1), 0u);
}

}  // namespace
}  // namespace ktl
