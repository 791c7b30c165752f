// LoadSentry: the embedded image loads with the documented mappings (checked
// by walking the built page tables), and corrupted images fail cleanly
// without touching anything outside guest memory.
#include "vmm/sentry_loader.h"

#include <elf.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "platform_kvm/abi/memory_layout.h"
#include "vmm/guest_memory.h"
#include "vmm/guest_page_walk.h"

namespace ringfence::vmm {
namespace {

using abi::kPageSize;
using abi::kSentryVirtBase;

constexpr uint64_t kImageVa = kSentryVirtBase + abi::kSentryImageGpa;

std::vector<uint8_t> Embedded() {
  auto image = EmbeddedSentryImage();
  return {image.begin(), image.end()};
}

Elf64_Ehdr HeaderOf(const std::vector<uint8_t>& image) {
  Elf64_Ehdr ehdr;
  std::memcpy(&ehdr, image.data(), sizeof(ehdr));
  return ehdr;
}

std::vector<Elf64_Phdr> LoadSegmentsOf(const std::vector<uint8_t>& image) {
  Elf64_Ehdr ehdr = HeaderOf(image);
  std::vector<Elf64_Phdr> out;
  for (int i = 0; i < ehdr.e_phnum; ++i) {
    Elf64_Phdr phdr;
    std::memcpy(&phdr, image.data() + ehdr.e_phoff + i * sizeof(phdr), sizeof(phdr));
    if (phdr.p_type == PT_LOAD) out.push_back(phdr);
  }
  return out;
}

// A minimal ELF image: header, program headers, then each segment's file
// bytes at its own page-aligned offset.
struct SegmentSpec {
  uint64_t vaddr;
  uint64_t filesz;
  uint64_t memsz;
  uint32_t flags;
  uint8_t fill = 0xcc;
};
std::vector<uint8_t> BuildImage(const std::vector<SegmentSpec>& segments, uint64_t entry) {
  uint64_t offset = kPageSize;
  std::vector<Elf64_Phdr> phdrs;
  for (const SegmentSpec& spec : segments) {
    Elf64_Phdr phdr = {};
    phdr.p_type = PT_LOAD;
    phdr.p_flags = spec.flags;
    phdr.p_offset = offset;
    phdr.p_vaddr = phdr.p_paddr = spec.vaddr;
    phdr.p_filesz = spec.filesz;
    phdr.p_memsz = spec.memsz;
    phdr.p_align = kPageSize;
    phdrs.push_back(phdr);
    offset += (spec.filesz + kPageSize - 1) / kPageSize * kPageSize;
  }
  std::vector<uint8_t> image(offset, 0);
  Elf64_Ehdr ehdr = {};
  std::memcpy(ehdr.e_ident, ELFMAG, SELFMAG);
  ehdr.e_ident[EI_CLASS] = ELFCLASS64;
  ehdr.e_ident[EI_DATA] = ELFDATA2LSB;
  ehdr.e_ident[EI_VERSION] = EV_CURRENT;
  ehdr.e_type = ET_EXEC;
  ehdr.e_machine = EM_X86_64;
  ehdr.e_version = EV_CURRENT;
  ehdr.e_entry = entry;
  ehdr.e_phoff = sizeof(Elf64_Ehdr);
  ehdr.e_ehsize = sizeof(Elf64_Ehdr);
  ehdr.e_phentsize = sizeof(Elf64_Phdr);
  ehdr.e_phnum = static_cast<uint16_t>(phdrs.size());
  std::memcpy(image.data(), &ehdr, sizeof(ehdr));
  std::memcpy(image.data() + sizeof(ehdr), phdrs.data(), phdrs.size() * sizeof(Elf64_Phdr));
  for (size_t i = 0; i < segments.size(); ++i) {
    std::memset(image.data() + phdrs[i].p_offset, segments[i].fill, segments[i].filesz);
  }
  return image;
}

// A valid two-segment image: text (RX) and data+bss (RW).
std::vector<SegmentSpec> ValidSegments() {
  return {{kImageVa, 100, 100, PF_R | PF_X, 0x90},
          {kImageVa + 0x1000, 10, 0x3000, PF_R | PF_W, 0xda}};
}

class SentryLoaderTest : public ::testing::Test {
 protected:
  void Create(uint64_t size) {
    memory_.reset();
    auto memory = GuestMemory::Create(size);
    ASSERT_TRUE(memory.ok()) << memory.status();
    memory_.emplace(std::move(*memory));
  }
  void SetUp() override { Create(abi::kMinGuestMemory); }

