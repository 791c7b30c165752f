#include "kernel/loader/image_loader.h"

#include "kernel/abi/linux.h"
#include "kernel/ktl/ktl.h"
#include "kernel/loader/initial_stack.h"

namespace sentry::loader {

using ktl::Errno;
using mm::kPageSize;

namespace {

uint8_t ProtOf(const elf::LoadSegment& segment) {
  return static_cast<uint8_t>((segment.readable ? mm::kProtRead : 0) |
                              (segment.writable ? mm::kProtWrite : 0) |
                              (segment.executable ? mm::kProtExec : 0));
}

// Maps `image`'s segments `bias` bytes above their p_vaddr and fills them
// from `file`; returns the end of the highest segment.
ktl::Result<uint64_t> MapImage(ExecMemory& memory, ExecFile& file, const elf::ElfImage& image,
                               uint64_t bias, const char** reason) {
  uint64_t image_end = 0;
  for (const elf::LoadSegment& segment : image.loads()) {
    uint64_t start = segment.vaddr + bias;
    uint64_t end;
    if (__builtin_add_overflow(start, segment.memsz, &end) || end > kStackTop) {
      *reason = "a segment does not fit the address space";
      return Errno::kENOMEM;
    }
    mm::MapRequest request;
    request.address = ktl::RoundDown(start, kPageSize);
    request.length = ktl::RoundUp(end, kPageSize) - request.address;
    request.prot = ProtOf(segment);
    request.fixed = true;
    auto mapped = memory.Map(request);
    if (!mapped.ok()) {
      *reason = "cannot map a segment";
      return mapped.error();
    }
    if (end > image_end) image_end = end;
  }
  // File bytes go in after every VMA exists, so a page two segments share
  // receives both segments' bytes. Like Linux, each segment's first page is
  // filled from the file from its page start; the rest stays zero (bss).
  for (const elf::LoadSegment& segment : image.loads()) {
    if (segment.filesz == 0) continue;
    uint64_t head = (segment.vaddr + bias) & (kPageSize - 1);
    auto filled = memory.Fill(file, segment.offset - head, segment.vaddr + bias - head,
                              segment.filesz + head);
    if (!filled.ok()) {
      *reason = "cannot read a segment";
      return filled.error();
    }
  }
  return image_end;
}

// Places the ELF interpreter as mmap would (ET_DYN: top-down from the mmap
// base; ET_EXEC: at its own addresses, refusing to overlap anything) and
// returns its load bias.
ktl::Result<uint64_t> PlaceInterpreter(ExecMemory& memory, const elf::ElfImage& image,
                                       const char** reason) {
  mm::MapRequest reservation;
  reservation.length = image.max_vaddr - image.min_vaddr;
  reservation.prot = mm::kProtNone;
  if (image.type == elf::kEtExec) {
    reservation.address = image.min_vaddr;
    reservation.fixed = true;
    reservation.no_replace = true;
  }
  auto base = memory.Map(reservation);
  if (!base.ok()) {
    *reason = "no room for the ELF interpreter";
    return base.error();
  }
  TRY(memory.Unmap(base.value(), reservation.length));
  return base.value() - image.min_vaddr;
}

}  // namespace

ktl::Result<LoadedImage> LoadImage(ExecMemory& memory, const PreparedExec& prepared,
                                   ktl::StringView execfn, const LoadFacts& facts,
                                   const char** reason) {
  RandomSource& random = *facts.random;
  const elf::ElfImage& image = prepared.image;
  LoadedImage loaded;

  const uint64_t stack_top = kStackTop - random.Below(kStackRandomPages) * kPageSize;
  // The mmap area starts below the stack's room (its rlimit, at least
  // 128 MiB, at most 5/6 of the space: Linux's mmap_base), randomized.
  uint64_t gap = facts.stack_limit < kMinMmapGap ? kMinMmapGap : facts.stack_limit;
  if (gap > kStackTop / 6 * 5) gap = kStackTop / 6 * 5;
  memory.SetMmapBase(
      ktl::RoundDown(stack_top - gap - random.Below(kMmapRandomPages) * kPageSize, kPageSize));

  if (image.type == elf::kEtDyn) {
    loaded.program_bias =
        kEtDynBase + random.Below(kEtDynRandomPages) * kPageSize - image.min_vaddr;
  }
  uint64_t program_end =
      TRY(MapImage(memory, *prepared.program, image, loaded.program_bias, reason));
  loaded.entry = image.entry + loaded.program_bias;
  if (prepared.interpreter) {
    const elf::ElfImage& interpreter = prepared.interpreter_image;
    uint64_t bias = TRY(PlaceInterpreter(memory, interpreter, reason));
    TRY(MapImage(memory, *prepared.interpreter, interpreter, bias, reason));
    loaded.interpreter_base = bias;
    loaded.entry = interpreter.entry + bias;
  }
  loaded.brk = ktl::RoundUp(program_end, kPageSize) + random.Below(kBrkRandomPages) * kPageSize;
  memory.SetBrk(loaded.brk);

  uint8_t random_bytes[16];
  random.Fill(random_bytes);
  const AuxEntry auxv[] = {
      // Linux's order (create_elf_tables); no AT_SYSINFO_EHDR: no vDSO.
      {linux_abi::kAtMinsigstksz, facts.min_signal_stack},
      {linux_abi::kAtHwcap, facts.hwcap},
      {linux_abi::kAtPagesz, kPageSize},
      {linux_abi::kAtClktck, 100},
      {linux_abi::kAtPhdr, image.phdr_vaddr + loaded.program_bias},
      {linux_abi::kAtPhent, image.phentsize},
      {linux_abi::kAtPhnum, image.phnum},
      {linux_abi::kAtBase, loaded.interpreter_base},
      {linux_abi::kAtFlags, 0},
      {linux_abi::kAtEntry, image.entry + loaded.program_bias},
      {linux_abi::kAtUid, facts.uid},
      {linux_abi::kAtEuid, facts.euid},
      {linux_abi::kAtGid, facts.gid},
      {linux_abi::kAtEgid, facts.egid},
      {linux_abi::kAtSecure, 0},
      {linux_abi::kAtRandom, 0},  // the builder fills in the three addresses
      {linux_abi::kAtHwcap2, 0},
      {linux_abi::kAtExecfn, 0},
      {linux_abi::kAtPlatform, 0},
  };
  StackRequest request;
  request.top = stack_top;
  request.arguments = &prepared.arguments;
  request.execfn = execfn;
  request.platform = "x86_64";
  request.random = random_bytes;
  request.auxv = auxv;
  request.stack_limit = facts.stack_limit;
  auto stack = BuildStackImage(request);
  if (!stack.ok()) {
    *reason = "arguments and environment too large";
    return stack.error();
  }
  const StackImage& built = stack.value();
  mm::MapRequest stack_vma;
  stack_vma.length = ktl::RoundUp(built.bytes.size(), kPageSize) + kStackGrowRoom;
  stack_vma.address = stack_top - stack_vma.length;
  stack_vma.prot = mm::kProtRead | mm::kProtWrite | (image.executable_stack ? mm::kProtExec : 0);
  stack_vma.fixed = true;
  stack_vma.grows_down = true;
  stack_vma.name = "[stack]";
  auto mapped = memory.Map(stack_vma);
  if (!mapped.ok()) {
    *reason = "cannot map the stack";
    return mapped.error();
  }
  TRY(memory.CopyOut(built.stack_pointer, built.bytes.data(), built.bytes.size()));
  loaded.stack_pointer = built.stack_pointer;
  loaded.arg_start = built.arg_start;
  loaded.arg_end = built.arg_end;
  loaded.env_start = built.env_start;
  loaded.env_end = built.env_end;
  return loaded;
}

}  // namespace sentry::loader
