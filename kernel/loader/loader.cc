#include "kernel/loader/loader.h"

#include "kernel/abi/linux.h"
#include "kernel/elf/elf_parser.h"
#include "kernel/ktl/ktl.h"
#include "kernel/ktl/string.h"
#include "kernel/random/entropy.h"
#include "platform_kvm/abi/hypercall.h"
#include "platform_kvm/guest/address.h"
#include "platform_kvm/guest/cpu.h"
#include "platform_kvm/guest/hypercall.h"

namespace sentry::loader {
namespace {

using ktl::Errno;
using mm::kPageSize;
using ringfence::abi::GuestIovec;
using ringfence::abi::Hypercall;

// Where ET_DYN executables go (Linux's ELF_ET_DYN_BASE, 2/3 of the space),
// and the randomization ranges (in pages) for it, the stack and brk.
constexpr uint64_t kEtDynBase = 0x555555554000ull;
constexpr uint64_t kEtDynRandomPages = 1ull << 16;
constexpr uint64_t kStackTop = 0x7ffffffff000ull;
constexpr uint64_t kStackRandomPages = 1ull << 14;
constexpr uint64_t kBrkRandomPages = 1ull << 13;
constexpr uint64_t kInitialStackSize = 128 * 1024;
constexpr uint64_t kMinMmapGap = 128ull << 20;  // Linux keeps at least this below the stack
constexpr size_t kSegmentsPerRead = 32;

// Reads [offset, offset + length) of the executable into kernel memory.
ktl::Result<void> ReadFile(uint32_t handle, uint64_t offset, void* out, size_t length) {
  GuestIovec segment = {platform::KernelVirtToPhys(out), length};
  int64_t got = platform::Hypercall(Hypercall::kPreadv, handle,
                                    platform::KernelVirtToPhys(&segment), 1, offset);
  if (got < 0) return static_cast<Errno>(-got);
  if (static_cast<size_t>(got) != length) return Errno::kEIO;
  return ktl::Ok();
}

// Reads [offset, offset + length) of the executable into user memory at
// `address`, which the caller has mapped.
ktl::Result<void> ReadFileToUser(mm::AddressSpace& memory, uint32_t handle, uint64_t offset,
                                 uint64_t address, uint64_t length) {
  while (length > 0) {
    GuestIovec segments[kSegmentsPerRead];
    size_t count = 0;
    size_t covered = TRY(memory.Translate(address, length, mm::Access::kLoaderFill, segments,
                                          kSegmentsPerRead, &count));
    int64_t got = platform::Hypercall(Hypercall::kPreadv, handle,
                                      platform::KernelVirtToPhys(segments), count, offset);
    if (got < 0) return static_cast<Errno>(-got);
    if (static_cast<size_t>(got) != covered) return Errno::kEIO;  // file shrank under us
    address += covered;
    offset += covered;
    length -= covered;
  }
  return ktl::Ok();
}

uint8_t ProtOf(const elf::LoadSegment& segment) {
  return static_cast<uint8_t>((segment.readable ? mm::kProtRead : 0) |
                              (segment.writable ? mm::kProtWrite : 0) |
                              (segment.executable ? mm::kProtExec : 0));
}

// Builds the initial stack below `top` and returns the stack pointer.
class StackBuilder {
 public:
  StackBuilder(mm::AddressSpace& memory, uint64_t top) : memory_(memory), cursor_(top) {}

  ktl::Result<uint64_t> PushBytes(const void* data, size_t length) {
    cursor_ -= length;
    TRY(memory_.CopyOut(cursor_, data, length));
    return cursor_;
  }
  ktl::Result<uint64_t> PushString(const char* text) {
    return PushBytes(text, ktl::StrLen(text) + 1);
  }
  uint64_t cursor() const { return cursor_; }
  void AlignDown(uint64_t alignment) { cursor_ &= ~(alignment - 1); }

