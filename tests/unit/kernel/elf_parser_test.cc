#include "kernel/elf/elf_parser.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/unit/kernel/elf_builder.h"

namespace sentry::elf {
namespace {

using ringfence::testing::ElfBuilder;
using ringfence::testing::TestPhdr;

struct Parsed {
  bool ok;
  ElfImage image;
  std::string reason;
};

Parsed Parse(const std::vector<uint8_t>& bytes, uint64_t file_size) {
  const char* reason = nullptr;
  auto result = ParseElf(bytes, file_size, &reason);
  Parsed parsed{result.ok(), {}, reason ? reason : ""};
  if (result.ok()) {
    parsed.image = result.value();
  } else {
    EXPECT_EQ(result.error(), ktl::Errno::kENOEXEC);
    EXPECT_NE(reason, nullptr);
  }
  return parsed;
}

Parsed Parse(const ElfBuilder& b) {
  std::vector<uint8_t> bytes = b.Build();
  return Parse(bytes, bytes.size());
}

// Expects a rejection whose reason mentions `needle`.
void ExpectRejected(const ElfBuilder& b, const std::string& needle) {
  Parsed p = Parse(b);
  EXPECT_FALSE(p.ok);
  EXPECT_NE(p.reason.find(needle), std::string::npos) << "reason: " << p.reason;
}

TEST(ElfParserTest, ValidStaticExecutable) {
  ElfBuilder b;
  Parsed p = Parse(b);
  ASSERT_TRUE(p.ok) << p.reason;
  const ElfImage& image = p.image;
  EXPECT_EQ(image.type, kEtExec);
  EXPECT_EQ(image.entry, 0x401000u);
  EXPECT_EQ(image.phnum, 4);
  EXPECT_EQ(image.phentsize, 56);
  EXPECT_EQ(image.phdr_vaddr, 0x400040u);  // from the PT_LOAD covering offset 64
  ASSERT_EQ(image.segment_count, 3u);
  EXPECT_TRUE(image.segments[0].readable);
  EXPECT_FALSE(image.segments[0].writable);
  EXPECT_FALSE(image.segments[0].executable);
  EXPECT_TRUE(image.segments[1].executable);
  EXPECT_TRUE(image.segments[2].writable);
  EXPECT_EQ(image.segments[2].filesz, 0x800u);
  EXPECT_EQ(image.segments[2].memsz, 0x2000u);
  EXPECT_EQ(image.segments[2].offset, 0x2000u);
  EXPECT_FALSE(image.has_interp);
  EXPECT_FALSE(image.executable_stack);
  EXPECT_EQ(image.min_vaddr, 0x400000u);
  EXPECT_EQ(image.max_vaddr, 0x405000u);
}

TEST(ElfParserTest, TooShort) {
  ElfBuilder b;
  b.file_size = 40;
  ExpectRejected(b, "too short");
}

TEST(ElfParserTest, BadIdent) {
  {
    ElfBuilder b;
    b.ident[1] = 'X';
    ExpectRejected(b, "magic");
  }
  {
    ElfBuilder b;
    b.ident[4] = 1;  // ELFCLASS32
    ExpectRejected(b, "64-bit");
  }
  {
    ElfBuilder b;
    b.ident[5] = 2;  // big-endian
    ExpectRejected(b, "little-endian");
  }
  {
    ElfBuilder b;
    b.ident[6] = 2;
    ExpectRejected(b, "version");
  }
  {
    ElfBuilder b;
    b.version = 0;
    ExpectRejected(b, "version");
  }
}

TEST(ElfParserTest, BadMachineAndType) {
  {
    ElfBuilder b;
    b.machine = 3;  // EM_386
    ExpectRejected(b, "x86-64");
  }
  for (uint16_t type : {0, 1, 4, 0xfe00}) {
    ElfBuilder b;
    b.type = type;
    ExpectRejected(b, "ET_EXEC");
  }
}

TEST(ElfParserTest, BadProgramHeaderTable) {
  {
    ElfBuilder b;
    b.phentsize = 32;
    ExpectRejected(b, "e_phentsize");
  }
  {
    ElfBuilder b;
    b.phnum_override = 0;
    ExpectRejected(b, "no program headers");
  }
  {
    ElfBuilder b;
    b.phnum_override = 200;
    ExpectRejected(b, "too many program headers");
  }
  {
    ElfBuilder b;
    b.phoff = 0x2fc0;  // the table runs past the end of the file
    ExpectRejected(b, "outside the file");
  }
  {
    ElfBuilder b;
    b.phoff = ~uint64_t{0} - 100;  // phoff + size wraps
    ExpectRejected(b, "outside the file");
  }
}

TEST(ElfParserTest, LoadSegmentRanges) {
  {
    ElfBuilder b;
    b.phdrs[2].filesz = 0x3000;  // > memsz
    ExpectRejected(b, "p_filesz > p_memsz");
  }
  {
    ElfBuilder b;
    b.phdrs[2].filesz = 0x1800;
    b.phdrs[2].memsz = 0x1800;  // 0x2000 + 0x1800 > file size 0x3000
    ExpectRejected(b, "beyond the file");
  }
  {
    ElfBuilder b;
    b.phdrs[2].offset = 0xfffffffffffff000;  // offset + filesz wraps
    b.phdrs[2].filesz = 0x1000;
    ExpectRejected(b, "overflows");
  }
  {
    ElfBuilder b;
    b.phdrs[2].vaddr = 0xfffffffffffff000;  // vaddr + memsz wraps
    ExpectRejected(b, "overflows");
  }
  {
    ElfBuilder b;
    b.phdrs[2].vaddr = 0x7ffffffff000 - 0x1000;  // memsz 0x2000 crosses the user end
    ExpectRejected(b, "kernel half");
  }
  {
    ElfBuilder b;
    b.phdrs[2].vaddr = 0xffff800000000000;
    ExpectRejected(b, "kernel half");
  }
  {
    ElfBuilder b;
    b.phdrs[2].vaddr = 0x403100;  // offset 0x2000 is not congruent
    ExpectRejected(b, "congruent");
  }
}

TEST(ElfParserTest, SegmentEndingExactlyAtUserEndIsAccepted) {
  ElfBuilder b;
  b.phdrs[2].vaddr = 0x7ffffffff000 - 0x2000;
  Parsed p = Parse(b);
  ASSERT_TRUE(p.ok) << p.reason;
  EXPECT_EQ(p.image.max_vaddr, 0x7ffffffff000u);
}

TEST(ElfParserTest, UnsortedOrOverlappingLoads) {
  {
    ElfBuilder b;
    std::swap(b.phdrs[1], b.phdrs[2]);
    ExpectRejected(b, "not sorted");
  }
  {
    ElfBuilder b;
    b.phdrs[2].vaddr = 0x401000 + 0x800;  // inside the text segment
    b.phdrs[2].offset = 0x1800;
    b.phdrs[2].filesz = 0x800;
    ExpectRejected(b, "overlap");
  }
}

TEST(ElfParserTest, SegmentsSharingAPageAtTheBoundaryAreAccepted) {
  ElfBuilder b;
  b.phdrs[1].memsz = 0x800;  // text ends at 0x401800
  b.phdrs[1].filesz = 0x800;
  b.phdrs[2].vaddr = 0x401800;  // data starts in the same page
  b.phdrs[2].offset = 0x1800;
  Parsed p = Parse(b);
  ASSERT_TRUE(p.ok) << p.reason;
}

TEST(ElfParserTest, NoLoadSegment) {
  ElfBuilder b;
  b.phdrs = {{0x6474e551, 6}};
  ExpectRejected(b, "no PT_LOAD");
}

TEST(ElfParserTest, TooManyLoadSegments) {
  ElfBuilder b;
  b.phdrs.clear();
  for (uint64_t i = 0; i <= kMaxLoadSegments; ++i) {
    b.phdrs.push_back({1, 5, 0x1000, 0x400000 + i * 0x10000 + 0x1000, 0x100, 0x100});
  }
  b.entry = 0x401000;
  ExpectRejected(b, "too many PT_LOAD");
}

TEST(ElfParserTest, EntryMustBeInAnExecutableSegment) {
  {
    ElfBuilder b;
    b.entry = 0x403010;  // in the RW data segment
    ExpectRejected(b, "entry point");
  }
  {
    ElfBuilder b;
    b.entry = 0x900000;  // in no segment
    ExpectRejected(b, "entry point");
  }
  {
    ElfBuilder b;
    b.entry = 0x402000;  // one past the end of text
    ExpectRejected(b, "entry point");
  }
}

ElfBuilder WithInterp(const std::string& path, uint64_t offset = 0x200) {
  ElfBuilder b;
  b.phdrs.insert(b.phdrs.begin(), {3, 4, offset, 0x400000 + offset, path.size(), path.size(), 1});
  b.blobs.push_back({offset, path});
  return b;
}

TEST(ElfParserTest, InterpValid) {
  const std::string path("/lib64/ld-linux-x86-64.so.2\0", 28);
  Parsed p = Parse(WithInterp(path));
  ASSERT_TRUE(p.ok) << p.reason;
  EXPECT_TRUE(p.image.has_interp);
  EXPECT_TRUE(p.image.interp_checked);
  EXPECT_EQ(p.image.interp_offset, 0x200u);
  EXPECT_EQ(p.image.interp_length, 28u);
}

TEST(ElfParserTest, InterpMalformed) {
  ExpectRejected(WithInterp("/lib/ld.so"), "NUL-terminated");
  ExpectRejected(WithInterp(std::string("\0", 1)), "too short");
  ExpectRejected(WithInterp(std::string("\0\0", 2)), "empty");
  ExpectRejected(WithInterp(std::string(5000, 'a') + '\0'), "too long");
  ExpectRejected(WithInterp(std::string("/x\0", 3), 0x2fff), "outside the file");
  {
    ElfBuilder b = WithInterp(std::string("/a\0", 3));
    b.phdrs.insert(b.phdrs.begin(), {3, 4, 0x200, 0x400200, 3, 3, 1});
    ExpectRejected(b, "more than one PT_INTERP");
  }
}

TEST(ElfParserTest, InterpBeyondHeadIsLeftForTheLoader) {
  ElfBuilder b = WithInterp(std::string("/lib/ld.so\0", 11), 0x1800);
  std::vector<uint8_t> bytes = b.Build();
  std::vector<uint8_t> head(bytes.begin(), bytes.begin() + 0x1000);
  const char* reason = nullptr;
  auto result = ParseElf(head, bytes.size(), &reason);
  ASSERT_TRUE(result.ok()) << reason;
  EXPECT_TRUE(result.value().has_interp);
  EXPECT_FALSE(result.value().interp_checked);
  auto path = ValidateInterpPath(
      std::span<const uint8_t>(bytes.data() + result.value().interp_offset,
                               result.value().interp_length),
      &reason);
  ASSERT_TRUE(path.ok());
  EXPECT_TRUE(path.value() == ktl::StringView("/lib/ld.so"));
}

TEST(ElfParserTest, ValidateInterpPathReadsUpToTheFirstNul) {
  const uint8_t bytes[] = {'/', 'l', 'd', 0, 0, 0};
  const char* reason = nullptr;
  auto path = ValidateInterpPath(bytes, &reason);
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(path.value().size(), 3u);
}

TEST(ElfParserTest, PhdrFromPtPhdrAndGnuStack) {
  ElfBuilder b;
  b.phdrs.insert(b.phdrs.begin(), {6, 4, 64, 0x400040 + 0x1000000, 5 * 56, 5 * 56, 8});
  b.phdrs.back().flags = 7;  // PT_GNU_STACK RWX
  Parsed p = Parse(b);
  ASSERT_TRUE(p.ok) << p.reason;
  EXPECT_EQ(p.image.phdr_vaddr, 0x1400040u);
  EXPECT_TRUE(p.image.executable_stack);
}

TEST(ElfParserTest, PhdrNotLoadedGivesZero) {
  ElfBuilder b;
  b.phdrs[0].offset = 0x1000;  // first segment no longer covers the table
  b.phdrs[0].vaddr = 0x3ff000;
  b.phdrs[0].filesz = b.phdrs[0].memsz = 0x1000;
  Parsed p = Parse(b);
  ASSERT_TRUE(p.ok) << p.reason;
  EXPECT_EQ(p.image.phdr_vaddr, 0u);
}

TEST(ElfParserTest, DynamicAtZero) {
  ElfBuilder b;
  b.type = 3;
  b.phdrs[0].vaddr = 0;
  b.phdrs[1].vaddr = 0x1000;
  b.phdrs[2].vaddr = 0x3000;
  b.entry = 0x1234;
  Parsed p = Parse(b);
  ASSERT_TRUE(p.ok) << p.reason;
  EXPECT_EQ(p.image.type, kEtDyn);
  EXPECT_EQ(p.image.min_vaddr, 0u);
  EXPECT_EQ(p.image.max_vaddr, 0x5000u);
  EXPECT_EQ(p.image.phdr_vaddr, 0x40u);
}

TEST(ElfParserTest, TwoStepApiWithDistantProgramHeaders) {
  ElfBuilder b;
  b.phoff = 0x2c00;  // inside the data segment's file range, far from the header
  b.phdrs[2].filesz = 0x1000;
  std::vector<uint8_t> bytes = b.Build();
  const char* reason = nullptr;

  // One buffer of the first page is not enough...
  std::vector<uint8_t> page(bytes.begin(), bytes.begin() + 0x1000);
  auto one_step = ParseElf(page, bytes.size(), &reason);
  ASSERT_FALSE(one_step.ok());
  EXPECT_STREQ(reason, "program headers beyond the bytes read");

  // ...but the two-step API says what to read.
  auto info = ParseElfHeader(std::span<const uint8_t>(bytes.data(), kElfHeaderSize), bytes.size(),
                             &reason);
  ASSERT_TRUE(info.ok()) << reason;
  FileRange range = ProgramHeaderRange(info.value());
  EXPECT_EQ(range.offset, 0x2c00u);
  EXPECT_EQ(range.length, 4u * 56);
  EXPECT_EQ(RequiredHeadBytes(info.value()), 0x2c00u + 4 * 56);
  auto image = ParseElfWithPhdrs(
      info.value(), std::span<const uint8_t>(bytes.data() + range.offset, range.length), {},
      bytes.size(), &reason);
  ASSERT_TRUE(image.ok()) << reason;
  EXPECT_EQ(image.value().segment_count, 3u);
  EXPECT_EQ(image.value().phdr_vaddr, 0x403c00u);
}

std::vector<uint8_t> ReadFile(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void CheckRealBinary(const std::vector<uint8_t>& bytes) {
  const char* reason = nullptr;
  auto result = ParseElf(bytes, bytes.size(), &reason);
  ASSERT_TRUE(result.ok()) << reason;
  const ElfImage& image = result.value();
  EXPECT_GE(image.segment_count, 2u);
  EXPECT_NE(image.phdr_vaddr, 0u);
  EXPECT_LT(image.min_vaddr, image.max_vaddr);
  if (image.has_interp) {
    ASSERT_TRUE(image.interp_checked);
    auto path = ValidateInterpPath(
        std::span<const uint8_t>(bytes.data() + image.interp_offset, image.interp_length), &reason);
    ASSERT_TRUE(path.ok());
    EXPECT_TRUE(path.value().StartsWith("/lib"));
  }
}

TEST(ElfParserTest, ParsesThisTestBinary) {
  std::vector<uint8_t> bytes = ReadFile("/proc/self/exe");
  ASSERT_FALSE(bytes.empty());
  CheckRealBinary(bytes);
}

TEST(ElfParserTest, ParsesSystemBinaries) {
  int parsed = 0;
  for (const char* path : {"/bin/busybox", "/bin/ls", "/usr/bin/env"}) {
    std::vector<uint8_t> bytes = ReadFile(path);
    if (bytes.empty()) continue;
    SCOPED_TRACE(path);
    CheckRealBinary(bytes);
    ++parsed;
  }
  if (parsed == 0) GTEST_SKIP() << "no system binaries found";
}

TEST(ElfParserTest, TruncationsNeverCrash) {
  // Every prefix of a valid image either parses or is rejected cleanly.
  std::vector<uint8_t> bytes = WithInterp(std::string("/lib/ld.so\0", 11)).Build();
  for (size_t n = 0; n <= 0x400; ++n) {
    const char* reason = nullptr;
    auto r = ParseElf(std::span<const uint8_t>(bytes.data(), n), n, &reason);
    if (!r.ok()) {
      EXPECT_NE(reason, nullptr);
    }
  }
}

}  // namespace
}  // namespace sentry::elf
