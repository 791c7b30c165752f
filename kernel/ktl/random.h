// ChaCha20-based cryptographically secure random number generator, for
// getrandom(2), AT_RANDOM and address-space randomisation.
//
// Construction ("fast key erasure"): each Fill() runs ChaCha20 (RFC 8439
// block function) under the current key; the first 32 bytes of keystream
// become the next key and the rest is output. Past output therefore cannot
// be reconstructed from a later compromise of the state.
//
// Not thread-safe: callers serialise (one instance per CPU, or a lock).
#ifndef RINGFENCE_KERNEL_KTL_RANDOM_H_
#define RINGFENCE_KERNEL_KTL_RANDOM_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace ktl {

inline constexpr size_t kChaCha20KeySize = 32;
inline constexpr size_t kChaCha20NonceSize = 12;
inline constexpr size_t kChaCha20BlockSize = 64;

// The RFC 8439 section 2.3 block function: the 64-byte keystream block for
// (key, 32-bit block counter, 96-bit nonce), serialised little-endian.
void ChaCha20Block(std::span<const uint8_t, kChaCha20KeySize> key, uint32_t counter,
                   std::span<const uint8_t, kChaCha20NonceSize> nonce,
                   std::span<uint8_t, kChaCha20BlockSize> out);

class ChaCha20Rng {
 public:
  // `seed` must come from a real entropy source (the VMM's getrandom).
  explicit ChaCha20Rng(std::span<const uint8_t, kChaCha20KeySize> seed);
  ~ChaCha20Rng();  // wipes the key
  ChaCha20Rng(const ChaCha20Rng&) = delete;
  ChaCha20Rng& operator=(const ChaCha20Rng&) = delete;

  // Fills `out` with random bytes. Any length.
  void Fill(std::span<uint8_t> out);
  uint64_t NextU64();
  // Uniform in [0, bound), without modulo bias. Precondition: bound > 0.
  uint64_t Uniform(uint64_t bound);

  // Mixes more entropy into the key (e.g. a later seed from the host).
  void AddEntropy(std::span<const uint8_t> data);

 private:
  std::array<uint8_t, kChaCha20KeySize> key_;
};

}  // namespace ktl

#endif  // RINGFENCE_KERNEL_KTL_RANDOM_H_
