// ExecArguments: the argv and envp strings an exec hands the new program,
// in one buffer, argv first (the order they get on the new stack).
#ifndef RINGFENCE_KERNEL_LOADER_EXEC_ARGUMENTS_H_
#define RINGFENCE_KERNEL_LOADER_EXEC_ARGUMENTS_H_

#include <cstdint>
#include <optional>
#include <span>

#include "kernel/ktl/result.h"
#include "kernel/ktl/string.h"
#include "kernel/ktl/vector.h"

namespace sentry::loader {

class ExecArguments {
 public:
  ExecArguments() = default;
  ExecArguments(ExecArguments&&) = default;
  ExecArguments& operator=(ExecArguments&&) = default;

  // Copies argc + envc NUL-terminated strings laid end to end in `strings`.
  // EINVAL if `strings` does not hold that many.
  static ktl::Result<ExecArguments> Copy(std::span<const char> strings, uint32_t argc,
                                         uint32_t envc);

  uint32_t argc() const { return argc_; }
  uint32_t envc() const { return envc_; }
  // All strings, each with its NUL: argv's then envp's.
  std::span<const char> strings() const { return {strings_.data(), strings_.size()}; }
  // The bytes of argv's strings (a prefix of strings()).
  size_t argv_bytes() const { return argv_bytes_; }
  // argv[0], or "" when argc is 0.
  ktl::StringView argv0() const;
  // The value of environment variable `name` (the first "name=..." entry).
  std::optional<ktl::StringView> Getenv(ktl::StringView name) const;

  // What a #! script does to the arguments (binfmt_script): argv[0] goes,
  // and `interpreter`, then `argument` if present, then `script` (the path
  // the exec was given) come first.
  ktl::Result<void> PrependInterpreter(ktl::StringView interpreter,
                                       std::optional<ktl::StringView> argument,
                                       ktl::StringView script);

 private:
  ktl::Vector<char> strings_;
  size_t argv_bytes_ = 0;
  uint32_t argc_ = 0;
  uint32_t envc_ = 0;
};

}  // namespace sentry::loader

#endif  // RINGFENCE_KERNEL_LOADER_EXEC_ARGUMENTS_H_
