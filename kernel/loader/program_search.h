// Finding the program to run from a command name, as execvp(3) does.
#ifndef RINGFENCE_KERNEL_LOADER_PROGRAM_SEARCH_H_
#define RINGFENCE_KERNEL_LOADER_PROGRAM_SEARCH_H_

#include <optional>

#include "kernel/ktl/result.h"
#include "kernel/ktl/string.h"
#include "kernel/ktl/vector.h"
#include "kernel/loader/exec_file.h"
#include "kernel/vfs/vfs.h"

namespace sentry::loader {

// glibc's search path when PATH is unset.
inline constexpr const char* kDefaultSearchPath = "/bin:/usr/bin";

struct FoundProgram {
  vfs::RefPtr<ExecFile> file;
  ktl::Vector<char> path;  // the path that opened it, NUL-terminated
};

// A name with a '/' is opened as is. Otherwise each directory of
// `search_path` (':'-separated; an empty entry is the working directory) is
// tried in order with OpenExecutable: ENOENT and ENOTDIR move on, EACCES
// is remembered and moves on, any other error stops the search.
// When no directory had it: EACCES if one refused it, else ENOENT. An empty
// name is ENOENT.
ktl::Result<FoundProgram> FindProgram(vfs::Vfs& vfs, const vfs::Caller& caller,
                                      ktl::StringView name, ktl::StringView search_path);

// Whether FindProgram searches for `name` (it has no '/').
inline bool IsSearchedName(ktl::StringView name) {
  return !name.empty() && name.Find('/') == ktl::StringView::kNpos;
}

}  // namespace sentry::loader

#endif  // RINGFENCE_KERNEL_LOADER_PROGRAM_SEARCH_H_