  absl::StatusOr<GuestTranslation> Translate(uint64_t cr3, uint64_t va) {
    auto reader = [this](uint64_t gpa, void* out, size_t len) {
      return memory_->Read(gpa, out, len);
    };
    return TranslateGuestVirtual(cr3, va, reader, memory_->size());
  }

  // True if no byte from the image base up is non-zero: nothing was copied.
  bool ImageRegionUntouched() const {
    const uint8_t* base = memory_->host_base() + abi::kSentryImageGpa;
    for (uint64_t i = 0; i < 0x10000; ++i) {
      if (base[i] != 0) return false;
    }
    return true;
  }

  // Loads `image` expecting failure; returns the status.
  absl::Status ExpectFailure(const std::vector<uint8_t>& image) {
    auto loaded = LoadSentry(*memory_, image);
    EXPECT_FALSE(loaded.ok());
    return loaded.ok() ? absl::OkStatus() : loaded.status();
  }

  std::optional<GuestMemory> memory_;
};

TEST_F(SentryLoaderTest, EmbeddedImageLoads) {
  std::vector<uint8_t> image = Embedded();
  ASSERT_GE(image.size(), sizeof(Elf64_Ehdr));
  auto loaded = LoadSentry(*memory_, EmbeddedSentryImage());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_GE(loaded->entry, kSentryVirtBase);
  EXPECT_EQ(loaded->entry, HeaderOf(image).e_entry);
  EXPECT_EQ(loaded->cr3, abi::kBootPageTablesGpa);
  EXPECT_GT(loaded->image_end, abi::kSentryImageGpa);
  EXPECT_EQ(loaded->image_end % kPageSize, 0u);
  EXPECT_LE(loaded->image_end, memory_->size());

  auto entry = Translate(loaded->cr3, loaded->entry);
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_TRUE(entry->executable);
  EXPECT_FALSE(entry->writable);
  EXPECT_FALSE(entry->user);

  std::vector<Elf64_Phdr> segments = LoadSegmentsOf(image);
  ASSERT_FALSE(segments.empty());
  bool saw_text = false, saw_data = false;
  for (const Elf64_Phdr& phdr : segments) {
    uint64_t pa = phdr.p_vaddr - kSentryVirtBase;
    EXPECT_LE(pa + phdr.p_memsz, loaded->image_end);
    // File bytes copied, the rest zeroed.
    EXPECT_EQ(std::memcmp(memory_->host_base() + pa, image.data() + phdr.p_offset, phdr.p_filesz),
              0);
    for (uint64_t i = phdr.p_filesz; i < phdr.p_memsz; ++i) {
      ASSERT_EQ(memory_->host_base()[pa + i], 0) << "bss byte " << i;
    }
    for (uint64_t offset = 0; offset < phdr.p_memsz; offset += kPageSize) {
      auto t = Translate(loaded->cr3, phdr.p_vaddr + offset);
      ASSERT_TRUE(t.ok()) << t.status();
      EXPECT_EQ(t->gpa, pa + offset);
      EXPECT_EQ(t->page_size, kPageSize);
      EXPECT_EQ(t->executable, (phdr.p_flags & PF_X) != 0);
      EXPECT_EQ(t->writable, (phdr.p_flags & PF_W) != 0);
      EXPECT_FALSE(t->executable && t->writable);
      EXPECT_FALSE(t->user);
    }
    if (phdr.p_flags & PF_X) {
      saw_text = true;
      EXPECT_FALSE(phdr.p_flags & PF_W);  // text read-only + exec
    }
    if (phdr.p_flags & PF_W) saw_data = true;  // data NX (checked above)
  }
  EXPECT_TRUE(saw_text);
  EXPECT_TRUE(saw_data);

  // The physmap: all of guest memory, writable, never executable.
  for (uint64_t pa = 0; pa < memory_->size(); pa += abi::kLargePageSize) {
    for (uint64_t within : {uint64_t{0}, uint64_t{0x1234}, abi::kLargePageSize - 1}) {
      auto t = Translate(loaded->cr3, abi::kPhysmapBase + pa + within);
      ASSERT_TRUE(t.ok()) << t.status();
      EXPECT_EQ(t->gpa, pa + within);
      EXPECT_TRUE(t->writable);
      EXPECT_FALSE(t->executable);
      EXPECT_FALSE(t->user);
    }
  }
  // ... and nothing past its end.
  auto past = Translate(loaded->cr3, abi::kPhysmapBase + memory_->size());
  EXPECT_FALSE(past.ok());

  // Nothing in the user half.
  for (uint64_t va : {uint64_t{0}, uint64_t{0x1000}, uint64_t{0x200000}, uint64_t{0x400000},
                      uint64_t{1} << 32, abi::kUserAddressEnd - kPageSize}) {
    auto t = Translate(loaded->cr3, va);
    EXPECT_EQ(t.status().code(), absl::StatusCode::kNotFound) << std::hex << va;
  }
}

TEST_F(SentryLoaderTest, EmbeddedImageLoadsIntoLargestMemory) {
  Create(abi::kMaxGuestMemory);
  auto loaded = LoadSentry(*memory_, EmbeddedSentryImage());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  auto last = Translate(loaded->cr3, abi::kPhysmapBase + abi::kMaxGuestMemory - 1);
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(last->gpa, abi::kMaxGuestMemory - 1);
}

TEST_F(SentryLoaderTest, SyntheticImageLoadsAndZeroesBss) {
  // Dirty the target area first so zeroing is observable.
  std::memset(memory_->host_base() + abi::kSentryImageGpa, 0xee, 0x10000);
  auto loaded = LoadSentry(*memory_, BuildImage(ValidSegments(), kImageVa + 8));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->entry, kImageVa + 8);
  EXPECT_EQ(loaded->image_end, abi::kSentryImageGpa + 0x4000);
  const uint8_t* base = memory_->host_base() + abi::kSentryImageGpa;
  EXPECT_EQ(base[0], 0x90);
  EXPECT_EQ(base[99], 0x90);
  EXPECT_EQ(base[0x1000], 0xda);
  EXPECT_EQ(base[0x1009], 0xda);
  for (uint64_t i = 0x100a; i < 0x4000; ++i) ASSERT_EQ(base[i], 0) << i;
  auto text = Translate(loaded->cr3, kImageVa);
  ASSERT_TRUE(text.ok());
  EXPECT_TRUE(text->executable);
  EXPECT_FALSE(text->writable);
  auto bss = Translate(loaded->cr3, kImageVa + 0x3000);
  ASSERT_TRUE(bss.ok());
  EXPECT_FALSE(bss->executable);
  EXPECT_TRUE(bss->writable);
  EXPECT_FALSE(Translate(loaded->cr3, kImageVa + 0x4000).ok());
}

TEST_F(SentryLoaderTest, TruncatedImagesFail) {
  std::vector<uint8_t> image = Embedded();
  Elf64_Ehdr ehdr = HeaderOf(image);
  uint64_t phdrs_end = ehdr.e_phoff + ehdr.e_phnum * sizeof(Elf64_Phdr);
  std::vector<Elf64_Phdr> segments = LoadSegmentsOf(image);
  uint64_t last_file_byte = 0;
  for (const Elf64_Phdr& phdr : segments) {
    last_file_byte = std::max(last_file_byte, phdr.p_offset + phdr.p_filesz);
  }
  for (uint64_t size :
       {uint64_t{0}, uint64_t{4}, uint64_t{sizeof(Elf64_Ehdr) - 1}, uint64_t{sizeof(Elf64_Ehdr)},
        phdrs_end - 1, last_file_byte - 1, segments[0].p_offset + 1}) {
    std::vector<uint8_t> truncated(image.begin(), image.begin() + size);
    EXPECT_FALSE(LoadSentry(*memory_, truncated).ok()) << size;
  }
  EXPECT_TRUE(ImageRegionUntouched());
}

TEST_F(SentryLoaderTest, WrongHeaderFails) {
  std::vector<uint8_t> good = Embedded();
  auto mutate = [&](auto&& change) {
    std::vector<uint8_t> image = good;
    Elf64_Ehdr ehdr = HeaderOf(image);
    change(ehdr);
    std::memcpy(image.data(), &ehdr, sizeof(ehdr));
    return image;
  };
  std::vector<std::vector<uint8_t>> images = {
      mutate([](Elf64_Ehdr& e) { e.e_ident[EI_MAG0] = 0; }),
      mutate([](Elf64_Ehdr& e) { e.e_ident[EI_CLASS] = ELFCLASS32; }),
      mutate([](Elf64_Ehdr& e) { e.e_ident[EI_DATA] = ELFDATA2MSB; }),
      mutate([](Elf64_Ehdr& e) { e.e_machine = EM_386; }),
      mutate([](Elf64_Ehdr& e) { e.e_machine = EM_AARCH64; }),
      mutate([](Elf64_Ehdr& e) { e.e_phentsize = sizeof(Elf64_Phdr) - 1; }),
      mutate([](Elf64_Ehdr& e) { e.e_phentsize = 0; }),
      // Program headers out of range.
      mutate([&](Elf64_Ehdr& e) { e.e_phoff = good.size(); }),
      mutate([&](Elf64_Ehdr& e) { e.e_phoff = good.size() - 10; }),
      mutate([](Elf64_Ehdr& e) { e.e_phoff = UINT64_MAX; }),
      mutate([](Elf64_Ehdr& e) { e.e_phoff = UINT64_MAX - 55; }),
      mutate([](Elf64_Ehdr& e) { e.e_phnum = 0xffff; }),
      mutate([](Elf64_Ehdr& e) { e.e_phnum = 0; }),  // no loadable segment
      // The entry point is not in executable code.
      mutate([](Elf64_Ehdr& e) { e.e_entry = 0; }),
      mutate([](Elf64_Ehdr& e) { e.e_entry = UINT64_MAX; }),
  };
  for (size_t i = 0; i < images.size(); ++i) {
    EXPECT_FALSE(LoadSentry(*memory_, images[i]).ok()) << "case " << i;
  }
  EXPECT_TRUE(ImageRegionUntouched());
}

TEST_F(SentryLoaderTest, BadSegmentsFail) {
  struct Case {
    const char* name;
    std::vector<SegmentSpec> segments;
    uint64_t entry = kImageVa;
  };
  const uint64_t size = abi::kMinGuestMemory;
  std::vector<Case> cases = {
      {"filesz > memsz", {{kImageVa, 0x2000, 0x1000, PF_R | PF_X}}},
      {"W+X", {{kImageVa, 10, 10, PF_R | PF_W | PF_X}}},
      {"W+X second", {ValidSegments()[0], {kImageVa + 0x1000, 10, 10, PF_W | PF_X}}},
      {"below image base (page tables)",
       {{kSentryVirtBase + 0x2000, 10, 10, PF_R | PF_X}},
       kSentryVirtBase + 0x2000},
      {"below image base (pa 0)", {{kSentryVirtBase, 10, 10, PF_R | PF_X}}, kSentryVirtBase},
      {"below image base (one page)",
       {{kImageVa - kPageSize, 10, 10, PF_R | PF_X}},
       kImageVa - kPageSize},
      {"user half", {{0x400000, 10, 10, PF_R | PF_X}}, 0x400000},
      {"physmap",
       {{abi::kPhysmapBase + 0x200000, 10, 10, PF_R | PF_X}},
       abi::kPhysmapBase + 0x200000},
      {"misaligned", {{kImageVa + 8, 10, 10, PF_R | PF_X}}, kImageVa + 8},
      {"beyond memory", {ValidSegments()[0], {kImageVa + size, 0, kPageSize, PF_R | PF_W}}},
      {"straddles the end",
       {ValidSegments()[0], {kSentryVirtBase + size - kPageSize, 0, 2 * kPageSize, PF_R}}},
      {"empty but beyond memory", {ValidSegments()[0], {kImageVa + 2 * size, 0, 0, PF_R}}},
      {"huge memsz", {ValidSegments()[0], {kImageVa + 0x1000, 0, UINT64_MAX, PF_R | PF_W}}},
      {"memsz wraps", {ValidSegments()[0], {kImageVa + 0x1000, 0, -kImageVa, PF_R}}},
      {"entry in data", ValidSegments(), kImageVa + 0x1000},
      {"entry past text", ValidSegments(), kImageVa + 100},
  };
  for (const Case& c : cases) {
    EXPECT_FALSE(LoadSentry(*memory_, BuildImage(c.segments, c.entry)).ok()) << c.name;
    EXPECT_TRUE(ImageRegionUntouched()) << c.name;
  }
}

TEST_F(SentryLoaderTest, SegmentFileRangeOutsideImageFails) {
  std::vector<uint8_t> image = BuildImage(ValidSegments(), kImageVa);
  auto patch = [&](uint64_t offset, uint64_t filesz) {
    std::vector<uint8_t> copy = image;
    Elf64_Phdr phdr;
    uint64_t at = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr);  // second segment
    std::memcpy(&phdr, copy.data() + at, sizeof(phdr));
    phdr.p_offset = offset;
    phdr.p_filesz = filesz;
    phdr.p_memsz = std::max<uint64_t>(filesz, phdr.p_memsz);
    std::memcpy(copy.data() + at, &phdr, sizeof(phdr));
    return copy;
  };
  for (auto [offset, filesz] : std::vector<std::pair<uint64_t, uint64_t>>{
           {image.size() + 1, 0},
           {image.size(), 1},
           {image.size() - 4, 8},
           {UINT64_MAX, 1},
           {UINT64_MAX - 10, 20},  // offset + filesz wraps
           {16, UINT64_MAX - 15},
       }) {
    EXPECT_FALSE(LoadSentry(*memory_, patch(offset, filesz)).ok()) << offset << "+" << filesz;
  }
  EXPECT_TRUE(ImageRegionUntouched());
}

