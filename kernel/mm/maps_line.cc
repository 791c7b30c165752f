#include "kernel/mm/maps_line.h"

#include "kernel/ktl/format.h"
#include "kernel/vfs/types.h"

namespace sentry::mm {
namespace {

// The column where Linux starts the name: show_map_vma pads to 25 + 6 * 8.
constexpr size_t kNameColumn = 73;

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
  f.AppendHex(file != nullptr ? vfs::DeviceMajor(file->device()) : 0, 2, true).AppendChar(':');
  f.AppendHex(file != nullptr ? vfs::DeviceMinor(file->device()) : 0, 2, true).AppendChar(' ');
  // Linux ends the fields with a space even when no name follows.
  f.AppendUnsigned(file != nullptr ? file->inode() : 0).AppendChar(' ');
  const char* name = file != nullptr ? file->path() : vma.name;
  if (name != nullptr && name[0] != '\0') {
    while (f.wanted() < kNameColumn) f.AppendChar(' ');
    f.AppendString(name);
  }
  f.AppendChar('\n');
  return f.wanted();
}

}  // namespace sentry::mm
