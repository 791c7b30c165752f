#include "kernel/ktl/string.h"

namespace ktl {

// Plain byte loops: the Sentry copies little in bulk through these (bulk
// copies of user memory get their own routines), and -fno-builtin keeps GCC
// from turning them back into calls to themselves.

size_t StrLen(const char* s) {
  size_t n = 0;
  while (s[n] != '\0') ++n;
  return n;
}

size_t StrNLen(const char* s, size_t max) {
  size_t n = 0;
  while (n < max && s[n] != '\0') ++n;
  return n;
}

int StrCmp(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) {
    ++a;
    ++b;
  }
  return static_cast<int>(static_cast<unsigned char>(*a)) -
         static_cast<int>(static_cast<unsigned char>(*b));
}

int MemCmp(const void* a, const void* b, size_t n) {
  const auto* pa = static_cast<const unsigned char*>(a);
  const auto* pb = static_cast<const unsigned char*>(b);
  for (size_t i = 0; i < n; ++i) {
    if (pa[i] != pb[i]) return pa[i] < pb[i] ? -1 : 1;
  }
  return 0;
}

void MemCopy(void* dst, const void* src, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  for (size_t i = 0; i < n; ++i) d[i] = s[i];
}

void MemMove(void* dst, const void* src, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  if (d == s || n == 0) return;
  if (d < s) {
    for (size_t i = 0; i < n; ++i) d[i] = s[i];
  } else {
    for (size_t i = n; i > 0; --i) d[i - 1] = s[i - 1];
  }
}

void MemSet(void* dst, uint8_t value, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  for (size_t i = 0; i < n; ++i) d[i] = value;
}

size_t StrCopy(char* dst, const char* src, size_t size) {
  size_t len = StrLen(src);
  if (size > 0) {
    size_t n = len < size - 1 ? len : size - 1;
    MemCopy(dst, src, n);
    dst[n] = '\0';
  }
  return len;
}

bool StringView::StartsWith(StringView prefix) const {
  return prefix.size_ <= size_ && MemCmp(data_, prefix.data_, prefix.size_) == 0;
}

bool StringView::EndsWith(StringView suffix) const {
  return suffix.size_ <= size_ &&
         MemCmp(data_ + size_ - suffix.size_, suffix.data_, suffix.size_) == 0;
}

size_t StringView::Find(char c, size_t from) const {
  for (size_t i = from; i < size_; ++i) {
    if (data_[i] == c) return i;
  }
  return kNpos;
}

size_t StringView::RFind(char c) const {
  for (size_t i = size_; i > 0; --i) {
    if (data_[i - 1] == c) return i - 1;
  }
  return kNpos;
}

bool StringView::operator==(StringView other) const {
  return size_ == other.size_ && MemCmp(data_, other.data_, size_) == 0;
}

}  // namespace ktl
