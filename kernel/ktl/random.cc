#include "kernel/ktl/random.h"

namespace ktl {
namespace {

constexpr uint32_t Rotl(uint32_t v, int n) { return (v << n) | (v >> (32 - n)); }

uint32_t LoadLe32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

void StoreLe32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
}

void QuarterRound(uint32_t* s, int a, int b, int c, int d) {
  s[a] += s[b];
  s[d] = Rotl(s[d] ^ s[a], 16);
  s[c] += s[d];
  s[b] = Rotl(s[b] ^ s[c], 12);
  s[a] += s[b];
  s[d] = Rotl(s[d] ^ s[a], 8);
  s[c] += s[d];
  s[b] = Rotl(s[b] ^ s[c], 7);
}

// Overwrites memory in a way the optimiser may not drop as a dead store.
void SecureWipe(void* p, size_t n) {
  volatile uint8_t* v = static_cast<volatile uint8_t*>(p);
  for (size_t i = 0; i < n; ++i) v[i] = 0;
}

// Keystream per Fill call stays far below 2^32 blocks: larger requests are
// split and rekeyed between chunks.
constexpr size_t kMaxChunk = size_t{1} << 20;

}  // namespace

void ChaCha20Block(std::span<const uint8_t, kChaCha20KeySize> key, uint32_t counter,
                   std::span<const uint8_t, kChaCha20NonceSize> nonce,
                   std::span<uint8_t, kChaCha20BlockSize> out) {
  uint32_t state[16];
  // "expand 32-byte k"
  state[0] = 0x61707865;
  state[1] = 0x3320646e;
  state[2] = 0x79622d32;
  state[3] = 0x6b206574;
  for (int i = 0; i < 8; ++i) state[4 + i] = LoadLe32(key.data() + 4 * i);
  state[12] = counter;
  for (int i = 0; i < 3; ++i) state[13 + i] = LoadLe32(nonce.data() + 4 * i);

  uint32_t working[16];
  for (int i = 0; i < 16; ++i) working[i] = state[i];
  for (int round = 0; round < 10; ++round) {  // 20 rounds: column + diagonal
    QuarterRound(working, 0, 4, 8, 12);
    QuarterRound(working, 1, 5, 9, 13);
    QuarterRound(working, 2, 6, 10, 14);
    QuarterRound(working, 3, 7, 11, 15);
    QuarterRound(working, 0, 5, 10, 15);
    QuarterRound(working, 1, 6, 11, 12);
    QuarterRound(working, 2, 7, 8, 13);
    QuarterRound(working, 3, 4, 9, 14);
  }
  for (int i = 0; i < 16; ++i) StoreLe32(out.data() + 4 * i, working[i] + state[i]);
  SecureWipe(working, sizeof(working));
  SecureWipe(state, sizeof(state));
}

ChaCha20Rng::ChaCha20Rng(std::span<const uint8_t, kChaCha20KeySize> seed) {
  for (size_t i = 0; i < kChaCha20KeySize; ++i) key_[i] = seed[i];
}

ChaCha20Rng::~ChaCha20Rng() { SecureWipe(key_.data(), key_.size()); }

void ChaCha20Rng::Fill(std::span<uint8_t> out) {
  // Every chunk runs under a key used for nothing else, so the nonce can stay
  // zero and the block counter restart at 0.
  const std::array<uint8_t, kChaCha20NonceSize> nonce{};
  do {
    const size_t chunk = out.size() < kMaxChunk ? out.size() : kMaxChunk;
    std::array<uint8_t, kChaCha20KeySize> old_key = key_;
    std::array<uint8_t, kChaCha20BlockSize> block;
    // Block 0: the first half becomes the next key, the second half is the
    // first output. Blocks 1.. are output.
    ChaCha20Block(old_key, 0, nonce, block);
    for (size_t i = 0; i < kChaCha20KeySize; ++i) key_[i] = block[i];
    size_t done = 0;
    for (size_t i = kChaCha20KeySize; i < kChaCha20BlockSize && done < chunk; ++i) {
      out[done++] = block[i];
    }
    uint32_t counter = 1;
    while (done < chunk) {
      ChaCha20Block(old_key, counter++, nonce, block);
      for (size_t i = 0; i < kChaCha20BlockSize && done < chunk; ++i) out[done++] = block[i];
    }
    SecureWipe(block.data(), block.size());
    SecureWipe(old_key.data(), old_key.size());
    out = out.subspan(chunk);
  } while (!out.empty());
}

uint64_t ChaCha20Rng::NextU64() {
  uint8_t bytes[8];
  Fill(bytes);
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | bytes[i];
  return v;
}

uint64_t ChaCha20Rng::Uniform(uint64_t bound) {
  // Reject the top partial range so every residue is equally likely.
  const uint64_t limit = ~uint64_t{0} - (~uint64_t{0} % bound);
  for (;;) {
    uint64_t v = NextU64();
    if (v < limit) return v % bound;
  }
}

void ChaCha20Rng::AddEntropy(std::span<const uint8_t> data) {
  // XOR the input into the key 32 bytes at a time, running the block function
  // between pieces (nonce 1 separates this from Fill's keystream), so every
  // input byte influences the whole key.
  std::array<uint8_t, kChaCha20NonceSize> nonce{};
  nonce[0] = 1;
  std::array<uint8_t, kChaCha20BlockSize> block;
  size_t pos = 0;
  do {
    for (size_t i = 0; i < kChaCha20KeySize && pos < data.size(); ++i) key_[i] ^= data[pos++];
    ChaCha20Block(key_, 0, nonce, block);
    for (size_t i = 0; i < kChaCha20KeySize; ++i) key_[i] = block[i];
  } while (pos < data.size());
  SecureWipe(block.data(), block.size());
}

}  // namespace ktl
