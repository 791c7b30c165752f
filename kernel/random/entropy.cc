#include "kernel/random/entropy.h"

#include <new>

#include "kernel/ktl/random.h"
#include "kernel/ktl/spinlock.h"
#include "platform_kvm/guest/cpu.h"

namespace sentry {
namespace {

alignas(ktl::ChaCha20Rng) unsigned char g_storage[sizeof(ktl::ChaCha20Rng)];
ktl::ChaCha20Rng* g_rng = nullptr;
ktl::Spinlock g_lock;

// Mixes in RDRAND output when CPUID says the instruction exists, so a
// compromised seed path alone does not make the stream predictable.
void MixHardwareEntropy() {
  if (!(platform::Cpuid(1).ecx & (1u << 30))) return;
  uint64_t words[4];
  for (uint64_t& word : words) {
    unsigned char ok = 0;
    for (int tries = 0; tries < 10 && !ok; ++tries) {
      asm volatile("rdrand %0; setc %1" : "=r"(word), "=qm"(ok));
    }
  }
  g_rng->AddEntropy({reinterpret_cast<const uint8_t*>(words), sizeof(words)});
}

}  // namespace

void InitEntropy(std::span<const uint8_t, 32> host_seed) {
  g_rng = new (g_storage) ktl::ChaCha20Rng(host_seed);
  MixHardwareEntropy();
}

void FillRandom(std::span<uint8_t> out) {
  ktl::SpinlockGuard guard(g_lock);
  g_rng->Fill(out);
}

uint64_t RandomBelow(uint64_t bound) {
  ktl::SpinlockGuard guard(g_lock);
  return g_rng->Uniform(bound);
}

}  // namespace sentry
