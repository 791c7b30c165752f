// ktl::Panic for the hosted build (unit tests): report and abort, so
// EXPECT_DEATH can match the message. The Sentry image gets the platform's
// definition instead.
#include <cstdio>
#include <cstdlib>

#include "kernel/ktl/panic.h"

#ifndef RINGFENCE_HOSTED
#error "hosted/panic_hosted.cc is for the hosted build only"
#endif

namespace ktl {

void Panic(const char* message) {
  std::fprintf(stderr, "ktl::Panic: %s\n", message);
  std::fflush(stderr);
  std::abort();
}

}  // namespace ktl
