#include "tests/unit/kernel/elf_builder.h"

#include <cstring>

namespace ringfence::testing {
namespace {

void Put(std::vector<uint8_t>& out, size_t offset, uint64_t value, size_t width) {
  if (offset > out.size() || width > out.size() - offset) return;  // outside the image: drop it
  for (size_t i = 0; i < width; ++i) out[offset + i] = static_cast<uint8_t>(value >> (8 * i));
}

}  // namespace

ElfBuilder::ElfBuilder() {
  ident = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};
  phdrs.push_back({1, 4, 0, 0x400000, 0x1000, 0x1000});
  phdrs.push_back({1, 5, 0x1000, 0x401000, 0x1000, 0x1000});
  phdrs.push_back({1, 6, 0x2000, 0x403000, 0x800, 0x2000});
  phdrs.push_back({0x6474e551, 6, 0, 0, 0, 0, 16});
}

std::vector<uint8_t> ElfBuilder::Build() const {
  std::vector<uint8_t> out(file_size, 0);
  if (out.size() >= 16) std::memcpy(out.data(), ident.data(), 16);
  Put(out, 16, type, 2);
  Put(out, 18, machine, 2);
  Put(out, 20, version, 4);
  Put(out, 24, entry, 8);
  Put(out, 32, phoff, 8);
  Put(out, 40, 0, 8);    // e_shoff
  Put(out, 52, 64, 2);   // e_ehsize
  Put(out, 54, phentsize, 2);
  Put(out, 56, phnum_override >= 0 ? phnum_override : phdrs.size(), 2);
  for (size_t i = 0; i < phdrs.size() && phoff < out.size(); ++i) {
    const TestPhdr& p = phdrs[i];
    size_t base = phoff + i * 56;
    Put(out, base + 0, p.type, 4);
    Put(out, base + 4, p.flags, 4);
    Put(out, base + 8, p.offset, 8);
    Put(out, base + 16, p.vaddr, 8);
    Put(out, base + 24, p.vaddr, 8);  // p_paddr
    Put(out, base + 32, p.filesz, 8);
    Put(out, base + 40, p.memsz, 8);
    Put(out, base + 48, p.align, 8);
  }
  for (const auto& [offset, bytes] : blobs) {
    for (size_t i = 0; i < bytes.size() && offset + i < out.size(); ++i) {
      out[offset + i] = static_cast<uint8_t>(bytes[i]);
    }
  }
  return out;
}

}  // namespace ringfence::testing
