// Byte and C-string helpers, and ktl::StringView.
//
// Kernel code never includes <cstring>; these are the Sentry's own versions.
// (The freestanding build separately provides the extern "C" memcpy & co. that
// the compiler itself may emit calls to; see freestanding/mem.cc.)
#ifndef RINGFENCE_KERNEL_KTL_STRING_H_
#define RINGFENCE_KERNEL_KTL_STRING_H_

#include <cstddef>
#include <cstdint>

namespace ktl {

size_t StrLen(const char* s);
// Length of `s`, but reads at most `max` bytes; returns `max` if no NUL.
size_t StrNLen(const char* s, size_t max);
int StrCmp(const char* a, const char* b);
// <0, 0, >0 like memcmp: bytes compared as unsigned.
int MemCmp(const void* a, const void* b, size_t n);
void MemCopy(void* dst, const void* src, size_t n);  // non-overlapping
void MemMove(void* dst, const void* src, size_t n);  // overlapping allowed
void MemSet(void* dst, uint8_t value, size_t n);
// Copies at most size-1 bytes and always NUL-terminates (if size > 0).
// Returns StrLen(src), like strlcpy, so truncation is detectable.
size_t StrCopy(char* dst, const char* src, size_t size);

// A non-owning view of bytes that are not necessarily NUL-terminated. The
// viewed memory must outlive the view.
class StringView {
 public:
  constexpr StringView() = default;
  constexpr StringView(const char* data, size_t size) : data_(data), size_(size) {}
  // From a NUL-terminated string (implicit, like std::string_view).
  StringView(const char* s) : data_(s), size_(s ? StrLen(s) : 0) {}  // NOLINT

  constexpr const char* data() const { return data_; }
  constexpr size_t size() const { return size_; }
  constexpr bool empty() const { return size_ == 0; }
  constexpr char operator[](size_t i) const { return data_[i]; }
  constexpr const char* begin() const { return data_; }
  constexpr const char* end() const { return data_ + size_; }

  // Clamped like std::string_view::substr, but never fails: pos past the end
  // yields an empty view.
  constexpr StringView Substr(size_t pos, size_t count = static_cast<size_t>(-1)) const {
    if (pos > size_) pos = size_;
    if (count > size_ - pos) count = size_ - pos;
    return StringView(data_ + pos, count);
  }
  bool StartsWith(StringView prefix) const;
  bool EndsWith(StringView suffix) const;
  // Index of the first `c`, or kNpos.
  size_t Find(char c, size_t from = 0) const;
  size_t RFind(char c) const;

  bool operator==(StringView other) const;
  bool operator!=(StringView other) const { return !(*this == other); }

  static constexpr size_t kNpos = static_cast<size_t>(-1);

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace ktl

#endif  // RINGFENCE_KERNEL_KTL_STRING_H_
