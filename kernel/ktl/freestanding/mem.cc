// The four C functions GCC may emit calls to even with -ffreestanding
// (struct copies, zero-initialization, loops it recognises). Freestanding
// build only: the hosted build has libc's.
//
// Simple and correct rather than fast; rep movsb/stosb are used because they
// are fast on every CPU with ERMSB and need no SSE (-mgeneral-regs-only).
#include <cstddef>

#ifndef RINGFENCE_SENTRY
#error "freestanding/mem.cc is part of the Sentry image only"
#endif

// Stops GCC from recognising the byte loops below as memmove/memcmp and
// emitting a call to the very function being defined.
#define KTL_NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

extern "C" {

KTL_NO_LIBCALL void* memcpy(void* dst, const void* src, size_t n) {
  void* ret = dst;
  // rep movsb copies RCX bytes from [RSI] to [RDI] with DF=0 (the ABI
  // guarantees DF is clear on function entry).
  asm volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
  return ret;
}

KTL_NO_LIBCALL void* memmove(void* dst, const void* src, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  if (d <= s || d >= s + n) return memcpy(dst, src, n);
  // Overlap with dst above src: copy backwards, byte at a time.
  for (size_t i = n; i > 0; --i) d[i - 1] = s[i - 1];
  return dst;
}

KTL_NO_LIBCALL void* memset(void* dst, int value, size_t n) {
  void* ret = dst;
  // rep stosb stores AL into RCX bytes at [RDI].
  asm volatile("rep stosb" : "+D"(dst), "+c"(n) : "a"(value) : "memory");
  return ret;
}

KTL_NO_LIBCALL int memcmp(const void* a, const void* b, size_t n) {
  const auto* pa = static_cast<const unsigned char*>(a);
  const auto* pb = static_cast<const unsigned char*>(b);
  for (size_t i = 0; i < n; ++i) {
    if (pa[i] != pb[i]) return pa[i] < pb[i] ? -1 : 1;
  }
  return 0;
}

}  // extern "C"
