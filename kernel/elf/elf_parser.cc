#include "kernel/elf/elf_parser.h"

#include "platform_kvm/abi/memory_layout.h"

namespace sentry::elf {
namespace {

using ktl::Errno;

// Field offsets in Elf64_Ehdr and Elf64_Phdr (System V gABI, x86-64 psABI).
constexpr size_t kEiClass = 4;
constexpr size_t kEiData = 5;
constexpr size_t kEiVersion = 6;
constexpr uint8_t kElfClass64 = 2;
constexpr uint8_t kElfData2Lsb = 1;
constexpr uint8_t kEvCurrent = 1;
constexpr uint16_t kEmX86_64 = 62;

constexpr size_t kEhType = 16;
constexpr size_t kEhMachine = 18;
constexpr size_t kEhVersion = 20;
constexpr size_t kEhEntry = 24;
constexpr size_t kEhPhoff = 32;
constexpr size_t kEhPhentsize = 54;
constexpr size_t kEhPhnum = 56;

constexpr size_t kPhType = 0;
constexpr size_t kPhFlags = 4;
constexpr size_t kPhOffset = 8;
constexpr size_t kPhVaddr = 16;
constexpr size_t kPhFilesz = 32;
constexpr size_t kPhMemsz = 40;

// Application mappings must end at or below this address.
constexpr uint64_t kUserEnd = ringfence::abi::kUserAddressEnd;

// Byte-wise little-endian loads: the input has no alignment guarantee.
uint64_t LoadLe(std::span<const uint8_t> bytes, size_t offset, size_t width) {
  uint64_t v = 0;
  for (size_t i = width; i > 0; --i) v = v << 8 | bytes[offset + i - 1];
  return v;
}

ktl::Result<ElfImage> Fail(const char** reason, const char* why) {
  if (reason != nullptr) *reason = why;
  return Errno::kENOEXEC;
}

// a + b without wrapping; false on overflow.
bool CheckedAdd(uint64_t a, uint64_t b, uint64_t* sum) { return !__builtin_add_overflow(a, b, sum); }

}  // namespace

ktl::Result<ElfHeaderInfo> ParseElfHeader(std::span<const uint8_t> ehdr, uint64_t file_size,
                                          const char** reason) {
  auto fail = [reason](const char* why) -> ktl::Result<ElfHeaderInfo> {
    if (reason != nullptr) *reason = why;
    return Errno::kENOEXEC;
  };
  if (ehdr.size() < kElfHeaderSize || file_size < kElfHeaderSize) {
    return fail("file too short for an ELF header");
  }
  if (ehdr[0] != 0x7f || ehdr[1] != 'E' || ehdr[2] != 'L' || ehdr[3] != 'F') {
    return fail("bad ELF magic");
  }
  if (ehdr[kEiClass] != kElfClass64) return fail("not a 64-bit ELF (EI_CLASS)");
  if (ehdr[kEiData] != kElfData2Lsb) return fail("not little-endian (EI_DATA)");
  if (ehdr[kEiVersion] != kEvCurrent || LoadLe(ehdr, kEhVersion, 4) != kEvCurrent) {
    return fail("unsupported ELF version");
  }
  ElfHeaderInfo info;
  info.type = static_cast<uint16_t>(LoadLe(ehdr, kEhType, 2));
  if (info.type != kEtExec && info.type != kEtDyn) return fail("not ET_EXEC or ET_DYN");
  if (LoadLe(ehdr, kEhMachine, 2) != kEmX86_64) return fail("e_machine is not x86-64");
  info.entry = LoadLe(ehdr, kEhEntry, 8);
  info.phoff = LoadLe(ehdr, kEhPhoff, 8);
  info.phentsize = static_cast<uint16_t>(LoadLe(ehdr, kEhPhentsize, 2));
  info.phnum = static_cast<uint16_t>(LoadLe(ehdr, kEhPhnum, 2));
  if (info.phentsize != kProgramHeaderSize) return fail("bad e_phentsize");
  if (info.phnum == 0) return fail("no program headers");
  if (info.phnum > kMaxProgramHeaders) return fail("too many program headers");
  uint64_t end;
  if (!CheckedAdd(info.phoff, uint64_t{info.phnum} * info.phentsize, &end) || end > file_size) {
    return fail("program headers outside the file");
  }
  return info;
}

ktl::Result<ktl::StringView> ValidateInterpPath(std::span<const uint8_t> bytes,
                                                const char** reason) {
  auto fail = [reason](const char* why) -> ktl::Result<ktl::StringView> {
    if (reason != nullptr) *reason = why;
    return Errno::kENOEXEC;
  };
  if (bytes.empty() || bytes.back() != 0) return fail("PT_INTERP not NUL-terminated");
  const char* path = reinterpret_cast<const char*>(bytes.data());  // bytes of a C string
  size_t length = ktl::StrNLen(path, bytes.size());
  if (length == 0) return fail("PT_INTERP path is empty");
  return ktl::StringView(path, length);
}

ktl::Result<ElfImage> ParseElfWithPhdrs(const ElfHeaderInfo& info, std::span<const uint8_t> phdrs,
                                        std::span<const uint8_t> head, uint64_t file_size,
                                        const char** reason) {
  const uint64_t table_size = uint64_t{info.phnum} * info.phentsize;
  if (phdrs.size() < table_size) return Fail(reason, "program headers beyond the bytes read");

  ElfImage image;
  image.type = info.type;
  image.entry = info.entry;
  image.phnum = info.phnum;
  image.phentsize = info.phentsize;
  bool have_phdr_segment = false;

  for (size_t i = 0; i < info.phnum; ++i) {
    std::span<const uint8_t> ph = phdrs.subspan(i * info.phentsize, info.phentsize);
    const uint32_t type = static_cast<uint32_t>(LoadLe(ph, kPhType, 4));
    const uint32_t flags = static_cast<uint32_t>(LoadLe(ph, kPhFlags, 4));
    const uint64_t offset = LoadLe(ph, kPhOffset, 8);
    const uint64_t vaddr = LoadLe(ph, kPhVaddr, 8);
    const uint64_t filesz = LoadLe(ph, kPhFilesz, 8);
    const uint64_t memsz = LoadLe(ph, kPhMemsz, 8);

    switch (type) {
      case kPtLoad: {
        if (filesz > memsz) return Fail(reason, "PT_LOAD p_filesz > p_memsz");
        uint64_t file_end;
        if (!CheckedAdd(offset, filesz, &file_end)) {
          return Fail(reason, "PT_LOAD file range overflows");
        }
        if (file_end > file_size) return Fail(reason, "PT_LOAD extends beyond the file");
        uint64_t mem_end;
        if (!CheckedAdd(vaddr, memsz, &mem_end)) return Fail(reason, "PT_LOAD address overflows");
        if (mem_end > kUserEnd) return Fail(reason, "PT_LOAD reaches the kernel half");
        if (offset % kElfPageSize != vaddr % kElfPageSize) {
          return Fail(reason, "PT_LOAD p_offset and p_vaddr not congruent modulo the page size");
        }
        if (memsz == 0) break;  // maps nothing; Linux ignores it too
        if (image.segment_count > 0) {
          const LoadSegment& prev = image.segments[image.segment_count - 1];
          if (vaddr < prev.vaddr) return Fail(reason, "PT_LOAD segments not sorted by address");
          if (vaddr < prev.vaddr + prev.memsz) return Fail(reason, "PT_LOAD segments overlap");
        }
        if (image.segment_count == kMaxLoadSegments) {
          return Fail(reason, "too many PT_LOAD segments");
        }
        LoadSegment& seg = image.segments[image.segment_count++];
        seg.vaddr = vaddr;
        seg.memsz = memsz;
        seg.offset = offset;
        seg.filesz = filesz;
        seg.readable = (flags & kPfR) != 0;
        seg.writable = (flags & kPfW) != 0;
        seg.executable = (flags & kPfX) != 0;
        break;
      }
      case kPtInterp: {
        if (image.has_interp) return Fail(reason, "more than one PT_INTERP");
        if (filesz < 2) return Fail(reason, "PT_INTERP too short");
        if (filesz > kMaxInterpLength) return Fail(reason, "PT_INTERP too long");
        uint64_t end;
        if (!CheckedAdd(offset, filesz, &end) || end > file_size) {
          return Fail(reason, "PT_INTERP outside the file");
        }
        image.has_interp = true;
        image.interp_offset = offset;
        image.interp_length = filesz;
        if (end <= head.size()) {
          if (!ValidateInterpPath(head.subspan(offset, filesz), reason).ok()) {
            return Errno::kENOEXEC;
          }
          image.interp_checked = true;
        }
        break;
      }
      case kPtPhdr:
        have_phdr_segment = true;
        image.phdr_vaddr = vaddr;
        break;
      case kPtGnuStack:
        image.executable_stack = (flags & kPfX) != 0;
        break;
      default:
        break;  // PT_NOTE, PT_DYNAMIC, PT_TLS, PT_GNU_*: the loader ignores them
    }
  }

  if (image.segment_count == 0) return Fail(reason, "no PT_LOAD segment");

  bool entry_ok = false;
  for (const LoadSegment& seg : image.loads()) {
    if (seg.executable && image.entry >= seg.vaddr && image.entry - seg.vaddr < seg.memsz) {
      entry_ok = true;
    }
  }
  if (!entry_ok) return Fail(reason, "entry point not in an executable PT_LOAD");

  if (!have_phdr_segment) {
    // AT_PHDR must still point at the table: find the segment mapping it.
    for (const LoadSegment& seg : image.loads()) {
      if (info.phoff >= seg.offset && info.phoff - seg.offset + table_size <= seg.filesz) {
        image.phdr_vaddr = seg.vaddr + (info.phoff - seg.offset);
        break;
      }
    }
  }

  const LoadSegment& last = image.segments[image.segment_count - 1];
  image.min_vaddr = image.segments[0].vaddr & ~(kElfPageSize - 1);
  // Cannot wrap: last.vaddr + last.memsz <= kUserEnd, which is page-aligned.
  image.max_vaddr = (last.vaddr + last.memsz + kElfPageSize - 1) & ~(kElfPageSize - 1);
  return image;
}

ktl::Result<ElfImage> ParseElf(std::span<const uint8_t> head, uint64_t file_size,
                               const char** reason) {
  ElfHeaderInfo info = TRY(ParseElfHeader(head, file_size, reason));
  if (head.size() < RequiredHeadBytes(info)) {
    return Fail(reason, "program headers beyond the bytes read");
  }
  return ParseElfWithPhdrs(info, head.subspan(info.phoff, ProgramHeaderRange(info).length), head,
                           file_size, reason);
}

}  // namespace sentry::elf
