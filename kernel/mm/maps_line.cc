#include "kernel/mm/maps_line.h"

#include "kernel/ktl/format.h"

namespace sentry::mm {
namespace {

// Linux pads the fields to this column before the name (25 + 6 * 8 - 1).
constexpr size_t kNameColumn = 72;

// st_dev (glibc's encoding) split back into major and minor.
uint64_t Major(uint64_t dev) { return ((dev >> 8) & 0xfff) | ((dev >> 32) & ~uint64_t{0xfff}); }
uint64_t Minor(uint64_t dev) { return (dev & 0xff) | ((dev >> 12) & ~uint64_t{0xff}); }

}  // namespace

size_t FormatMapsLine(const Vma& vma, char* out, size_t size) {
  ktl::Formatter f(out, size);
  f.AppendHex(vma.start, 8, true).AppendChar('-').AppendHex(vma.end, 8, true).AppendChar(' ');
  f.AppendChar(vma.prot & kProtRead ? 'r' : '-');
  f.AppendChar(vma.prot & kProtWrite ? 'w' : '-');
  f.AppendChar(vma.prot & kProtExec ? 'x' : '-');
  f.AppendChar(vma.kind == VmaKind::kFileShared ? 's' : 'p').AppendChar(' ');
  const FileMapping* file = vma.file.get();
  f.AppendHex(file != nullptr ? vma.offset : 0, 8, true).AppendChar(' ');
  f.AppendHex(file != nullptr ? Major(file->device()) : 0, 2, true).AppendChar(':');
  f.AppendHex(file != nullptr ? Minor(file->device()) : 0, 2, true).AppendChar(' ');
  f.AppendUnsigned(file != nullptr ? file->inode() : 0);
  const char* name = file != nullptr ? file->path() : vma.name;
  if (name != nullptr && name[0] != '\0') {
    f.AppendChar(' ');
    while (f.wanted() < kNameColumn) f.AppendChar(' ');
    f.AppendString(name);
  }
  f.AppendChar('\n');
  return f.wanted();
}

}  // namespace sentry::mm
