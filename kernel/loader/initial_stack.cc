#include "kernel/loader/initial_stack.h"

#include "kernel/abi/linux.h"

namespace sentry::loader {

using ktl::Errno;

namespace {

constexpr uint64_t kWord = sizeof(uint64_t);

}  // namespace

uint64_t ArgumentSpace(uint64_t stack_limit) {
  uint64_t limit = stack_limit / 4;
  if (limit > kMaxArgSpace) limit = kMaxArgSpace;
  if (limit < kMinArgSpace) limit = kMinArgSpace;
  return limit;
}

// Linux's room for the strings: ArgumentSpace less the pointers.
ktl::Result<void> CheckArgumentLimits(const ExecArguments& arguments, ktl::StringView execfn,
                                      uint64_t stack_limit) {
  uint64_t limit = ArgumentSpace(stack_limit);
  uint64_t argc = arguments.argc() == 0 ? 1 : arguments.argc();
  uint64_t pointers = (argc + arguments.envc()) * kWord;
  if (limit <= pointers) return Errno::kE2BIG;
  limit -= pointers;
  std::span<const char> strings = arguments.strings();
  if (strings.size() + execfn.size() + 1 > limit) return Errno::kE2BIG;
  if (execfn.size() + 1 > kMaxArgStringBytes) return Errno::kE2BIG;
  for (size_t at = 0; at < strings.size();) {
    size_t length = ktl::StrLen(strings.data() + at) + 1;
    if (length > kMaxArgStringBytes) return Errno::kE2BIG;
    at += length;
  }
  return ktl::Ok();
}

ktl::Result<StackImage> BuildStackImage(const StackRequest& request) {
  TRY(CheckArgumentLimits(*request.arguments, request.execfn, request.stack_limit));
  const ExecArguments& arguments = *request.arguments;
  std::span<const char> strings = arguments.strings();

  // Addresses, from the top down.
  uint64_t cursor = request.top - kWord;  // the zero word Linux leaves at the top
  const uint64_t execfn_at = cursor -= request.execfn.size() + 1;
  const uint64_t strings_at = cursor -= strings.size();
  const uint64_t platform_at = cursor -= request.platform.size() + 1;
  const uint64_t random_at = cursor -= request.random.size();
  cursor &= ~uint64_t{15};
  const uint64_t auxv_words = 2 * (request.auxv.size() + 1);
  const uint64_t words =
      1 + (uint64_t{arguments.argc()} + 1) + (uint64_t{arguments.envc()} + 1) + auxv_words;
  const uint64_t sp = (cursor - words * kWord) & ~uint64_t{15};

  StackImage image;
  image.stack_pointer = sp;
  image.arg_start = strings_at;
  image.arg_end = image.env_start = strings_at + arguments.argv_bytes();
  image.env_end = strings_at + strings.size();
  TRY(image.bytes.Resize(request.top - sp));
  uint8_t* base = image.bytes.data();
  ktl::MemSet(base, 0, image.bytes.size());
  auto place = [&](uint64_t address, const void* data, size_t length) {
    ktl::MemCopy(base + (address - sp), data, length);
  };
  place(execfn_at, request.execfn.data(), request.execfn.size());  // NUL: zeroed
  place(strings_at, strings.data(), strings.size());
  place(platform_at, request.platform.data(), request.platform.size());
  place(random_at, request.random.data(), request.random.size());

  uint64_t word_at = sp;
  auto push = [&](uint64_t value) {
    place(word_at, &value, kWord);
    word_at += kWord;
  };
  push(arguments.argc());
  uint64_t string_at = strings_at;
  for (uint32_t i = 0; i < arguments.argc() + arguments.envc(); ++i) {
    if (i == arguments.argc()) push(0);  // argv's terminator
    push(string_at);
    string_at += ktl::StrLen(strings.data() + (string_at - strings_at)) + 1;
  }
  if (arguments.envc() == 0) push(0);  // argv's terminator (not pushed in the loop)
  push(0);                             // envp's terminator
  for (const AuxEntry& entry : request.auxv) {
    uint64_t value = entry.value;
    if (entry.type == linux_abi::kAtExecfn) value = execfn_at;
    if (entry.type == linux_abi::kAtPlatform) value = platform_at;
    if (entry.type == linux_abi::kAtRandom) value = random_at;
    push(entry.type);
    push(value);
  }
  push(linux_abi::kAtNull);
  push(0);
  return image;
}

}  // namespace sentry::loader
