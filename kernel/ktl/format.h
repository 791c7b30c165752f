// Type-safe formatting into a caller-provided buffer. Used for --strace lines,
// logs and panic messages, so it never allocates and never fails: output that
// does not fit is truncated (and the truncation is reported).
//
// Two interfaces over one engine:
//   ktl::Formatter f(buf, size);              // builder
//   f.AppendString("fd=").AppendDec(3);
//   ktl::FormatTo(buf, size, "%s=%5d", "fd", 3);   // printf-like
//
// FormatTo is a variadic template, not C varargs: each argument carries its
// type, so "%s" given an integer prints "<?>" instead of reading a wild
// pointer. Supported: %d %i %u %x %X %p %s %c %%, flags '-' (left-justify)
// and '0' (zero-pad), a decimal field width, and the length modifiers
// l, ll, z, h, hh (accepted and ignored: the argument's own type decides
// the width). %s accepts const char* (nullptr prints "(null)") and
// ktl::StringView; %.Ns limits the precision of a string.
#ifndef RINGFENCE_KERNEL_KTL_FORMAT_H_
#define RINGFENCE_KERNEL_KTL_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "kernel/ktl/string.h"

namespace ktl {

// Appends to buf[0, size); always keeps buf NUL-terminated (if size > 0).
class Formatter {
 public:
  Formatter(char* buf, size_t size);

  Formatter& AppendChar(char c);
  Formatter& AppendString(StringView s);
  Formatter& AppendDec(int64_t value, int width = 0, bool zero_pad = false);
  Formatter& AppendUnsigned(uint64_t value, int width = 0, bool zero_pad = false);
  Formatter& AppendHex(uint64_t value, int width = 0, bool zero_pad = false,
                       bool upper = false);
  // "0x" followed by the lowercase hex value.
  Formatter& AppendPointer(const void* p);

  const char* c_str() const { return buf_; }
  // Characters written so far (excluding the NUL).
  size_t size() const { return used_; }
  // Characters the output would have had without truncation.
  size_t wanted() const { return wanted_; }
  bool truncated() const { return wanted_ > used_; }

  // Shared by the Append* functions: pads the already-rendered `digits`
  // (sign included) to `width`.
  Formatter& AppendPadded(StringView body, int width, bool zero_pad, bool left);

 private:
  char* buf_;
  size_t capacity_;  // usable characters: size - 1
  size_t used_ = 0;
  size_t wanted_ = 0;
};

// One formatting argument with its dynamic type.
class FormatArg {
 public:
  enum class Kind { kSigned, kUnsigned, kChar, kString, kStringView, kPointer };

  template <typename T>
    requires(std::is_integral_v<T> && !std::is_same_v<T, char> && !std::is_same_v<T, bool>)
  FormatArg(T v)  // NOLINT: implicit by design
      : kind_(std::is_signed_v<T> ? Kind::kSigned : Kind::kUnsigned) {
    if constexpr (std::is_signed_v<T>) {
      signed_ = v;
    } else {
      unsigned_ = v;
    }
  }
  template <typename T>
    requires std::is_enum_v<T>
  FormatArg(T v) : FormatArg(static_cast<std::underlying_type_t<T>>(v)) {}  // NOLINT
  FormatArg(bool v) : kind_(Kind::kUnsigned), unsigned_(v ? 1 : 0) {}       // NOLINT
  FormatArg(char c) : kind_(Kind::kChar), signed_(c) {}                      // NOLINT
  FormatArg(const char* s) : kind_(Kind::kString), string_(s) {}            // NOLINT
  FormatArg(char* s) : kind_(Kind::kString), string_(s) {}                  // NOLINT
  FormatArg(StringView s) : kind_(Kind::kStringView), view_(s) {}           // NOLINT
  FormatArg(const void* p) : kind_(Kind::kPointer), pointer_(p) {}          // NOLINT
  FormatArg(void* p) : kind_(Kind::kPointer), pointer_(p) {}                // NOLINT
  FormatArg(std::nullptr_t) : kind_(Kind::kPointer), pointer_(nullptr) {}   // NOLINT

  Kind kind() const { return kind_; }
  int64_t as_signed() const { return signed_; }
  uint64_t as_unsigned() const { return unsigned_; }
  const char* as_string() const { return string_; }
  StringView as_view() const { return view_; }
  const void* as_pointer() const { return pointer_; }

 private:
  Kind kind_;
  union {
    int64_t signed_;
    uint64_t unsigned_;
    const char* string_;
    const void* pointer_;
    StringView view_;
  };
};

// The engine behind FormatTo. Extra arguments are ignored; a missing argument
// prints "<?>".
void FormatArgs(Formatter& out, const char* fmt, const FormatArg* args, size_t count);

// printf-style formatting into buf[0, size). Returns the length the full
// output would have had (like snprintf); buf is NUL-terminated if size > 0.
template <typename... Args>
size_t FormatTo(char* buf, size_t size, const char* fmt, const Args&... args) {
  Formatter out(buf, size);
  if constexpr (sizeof...(Args) == 0) {
    FormatArgs(out, fmt, nullptr, 0);
  } else {
    const FormatArg list[] = {FormatArg(args)...};
    FormatArgs(out, fmt, list, sizeof...(Args));
  }
  return out.wanted();
}

// Appends formatted text to an existing Formatter.
template <typename... Args>
Formatter& AppendFormat(Formatter& out, const char* fmt, const Args&... args) {
  if constexpr (sizeof...(Args) == 0) {
    FormatArgs(out, fmt, nullptr, 0);
  } else {
    const FormatArg list[] = {FormatArg(args)...};
    FormatArgs(out, fmt, list, sizeof...(Args));
  }
  return out;
}

}  // namespace ktl

#endif  // RINGFENCE_KERNEL_KTL_FORMAT_H_
