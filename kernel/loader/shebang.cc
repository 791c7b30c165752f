#include "kernel/loader/shebang.h"

namespace sentry::loader {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// Byte `i` of the kShebangBytes-byte window; past the file's end it reads as
// NUL, as the kernel's zero-padded buffer does.
class Window {
 public:
  explicit Window(std::span<const char> head)
      : head_(head.size() > kShebangBytes ? head.first(kShebangBytes) : head) {}
  char operator[](size_t i) const { return i < head_.size() ? head_[i] : '\0'; }
  const char* at(size_t i) const { return head_.data() + i; }
  // First index in [from, to] (inclusive) where `match` holds, or kNone.
  template <typename Predicate>
  size_t Find(size_t from, size_t to, Predicate match) const {
    for (size_t i = from; i <= to; ++i) {
      if (match((*this)[i])) return i;
    }
    return kNone;
  }
  static constexpr size_t kNone = static_cast<size_t>(-1);

 private:
  std::span<const char> head_;
};

}  // namespace

ktl::Result<Shebang> ParseShebang(std::span<const char> head) {
  Window line(head);
  if (line[0] != '#' || line[1] != '!') return ktl::Errno::kENOEXEC;
  constexpr size_t kLast = kShebangBytes - 1;
  constexpr size_t kNone = Window::kNone;
  auto not_blank = [](char c) { return !IsBlank(c); };
  auto terminator = [](char c) { return IsBlank(c) || c == '\0'; };

  // `end`: one past the line's last byte.
  size_t end = line.Find(0, kLast, [](char c) { return c == '\n'; });
  if (end == kNone) {
    size_t name = line.Find(2, kLast, not_blank);
    if (name == kNone) return ktl::Errno::kENOEXEC;  // nothing but blanks
    // A name running to the window's end may be cut short: refuse it.
    if (line.Find(name, kLast, terminator) == kNone) return ktl::Errno::kENOEXEC;
    end = kLast;
  }
  while (end > 2 && IsBlank(line[end - 1])) --end;

  size_t name = line.Find(2, end, not_blank);
  if (name == kNone || name == end) return ktl::Errno::kENOEXEC;
  size_t separator = line.Find(name, end, terminator);
  Shebang result;
  size_t name_end = separator == kNone ? end : separator;
  result.interpreter = ktl::StringView(line.at(name), name_end - name);
  if (separator != kNone && line[separator] != '\0') {
    size_t argument = line.Find(separator, end, not_blank);
    if (argument != kNone) {
      // The argument ends at the line's end or an embedded NUL.
      size_t argument_end = line.Find(argument, end, [](char c) { return c == '\0'; });
      if (argument_end == kNone || argument_end > end) argument_end = end;
      result.argument = ktl::StringView(line.at(argument), argument_end - argument);
    }
  }
  return result;
}

}  // namespace sentry::loader
