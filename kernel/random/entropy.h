// The Sentry's random numbers: a ChaCha20 generator seeded at boot from the
// host's getrandom (via BootInfo) mixed with RDRAND when the CPU has it.
#ifndef RINGFENCE_KERNEL_RANDOM_ENTROPY_H_
#define RINGFENCE_KERNEL_RANDOM_ENTROPY_H_

#include <cstdint>
#include <span>

namespace sentry {

void InitEntropy(std::span<const uint8_t, 32> host_seed);
void FillRandom(std::span<uint8_t> out);
uint64_t RandomBelow(uint64_t bound);

}  // namespace sentry

#endif  // RINGFENCE_KERNEL_RANDOM_ENTROPY_H_