 private:
  mm::AddressSpace& memory_;
  uint64_t cursor_;
};

ktl::Result<uint64_t> BuildInitialStack(Process& process, uint64_t stack_top,
                                        const ProgramArguments& arguments,
                                        const elf::ElfImage& image, uint64_t bias) {
  mm::AddressSpace& memory = process.address_space();
  StackBuilder stack(memory, stack_top);
  TRY(stack.PushBytes("\0\0\0\0\0\0\0", 8));  // end marker, as Linux leaves
  uint64_t execfn = TRY(stack.PushString(arguments.exec_path));

  // Copy the argv and envp strings as Linux lays them out: argv's in order,
  // then envp's, each block contiguous (/proc/<pid>/cmdline and environ read
  // the blocks), remembering where each string went.
  uint32_t count = arguments.argc + arguments.envc;
  auto* pointers = new (std::nothrow) uint64_t[count + 1];
  if (pointers == nullptr) return Errno::kENOMEM;
  size_t arg_bytes = 0, env_bytes = 0;
  for (uint32_t i = 0; i < count; ++i) {
    size_t length = ktl::StrLen(arguments.strings + arg_bytes + env_bytes) + 1;
    (i < arguments.argc ? arg_bytes : env_bytes) += length;
  }
  ktl::Result<void> copied = ktl::Ok();
  auto env_at = stack.PushBytes(arguments.strings + arg_bytes, env_bytes);
  auto arg_at = stack.PushBytes(arguments.strings, arg_bytes);
  if (!env_at.ok() || !arg_at.ok()) {
    copied = Errno::kEFAULT;
  } else {
    const char* text = arguments.strings;
    for (uint32_t i = 0; i < count; ++i) {
      pointers[i] = arg_at.value() + static_cast<uint64_t>(text - arguments.strings);
      text += ktl::StrLen(text) + 1;
    }
    memory.set_argument_ranges({arg_at.value(), arg_at.value() + arg_bytes, env_at.value(),
                                env_at.value() + env_bytes});
  }
  uint64_t platform_string = 0;
  uint64_t random_bytes = 0;
  if (copied.ok()) {
    auto at = stack.PushString("x86_64");
    if (at.ok()) platform_string = at.value();
    uint8_t random[16];
    FillRandom(random);
    auto bytes = stack.PushBytes(random, sizeof(random));
    if (bytes.ok()) random_bytes = bytes.value();
    if (!at.ok() || !bytes.ok()) copied = Errno::kEFAULT;
  }
  if (!copied.ok()) {
    delete[] pointers;
    return copied.error();
  }

  const Credentials& creds = process.credentials();
  const uint64_t auxv[][2] = {
      {linux_abi::kAtPhdr, image.phdr_vaddr + bias},
      {linux_abi::kAtPhent, image.phentsize},
      {linux_abi::kAtPhnum, image.phnum},
      {linux_abi::kAtPagesz, kPageSize},
      {linux_abi::kAtBase, 0},  // no interpreter
      {linux_abi::kAtFlags, 0},
      {linux_abi::kAtEntry, image.entry + bias},
      {linux_abi::kAtUid, creds.uid},
      {linux_abi::kAtEuid, creds.euid},
      {linux_abi::kAtGid, creds.gid},
      {linux_abi::kAtEgid, creds.egid},
      {linux_abi::kAtSecure, 0},
      {linux_abi::kAtHwcap, platform::Cpuid(1).edx},
      {linux_abi::kAtHwcap2, 0},
      {linux_abi::kAtClktck, 100},
      {linux_abi::kAtRandom, random_bytes},
      {linux_abi::kAtPlatform, platform_string},
      {linux_abi::kAtExecfn, execfn},
      {linux_abi::kAtMinsigstksz, linux_abi::kMinSigStackSize},
      {linux_abi::kAtNull, 0},
  };
  constexpr size_t kAuxvWords = sizeof(auxv) / sizeof(uint64_t);
  // argc, argv[] + NULL, envp[] + NULL, auxv: the final rsp must be 16-byte
  // aligned (the x86-64 psABI's process entry state).
  size_t words = 1 + (arguments.argc + 1) + (arguments.envc + 1) + kAuxvWords;
  auto push_word = [&](uint64_t word) -> ktl::Result<void> {
    TRY(stack.PushBytes(&word, sizeof(word)));
    return ktl::Ok();
  };
  stack.AlignDown(16);
  if (words % 2 != 0) copied = push_word(0);  // padding keeps argc 16-byte aligned
  for (size_t i = kAuxvWords; copied.ok() && i > 0; --i) {
    copied = push_word(reinterpret_cast<const uint64_t*>(auxv)[i - 1]);
  }
  if (copied.ok()) copied = push_word(0);  // envp terminator
  for (uint32_t i = arguments.envc; copied.ok() && i > 0; --i) {
    copied = push_word(pointers[arguments.argc + i - 1]);
  }
  if (copied.ok()) copied = push_word(0);  // argv terminator
  for (uint32_t i = arguments.argc; copied.ok() && i > 0; --i) {
    copied = push_word(pointers[i - 1]);
  }
  if (copied.ok()) copied = push_word(arguments.argc);
  delete[] pointers;
  TRY(std::move(copied));
  return stack.cursor();
}

}  // namespace

ktl::Result<LoadedProgram> LoadProgram(Process& process, uint32_t exec_handle,
                                       const ProgramArguments& arguments, const char** reason) {
  mm::AddressSpace& memory = process.address_space();
  ringfence::abi::HostStat stat = {};
  int64_t result = platform::Hypercall(Hypercall::kFstat, exec_handle,
                                       platform::KernelVirtToPhys(&stat));
  if (result < 0) {
    *reason = "cannot stat the executable";
    return static_cast<Errno>(-result);
  }
  uint8_t header[elf::kElfHeaderSize] = {};
  size_t header_bytes = stat.size < sizeof(header) ? stat.size : sizeof(header);
  if (header_bytes > 0) TRY(ReadFile(exec_handle, 0, header, header_bytes));
  elf::ElfHeaderInfo info = TRY(elf::ParseElfHeader({header, header_bytes}, stat.size, reason));
  elf::FileRange range = elf::ProgramHeaderRange(info);
  auto* phdrs = new (std::nothrow) uint8_t[range.length];
  if (phdrs == nullptr) return Errno::kENOMEM;
  auto read = ReadFile(exec_handle, range.offset, phdrs, range.length);
  auto parsed = read.ok() ? elf::ParseElfWithPhdrs(info, {phdrs, range.length}, {header, header_bytes},
                                                    stat.size, reason)
                          : ktl::Result<elf::ElfImage>(read.error());
  delete[] phdrs;
  elf::ElfImage image = TRY(std::move(parsed));
  if (image.has_interp) {
    *reason = "dynamically linked executables need an interpreter from the file system, "
              "which this build does not provide yet";
    return Errno::kENOEXEC;
  }

  uint64_t bias = 0;
  if (image.type == elf::kEtDyn) {
    bias = kEtDynBase + RandomBelow(kEtDynRandomPages) * kPageSize - image.min_vaddr;
  }
  uint64_t image_end = 0;
  for (const elf::LoadSegment& segment : image.loads()) {
    mm::MapRequest request;
    request.address = ktl::RoundDown(segment.vaddr + bias, kPageSize);
    request.length = ktl::RoundUp(segment.vaddr + bias + segment.memsz, kPageSize) - request.address;
    request.prot = ProtOf(segment);
    request.fixed = true;
    TRY(memory.Map(request));
    uint64_t end = segment.vaddr + bias + segment.memsz;
    if (end > image_end) image_end = end;
  }
  // File bytes go in after every VMA exists, so a page two segments share
  // receives both segments' bytes. Like Linux, each segment's first page is
  // filled from the file from its page start; the rest stays zero (bss).
  for (const elf::LoadSegment& segment : image.loads()) {
    uint64_t head = (segment.vaddr + bias) & (kPageSize - 1);
    if (segment.filesz == 0) continue;
    auto filled = ReadFileToUser(memory, exec_handle, segment.offset - head,
                                 segment.vaddr + bias - head, segment.filesz + head);
    if (!filled.ok()) {
      *reason = "cannot read a segment of the executable";
      return filled.error();
    }
  }

  uint64_t stack_top = kStackTop - RandomBelow(kStackRandomPages) * kPageSize;
  mm::MapRequest stack;
  stack.address = stack_top - kInitialStackSize;
  stack.length = kInitialStackSize;
  stack.prot = mm::kProtRead | mm::kProtWrite | (image.executable_stack ? mm::kProtExec : 0);
  stack.fixed = true;
  stack.grows_down = true;
  stack.name = "[stack]";
  TRY(memory.Map(stack));
  uint64_t stack_limit = process.rlimit(linux_abi::kRlimitStack).cur;
  uint64_t gap = stack_limit < kMinMmapGap ? kMinMmapGap : stack_limit;
  memory.vmas().set_mmap_base(ktl::RoundDown(stack_top - gap, kPageSize));
  memory.InitBrk(ktl::RoundUp(image_end, kPageSize) + RandomBelow(kBrkRandomPages) * kPageSize);

  uint64_t sp = TRY(BuildInitialStack(process, stack_top, arguments, image, bias));
  return LoadedProgram{image.entry + bias, sp};
}

}  // namespace sentry::loader