// A segment at the very top of the kernel window must not wrap past 2^64 into
// the user half. With more than 2 GiB of guest memory the physical side of
// such a segment is in range, so only the virtual check stops it.
TEST_F(SentryLoaderTest, SegmentWrappingPastTopOfAddressSpaceFails) {
  Create(2ull << 30 | abi::kLargePageSize * 4);
  const uint64_t top_page = 0ull - kPageSize;  // 0xfffffffffffff000
  auto loaded = LoadSentry(
      *memory_,
      BuildImage({ValidSegments()[0], {top_page, 0, 2 * kPageSize, PF_R | PF_W}}, kImageVa));
  ASSERT_FALSE(loaded.ok()) << "mapped VA 0 at cr3 0x" << std::hex << loaded->cr3;
  EXPECT_TRUE(ImageRegionUntouched());

  // The top page itself is fine.
  loaded = LoadSentry(*memory_,
                      BuildImage({ValidSegments()[0], {top_page, 0, kPageSize, PF_R}}, kImageVa));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  auto t = Translate(loaded->cr3, top_page);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->gpa, top_page - kSentryVirtBase);
  EXPECT_FALSE(Translate(loaded->cr3, 0).ok());
}

// A bss far larger than the boot page-table region can map fails with an
// error (the table region is full), before the segment is copied.
TEST_F(SentryLoaderTest, SegmentTooLargeForBootTablesFails) {
  Create(1ull << 30);
  auto loaded = LoadSentry(
      *memory_, BuildImage({ValidSegments()[0], {kImageVa + 0x1000, 16, 768ull << 20, PF_R | PF_W}},
                           kImageVa));
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kResourceExhausted) << loaded.status();
  EXPECT_TRUE(ImageRegionUntouched());
}

TEST_F(SentryLoaderTest, ManyRandomCorruptionsNeverCrash) {
  std::vector<uint8_t> good = Embedded();
  uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 11;
  };
  Elf64_Ehdr ehdr = HeaderOf(good);
  uint64_t headers_end = ehdr.e_phoff + ehdr.e_phnum * sizeof(Elf64_Phdr);
  for (int i = 0; i < 300; ++i) {
    std::vector<uint8_t> image = good;
    int flips = 1 + next() % 4;
    for (int f = 0; f < flips; ++f) {
      // Mostly the ELF and program headers, where the loader looks.
      uint64_t at = next() % headers_end;
      image[at] = static_cast<uint8_t>(next());
    }
    auto loaded = LoadSentry(*memory_, image);
    if (loaded.ok()) {
      EXPECT_LE(loaded->image_end, memory_->size());
      EXPECT_GE(loaded->image_end, abi::kSentryImageGpa);
    }
  }
}

}  // namespace
}  // namespace ringfence::vmm
