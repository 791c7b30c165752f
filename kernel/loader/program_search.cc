#include "kernel/loader/program_search.h"

namespace sentry::loader {

using ktl::Errno;

namespace {

ktl::Result<ktl::Vector<char>> Join(ktl::StringView directory, ktl::StringView name) {
  ktl::Vector<char> path;
  TRY(path.Reserve(directory.size() + 1 + name.size() + 1));
  for (char c : directory) TRY(path.PushBack(c));
  if (!directory.empty()) TRY(path.PushBack('/'));
  for (char c : name) TRY(path.PushBack(c));
  TRY(path.PushBack('\0'));
  return path;
}

}  // namespace

ktl::Result<FoundProgram> FindProgram(vfs::Vfs& vfs, const vfs::Caller& caller,
                                      ktl::StringView name, ktl::StringView search_path) {
  if (name.empty()) return Errno::kENOENT;
  if (!IsSearchedName(name)) {
    FoundProgram found;
    found.path = TRY(Join("", name));
    found.file = TRY(OpenExecutable(vfs, caller, name));
    return found;
  }
  bool refused = false;
  size_t start = 0;
  for (;;) {
    size_t colon = search_path.Find(':', start);
    size_t stop = colon == ktl::StringView::kNpos ? search_path.size() : colon;
    ktl::StringView directory = search_path.Substr(start, stop - start);
    // An empty entry is the working directory: the bare name, relative.
    ktl::Vector<char> path = TRY(Join(directory, name));
    auto opened = OpenExecutable(vfs, caller, ktl::StringView(path.data(), path.size() - 1));
    if (opened.ok()) return FoundProgram{std::move(opened).value(), std::move(path)};
    switch (opened.error()) {
      case Errno::kEACCES:
        refused = true;
        break;
      case Errno::kENOENT:
      case Errno::kENOTDIR:
        break;
      default:
        return opened.error();
    }
    if (colon == ktl::StringView::kNpos) break;
    start = colon + 1;
  }
  return refused ? Errno::kEACCES : Errno::kENOENT;
}

}  // namespace sentry::loader
