// getrandom: from the Sentry's ChaCha20 generator, seeded by the host.
#include "kernel/random/entropy.h"
#include "kernel/syscalls/handlers.h"

namespace sentry::syscalls {
namespace {

constexpr uint32_t kGrndNonblock = 1;
constexpr uint32_t kGrndRandom = 2;
constexpr uint32_t kGrndInsecure = 4;
// Linux returns at most this much per call (INT_MAX >> (ENTROPY_SHIFT + 3)).
constexpr uint64_t kMaxGetrandom = 33554431;

}  // namespace

ktl::Result<int64_t> sys_getrandom(UserAddress buffer, uint64_t length, uint32_t flags) {
  if (flags & ~(kGrndNonblock | kGrndRandom | kGrndInsecure)) return ktl::Errno::kEINVAL;
  if ((flags & kGrndInsecure) && (flags & kGrndRandom)) return ktl::Errno::kEINVAL;
  if (length > kMaxGetrandom) length = kMaxGetrandom;
  uint8_t chunk[256];
  uint64_t done = 0;
  auto& memory = CurrentTask().address_space();
  while (done < length) {
    size_t size = length - done < sizeof(chunk) ? length - done : sizeof(chunk);
    FillRandom({chunk, size});
    auto copied = memory.CopyOut(buffer.value + done, chunk, size);
    if (!copied.ok()) {
      if (done == 0) return copied.error();
      break;
    }
    done += size;
  }
  return static_cast<int64_t>(done);
}

}  // namespace sentry::syscalls
