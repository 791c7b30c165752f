// Parsing and validation of x86-64 ELF executables (the program itself and
// its PT_INTERP dynamic loader).
//
// Pure parsing: no I/O and no mapping. The loader reads the file through a
// hypercall, so the API is two-step:
//
//   1. Read the first kElfHeaderSize bytes; ParseElfHeader() validates them
//      and says where the program headers are (ProgramHeaderRange()).
//   2. Read that range; ParseElfWithPhdrs() validates the program headers and
//      returns the ElfImage the loader maps.
//
// ParseElf() does both when one buffer holds the ELF header and the program
// headers (the usual case: they are in the first page).
//
// All input is untrusted: every failure is ENOEXEC with `*reason` set to a
// static, human-readable string (for the loader's log and --strace).
#ifndef RINGFENCE_KERNEL_ELF_ELF_PARSER_H_
#define RINGFENCE_KERNEL_ELF_ELF_PARSER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "kernel/ktl/result.h"
#include "kernel/ktl/string.h"

namespace sentry::elf {

inline constexpr size_t kElfHeaderSize = 64;         // sizeof(Elf64_Ehdr)
inline constexpr size_t kProgramHeaderSize = 56;     // sizeof(Elf64_Phdr)
inline constexpr uint16_t kMaxProgramHeaders = 128;  // Linux caps the table at 64 KiB
inline constexpr size_t kMaxLoadSegments = 16;       // real binaries have 2-5
inline constexpr size_t kMaxInterpLength = 4096;     // PATH_MAX, NUL included
inline constexpr uint64_t kElfPageSize = 4096;

// e_type values the loader accepts.
inline constexpr uint16_t kEtExec = 2;
inline constexpr uint16_t kEtDyn = 3;

// Program header types and flags (from the ELF and LSB specifications).
inline constexpr uint32_t kPtLoad = 1;
inline constexpr uint32_t kPtInterp = 3;
inline constexpr uint32_t kPtPhdr = 6;
inline constexpr uint32_t kPtGnuStack = 0x6474e551;
inline constexpr uint32_t kPfX = 1;
inline constexpr uint32_t kPfW = 2;
inline constexpr uint32_t kPfR = 4;

// What step 1 learns from the ELF header.
struct ElfHeaderInfo {
  uint16_t type = 0;  // kEtExec or kEtDyn
  uint64_t entry = 0;
  uint64_t phoff = 0;
  uint16_t phnum = 0;
  uint16_t phentsize = 0;
};

// One PT_LOAD. The loader maps file bytes [offset, offset + filesz) at
// [vaddr, vaddr + filesz) (plus the load bias for ET_DYN) and zero-fills up to
// vaddr + memsz. Guarantees: filesz <= memsz; offset % page == vaddr % page;
// the file range lies inside the file; vaddr + memsz < the user address end.
struct LoadSegment {
  uint64_t vaddr = 0;
  uint64_t memsz = 0;
  uint64_t offset = 0;
  uint64_t filesz = 0;
  bool readable = false;
  bool writable = false;
  bool executable = false;
};

struct ElfImage {
  uint16_t type = 0;  // kEtExec or kEtDyn
  uint64_t entry = 0;
  // Address of the program header table in memory, for AT_PHDR (before the
  // load bias). From PT_PHDR if present, else from the PT_LOAD whose file
  // range contains it; 0 if the table is not loaded at all.
  uint64_t phdr_vaddr = 0;
  uint16_t phnum = 0;
  uint16_t phentsize = 0;

  // PT_LOAD segments, sorted by vaddr, non-overlapping (two may share a page
  // at their boundary, as Linux permits; the loader merges that page).
  std::array<LoadSegment, kMaxLoadSegments> segments{};
  size_t segment_count = 0;
  std::span<const LoadSegment> loads() const { return {segments.data(), segment_count}; }

  // PT_INTERP: the file range holding the interpreter's path, NUL included.
  // interp_checked says whether ParseElf saw those bytes and verified them;
  // if not, the loader reads them and calls ValidateInterpPath().
  bool has_interp = false;
  uint64_t interp_offset = 0;
  uint64_t interp_length = 0;
  bool interp_checked = false;

  // PT_GNU_STACK asked for an executable stack (absent: not executable, the
  // x86-64 default).
  bool executable_stack = false;

  // All segments span [min_vaddr, max_vaddr), both page-aligned: the size
  // of the reservation an ET_DYN load bias must fit.
  uint64_t min_vaddr = 0;
  uint64_t max_vaddr = 0;
};

// Step 1. `ehdr` holds at least the first kElfHeaderSize bytes of the file;
// `file_size` is the file's size.
ktl::Result<ElfHeaderInfo> ParseElfHeader(std::span<const uint8_t> ehdr, uint64_t file_size,
                                          const char** reason);

// The file range holding the program headers, valid after ParseElfHeader
// succeeded (which checked it lies inside the file).
struct FileRange {
  uint64_t offset;
  uint64_t length;
};
inline FileRange ProgramHeaderRange(const ElfHeaderInfo& info) {
  return {info.phoff, uint64_t{info.phnum} * info.phentsize};
}
// Bytes from the start of the file that ParseElf needs.
inline uint64_t RequiredHeadBytes(const ElfHeaderInfo& info) {
  return info.phoff + uint64_t{info.phnum} * info.phentsize;
}

// Step 2. `phdrs` holds exactly the ProgramHeaderRange bytes. `head` (may be
// empty) is any prefix of the file the caller already has; it is used only
// to check the PT_INTERP path without another read.
ktl::Result<ElfImage> ParseElfWithPhdrs(const ElfHeaderInfo& info, std::span<const uint8_t> phdrs,
                                        std::span<const uint8_t> head, uint64_t file_size,
                                        const char** reason);

// Both steps from one prefix of the file. If `head` is shorter than
// RequiredHeadBytes(), fails with ENOEXEC and reason "program headers beyond
// the bytes read" (the caller should use the two-step API).
ktl::Result<ElfImage> ParseElf(std::span<const uint8_t> head, uint64_t file_size,
                               const char** reason);

// Checks the PT_INTERP bytes (interp_length of them): the last byte is NUL
// and the path (up to the first NUL, as Linux reads it) is not empty.
// Returns the path without its NUL.
ktl::Result<ktl::StringView> ValidateInterpPath(std::span<const uint8_t> bytes, const char** reason);

}  // namespace sentry::elf

#endif  // RINGFENCE_KERNEL_ELF_ELF_PARSER_H_
