#include "kernel/loader/exec_prepare.h"

#include "kernel/ktl/vector.h"
#include "kernel/loader/shebang.h"

namespace sentry::loader {

using ktl::Errno;

namespace {

// How much of a file one read takes first: the ELF header, the program
// headers and the PT_INTERP path of every real binary, or a #! line.
constexpr size_t kHeadBytes = 4096;

ktl::Result<ktl::Vector<uint8_t>> ReadHead(ExecFile& file) {
  size_t length = file.size() < kHeadBytes ? static_cast<size_t>(file.size()) : kHeadBytes;
  ktl::Vector<uint8_t> head;
  TRY(head.Resize(length));
  TRY(file.ReadExactly({head.data(), length}, 0));
  return head;
}

// `file`'s bytes [offset, offset + length), from `head` when it holds them.
ktl::Result<ktl::Vector<uint8_t>> ReadRange(ExecFile& file, std::span<const uint8_t> head,
                                            uint64_t offset, uint64_t length) {
  ktl::Vector<uint8_t> bytes;
  TRY(bytes.Resize(length));
  if (offset + length <= head.size()) {
    ktl::MemCopy(bytes.data(), head.data() + offset, length);
  } else {
    TRY(file.ReadExactly({bytes.data(), bytes.size()}, offset));
  }
  return bytes;
}

ktl::Result<ktl::Vector<char>> CopyString(ktl::StringView text) {
  ktl::Vector<char> copy;
  TRY(copy.Reserve(text.size() + 1));
  for (char c : text) TRY(copy.PushBack(c));
  TRY(copy.PushBack('\0'));
  return copy;
}

ktl::StringView ViewOf(const ktl::Vector<char>& string) {
  return ktl::StringView(string.data(), string.size() - 1);
}

// The validated ELF image of `file`, whose first bytes are `head`; with a
// PT_INTERP, its path (NUL-terminated) goes to *interpreter_path. ENOEXEC
// with *reason set if the file is malformed.
ktl::Result<elf::ElfImage> ReadElf(ExecFile& file, std::span<const uint8_t> head,
                                   ktl::Vector<char>* interpreter_path, const char** reason) {
  elf::ElfHeaderInfo info = TRY(elf::ParseElfHeader(head, file.size(), reason));
  elf::FileRange range = elf::ProgramHeaderRange(info);
  auto phdrs = ReadRange(file, head, range.offset, range.length);
  if (!phdrs.ok()) {
    *reason = "cannot read the program headers";
    return phdrs.error();
  }
  elf::ElfImage image = TRY(elf::ParseElfWithPhdrs(
      info, {phdrs.value().data(), phdrs.value().size()}, head, file.size(), reason));
  if (!image.has_interp) return image;
  auto bytes = ReadRange(file, head, image.interp_offset, image.interp_length);
  if (!bytes.ok()) {
    *reason = "cannot read the PT_INTERP path";
    return bytes.error();
  }
  ktl::StringView path =
      TRY(elf::ValidateInterpPath({bytes.value().data(), bytes.value().size()}, reason));
  *interpreter_path = TRY(CopyString(path));
  return image;
}

void SetSubject(ExecDiagnostic* diagnostic, ktl::StringView path) {
  ktl::StrCopy(diagnostic->subject, path.data(),
               path.size() + 1 < sizeof(diagnostic->subject) ? path.size() + 1
                                                              : sizeof(diagnostic->subject));
}

// Opens and validates the ELF interpreter at `path` into `prepared`.
ktl::Result<void> PrepareInterpreter(vfs::Vfs& vfs, const vfs::Caller& caller,
                                     ktl::StringView path, PreparedExec* prepared,
                                     ExecDiagnostic* diagnostic) {
  SetSubject(diagnostic, path);
  auto opened = OpenExecutable(vfs, caller, path);
  if (!opened.ok()) {
    diagnostic->reason = opened.error() == Errno::kENOENT ? "ELF interpreter not found"
                                                          : "cannot open the ELF interpreter";
    return opened.error();
  }
  ExecFile& file = *opened.value();
  auto head = ReadHead(file);
  if (!head.ok()) {
    diagnostic->reason = "cannot read the ELF interpreter";
    return head.error();
  }
  if (head.value().size() < elf::kElfHeaderSize) {
    diagnostic->reason = "ELF interpreter shorter than an ELF header";
    return Errno::kEIO;  // Linux's short read of the interpreter's header
  }
  ktl::Vector<char> nested;
  const char* reason = nullptr;
  auto image = ReadElf(file, {head.value().data(), head.value().size()}, &nested, &reason);
  if (!image.ok()) {
    diagnostic->reason = reason != nullptr ? reason : "cannot read the ELF interpreter";
    return image.error() == Errno::kENOEXEC ? Errno::kELIBBAD : image.error();
  }
  if (image.value().has_interp) {
    diagnostic->reason = "the ELF interpreter has a PT_INTERP itself";
    return Errno::kELIBBAD;
  }
  prepared->interpreter = std::move(opened).value();
  prepared->interpreter_image = image.value();
  diagnostic->subject[0] = '\0';
  return ktl::Ok();
}

}  // namespace

ktl::Result<PreparedExec> PrepareExec(vfs::Vfs& vfs, const vfs::Caller& caller,
                                      vfs::RefPtr<ExecFile> file, ktl::StringView filename,
                                      ExecArguments arguments, ExecDiagnostic* diagnostic) {
  PreparedExec prepared;
  prepared.arguments = std::move(arguments);
  // The path `file` was opened by: what a #! rewrite puts in argv.
  ktl::Vector<char> name = TRY(CopyString(filename));
  for (int depth = 0;; ++depth) {
    if (depth > kMaxScriptNesting) {
      diagnostic->reason = "too many nested #! scripts";
      return Errno::kELOOP;
    }
    auto head = ReadHead(*file);
    if (!head.ok()) {
      diagnostic->reason = "cannot read the executable";
      return head.error();
    }
    std::span<const uint8_t> bytes(head.value().data(), head.value().size());
    if (bytes.size() >= 2 && bytes[0] == '#' && bytes[1] == '!') {
      auto line = ParseShebang({reinterpret_cast<const char*>(bytes.data()), bytes.size()});
      if (!line.ok()) {
        diagnostic->reason = "malformed #! line";
        return line.error();
      }
      if (line.value().interpreter.empty()) {
        // Linux resolves the empty name to the working directory, which
        // cannot be executed.
        diagnostic->reason = "empty #! interpreter";
        return Errno::kEACCES;
      }
      TRY(prepared.arguments.PrependInterpreter(line.value().interpreter, line.value().argument,
                                                ViewOf(name)));
      name = TRY(CopyString(line.value().interpreter));
      auto opened = OpenExecutable(vfs, caller, ViewOf(name));
      if (!opened.ok()) {
        SetSubject(diagnostic, ViewOf(name));
        diagnostic->reason = opened.error() == Errno::kENOENT ? "#! interpreter not found"
                                                              : "cannot open the #! interpreter";
        return opened.error();
      }
      file = std::move(opened).value();
      continue;
    }
    ktl::Vector<char> interpreter_path;
    prepared.image = TRY(ReadElf(*file, bytes, &interpreter_path, &diagnostic->reason));
    prepared.program = std::move(file);
    if (prepared.image.has_interp) {
      TRY(PrepareInterpreter(vfs, caller, ViewOf(interpreter_path), &prepared, diagnostic));
    }
    return prepared;
  }
}

}  // namespace sentry::loader
