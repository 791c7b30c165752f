// The "#!interpreter [argument]" line of a script, parsed with Linux's rules
// (binfmt_script):
//
//  - Only the first kShebangBytes bytes of the file count (BINPRM_BUF_SIZE).
//  - The line ends at the first '\n'. Without one in those bytes the line
//    is cut before the last byte, and the file is refused (ENOEXEC) if the
//    interpreter's name might be cut too: it must be followed by a space,
//    a tab or a NUL.
//  - Spaces and tabs around the name are skipped; the name ends at a space,
//    tab or NUL. Whatever follows the next spaces/tabs, up to the end of the
//    line (trailing spaces/tabs trimmed) or a NUL, is ONE optional argument,
//    internal spaces included.
//  - No name at all: ENOEXEC. (Without a newline, a NUL right after the
//    blanks still counts as the end of a name, an empty one: Linux then
//    opens "", which exec refuses with EACCES.)
#ifndef RINGFENCE_KERNEL_LOADER_SHEBANG_H_
#define RINGFENCE_KERNEL_LOADER_SHEBANG_H_

#include <cstddef>
#include <optional>
#include <span>

#include "kernel/ktl/result.h"
#include "kernel/ktl/string.h"

namespace sentry::loader {

inline constexpr size_t kShebangBytes = 256;

struct Shebang {
  ktl::StringView interpreter;  // empty only in the case above
  std::optional<ktl::StringView> argument;
};

// `head`: the file's first bytes (at most kShebangBytes are looked at).
// ENOEXEC if they do not start with "#!" or hold no usable line. The views
// point into `head`.
ktl::Result<Shebang> ParseShebang(std::span<const char> head);

}  // namespace sentry::loader

#endif  // RINGFENCE_KERNEL_LOADER_SHEBANG_H_
