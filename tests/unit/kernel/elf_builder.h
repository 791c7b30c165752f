// Builds x86-64 ELF images in memory for the parser tests. The defaults make
// a valid static ET_EXEC; tests mutate fields to produce each malformation.
#ifndef RINGFENCE_TESTS_UNIT_KERNEL_ELF_BUILDER_H_
#define RINGFENCE_TESTS_UNIT_KERNEL_ELF_BUILDER_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace ringfence::testing {

struct TestPhdr {
  uint32_t type = 0;
  uint32_t flags = 0;
  uint64_t offset = 0;
  uint64_t vaddr = 0;
  uint64_t filesz = 0;
  uint64_t memsz = 0;
  uint64_t align = 0x1000;
};

class ElfBuilder {
 public:
  // A valid image: R, RX, RW PT_LOADs at 0x400000, GNU_STACK RW.
  ElfBuilder();

  std::vector<uint8_t> Build() const;

  std::array<uint8_t, 16> ident{};
  uint16_t type = 2;
  uint16_t machine = 62;
  uint32_t version = 1;
  uint64_t entry = 0x401000;
  uint64_t phoff = 64;
  uint16_t phentsize = 56;
  int phnum_override = -1;  // >= 0: written instead of phdrs.size()
  std::vector<TestPhdr> phdrs;
  uint64_t file_size = 0x3000;  // the image is padded/truncated to this
  // Extra bytes written at a file offset (e.g. the PT_INTERP path).
  std::vector<std::pair<uint64_t, std::string>> blobs;
};

}  // namespace ringfence::testing

#endif  // RINGFENCE_TESTS_UNIT_KERNEL_ELF_BUILDER_H_
