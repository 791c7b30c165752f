#include "kernel/loader/exec_arguments.h"

namespace sentry::loader {

using ktl::Errno;

namespace {

ktl::Result<void> Append(ktl::Vector<char>& out, std::span<const char> bytes) {
  TRY(out.ReserveAtLeast(out.size() + bytes.size()));
  for (char c : bytes) TRY(out.PushBack(c));
  return ktl::Ok();
}

ktl::Result<void> AppendString(ktl::Vector<char>& out, ktl::StringView text) {
  TRY(Append(out, {text.data(), text.size()}));
  return out.PushBack('\0');
}

}  // namespace

ktl::Result<ExecArguments> ExecArguments::Copy(std::span<const char> strings, uint32_t argc,
                                               uint32_t envc) {
  ExecArguments arguments;
  size_t at = 0;
  uint64_t count = uint64_t{argc} + envc;
  for (uint64_t i = 0; i < count; ++i) {
    size_t length = ktl::StrNLen(strings.data() + at, strings.size() - at);
    if (length == strings.size() - at) return Errno::kEINVAL;  // no NUL before the end
    at += length + 1;
    if (i + 1 == argc) arguments.argv_bytes_ = at;
  }
  TRY(Append(arguments.strings_, strings.first(at)));
  arguments.argc_ = argc;
  arguments.envc_ = envc;
  return arguments;
}

ktl::StringView ExecArguments::argv0() const {
  if (argc_ == 0) return "";
  return ktl::StringView(strings_.data());
}

std::optional<ktl::StringView> ExecArguments::Getenv(ktl::StringView name) const {
  const char* cursor = strings_.data() + argv_bytes_;
  for (uint32_t i = 0; i < envc_; ++i) {
    ktl::StringView entry(cursor);
    if (entry.size() > name.size() && entry.StartsWith(name) && entry[name.size()] == '=') {
      return entry.Substr(name.size() + 1);
    }
    cursor += entry.size() + 1;
  }
  return std::nullopt;
}

ktl::Result<void> ExecArguments::PrependInterpreter(ktl::StringView interpreter,
                                                    std::optional<ktl::StringView> argument,
                                                    ktl::StringView script) {
  // Without an argv[0] (execve with an empty argv) nothing is dropped.
  size_t dropped = argc_ == 0 ? 0 : ktl::StrLen(strings_.data()) + 1;
  ktl::Vector<char> rewritten;
  TRY(AppendString(rewritten, interpreter));
  if (argument) TRY(AppendString(rewritten, *argument));
  TRY(AppendString(rewritten, script));
  size_t added = rewritten.size();
  TRY(Append(rewritten, {strings_.data() + dropped, strings_.size() - dropped}));
  strings_ = std::move(rewritten);
  argv_bytes_ = argv_bytes_ - dropped + added;
  argc_ = argc_ - (dropped != 0 ? 1 : 0) + (argument ? 3 : 2);
  return ktl::Ok();
}

}  // namespace sentry::loader
