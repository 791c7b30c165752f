#include "kernel/ktl/format.h"

namespace ktl {
namespace {

// Big enough for any 64-bit value in decimal with a sign, or in hex.
constexpr size_t kDigitsMax = 24;

// Renders `value` in `base` right-aligned into buf[0, kDigitsMax); returns the
// index of the first digit.
size_t RenderDigits(uint64_t value, unsigned base, bool upper, char* buf) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  size_t pos = kDigitsMax;
  do {
    buf[--pos] = digits[value % base];
    value /= base;
  } while (value != 0);
  return pos;
}

}  // namespace

Formatter::Formatter(char* buf, size_t size)
    : buf_(buf), capacity_(size > 0 ? size - 1 : 0) {
  if (size > 0) buf_[0] = '\0';
}

Formatter& Formatter::AppendChar(char c) {
  ++wanted_;
  if (used_ < capacity_) {
    buf_[used_++] = c;
    buf_[used_] = '\0';
  }
  return *this;
}

Formatter& Formatter::AppendString(StringView s) {
  for (char c : s) AppendChar(c);
  return *this;
}

Formatter& Formatter::AppendPadded(StringView body, int width, bool zero_pad, bool left) {
  size_t pad = width > 0 && static_cast<size_t>(width) > body.size()
                   ? static_cast<size_t>(width) - body.size()
                   : 0;
  if (left) {
    AppendString(body);
    for (size_t i = 0; i < pad; ++i) AppendChar(' ');
    return *this;
  }
  if (zero_pad) {
    // The sign (or 0x prefix) goes before the zeros: "-0042", "0x00ff".
    size_t prefix = 0;
    if (!body.empty() && (body[0] == '-' || body[0] == '+')) prefix = 1;
    if (body.size() >= 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')) prefix = 2;
    AppendString(body.Substr(0, prefix));
    for (size_t i = 0; i < pad; ++i) AppendChar('0');
    return AppendString(body.Substr(prefix));
  }
  for (size_t i = 0; i < pad; ++i) AppendChar(' ');
  return AppendString(body);
}

Formatter& Formatter::AppendDec(int64_t value, int width, bool zero_pad) {
  char buf[kDigitsMax];
  // Negate in unsigned arithmetic so INT64_MIN does not overflow.
  uint64_t magnitude = value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  size_t pos = RenderDigits(magnitude, 10, false, buf);
  if (value < 0) buf[--pos] = '-';
  return AppendPadded(StringView(buf + pos, kDigitsMax - pos), width, zero_pad, false);
}

Formatter& Formatter::AppendUnsigned(uint64_t value, int width, bool zero_pad) {
  char buf[kDigitsMax];
  size_t pos = RenderDigits(value, 10, false, buf);
  return AppendPadded(StringView(buf + pos, kDigitsMax - pos), width, zero_pad, false);
}

Formatter& Formatter::AppendHex(uint64_t value, int width, bool zero_pad, bool upper) {
  char buf[kDigitsMax];
  size_t pos = RenderDigits(value, 16, upper, buf);
  return AppendPadded(StringView(buf + pos, kDigitsMax - pos), width, zero_pad, false);
}

Formatter& Formatter::AppendPointer(const void* p) {
  char buf[kDigitsMax];
  size_t pos = RenderDigits(reinterpret_cast<uintptr_t>(p), 16, false, buf);
  buf[--pos] = 'x';
  buf[--pos] = '0';
  return AppendString(StringView(buf + pos, kDigitsMax - pos));
}

void FormatArgs(Formatter& out, const char* fmt, const FormatArg* args, size_t count) {
  size_t next = 0;
  for (const char* p = fmt; *p != '\0'; ++p) {
    if (*p != '%') {
      out.AppendChar(*p);
      continue;
    }
    ++p;
    if (*p == '\0') break;
    if (*p == '%') {
      out.AppendChar('%');
      continue;
    }
    bool left = false;
    bool zero_pad = false;
    for (;; ++p) {
      if (*p == '-') {
        left = true;
      } else if (*p == '0') {
        zero_pad = true;
      } else {
        break;
      }
    }
    int width = 0;
    while (*p >= '0' && *p <= '9' && width < 1000) width = width * 10 + (*p++ - '0');
    int precision = -1;
    if (*p == '.') {
      ++p;
      precision = 0;
      while (*p >= '0' && *p <= '9' && precision < 100000) precision = precision * 10 + (*p++ - '0');
    }
    while (*p == 'l' || *p == 'h' || *p == 'z') ++p;
    if (*p == '\0') break;
    const char conv = *p;
    if (next >= count) {
      out.AppendString("<?>");
      continue;
    }
    const FormatArg& arg = args[next++];
    char buf[kDigitsMax + 2];
    StringView body;
    switch (conv) {
      case 'd':
      case 'i':
      case 'u': {
        size_t pos;
        if (arg.kind() == FormatArg::Kind::kSigned || arg.kind() == FormatArg::Kind::kChar) {
          int64_t v = arg.as_signed();
          uint64_t magnitude = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
          pos = RenderDigits(magnitude, 10, false, buf);
          if (v < 0) buf[--pos] = '-';
        } else if (arg.kind() == FormatArg::Kind::kUnsigned) {
          pos = RenderDigits(arg.as_unsigned(), 10, false, buf);
        } else {
          out.AppendString("<?>");
          continue;
        }
        body = StringView(buf + pos, kDigitsMax - pos);
        break;
      }
      case 'x':
      case 'X': {
        if (arg.kind() != FormatArg::Kind::kSigned && arg.kind() != FormatArg::Kind::kUnsigned &&
            arg.kind() != FormatArg::Kind::kPointer) {
          out.AppendString("<?>");
          continue;
        }
        // Signed values print as their two's-complement bits, as printf does.
        uint64_t v = arg.kind() == FormatArg::Kind::kPointer
                         ? reinterpret_cast<uintptr_t>(arg.as_pointer())
                         : arg.as_unsigned();
        size_t pos = RenderDigits(v, 16, conv == 'X', buf);
        body = StringView(buf + pos, kDigitsMax - pos);
        break;
      }
      case 'p': {
        uint64_t v;
        if (arg.kind() == FormatArg::Kind::kPointer) {
          v = reinterpret_cast<uintptr_t>(arg.as_pointer());
        } else if (arg.kind() == FormatArg::Kind::kUnsigned ||
                   arg.kind() == FormatArg::Kind::kSigned) {
          v = arg.as_unsigned();  // a user address held as an integer
        } else {
          out.AppendString("<?>");
          continue;
        }
        size_t pos = RenderDigits(v, 16, false, buf);
        buf[--pos] = 'x';
        buf[--pos] = '0';
        body = StringView(buf + pos, kDigitsMax - pos);
        break;
      }
      case 's': {
        if (arg.kind() == FormatArg::Kind::kString) {
          const char* s = arg.as_string();
          if (s == nullptr) s = "(null)";
          body = precision >= 0 ? StringView(s, StrNLen(s, static_cast<size_t>(precision)))
                                : StringView(s);
        } else if (arg.kind() == FormatArg::Kind::kStringView) {
          body = arg.as_view();
          if (precision >= 0) body = body.Substr(0, static_cast<size_t>(precision));
        } else {
          out.AppendString("<?>");
          continue;
        }
        zero_pad = false;
        break;
      }
      case 'c': {
        if (arg.kind() != FormatArg::Kind::kChar && arg.kind() != FormatArg::Kind::kSigned &&
            arg.kind() != FormatArg::Kind::kUnsigned) {
          out.AppendString("<?>");
          continue;
        }
        buf[0] = static_cast<char>(arg.as_signed());
        body = StringView(buf, 1);
        zero_pad = false;
        break;
      }
      default:
        // Unknown conversion: show it verbatim so the bug is visible.
        out.AppendChar('%');
        out.AppendChar(conv);
        --next;
        continue;
    }
    out.AppendPadded(body, width, zero_pad && !left, left);
  }
}

}  // namespace ktl
