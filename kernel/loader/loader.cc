#include "kernel/loader/loader.h"

#include "kernel/abi/linux.h"
#include "kernel/fs/mount_namespace.h"
#include "kernel/ktl/ktl.h"
#include "kernel/loader/image_loader.h"
#include "kernel/random/entropy.h"
#include "kernel/signal/delivery.h"
#include "platform_kvm/abi/hypercall.h"
#include "platform_kvm/guest/address.h"
#include "platform_kvm/guest/cpu.h"

namespace sentry::loader {
namespace {

using ktl::Errno;
using mm::kPageSize;
using ringfence::abi::GuestIovec;

constexpr size_t kSegmentsPerCopy = 32;

// Bytes the loader writes into the new image: [address, address + length)
// of `memory`, whatever the protection of its pages.
class LoaderFillBuffer final : public vfs::IoBuffer {
 public:
  LoaderFillBuffer(mm::AddressSpace& memory, uint64_t address, uint64_t length)
      : memory_(memory), address_(address), length_(length) {}
  size_t size() const override { return length_; }
  ktl::Result<void> CopyOut(size_t at, const void* data, size_t length) override {
    if (at > length_ || length > length_ - at) return Errno::kEFAULT;
    const auto* source = static_cast<const uint8_t*>(data);
    while (length > 0) {
      GuestIovec segments[kSegmentsPerCopy];
      size_t count = 0;
      size_t covered = TRY(memory_.Translate(address_ + at, length, mm::Access::kLoaderFill,
                                             segments, kSegmentsPerCopy, &count));
      for (size_t i = 0; i < count; ++i) {
        ktl::MemCopy(platform::PhysToVirt(segments[i].gpa), source, segments[i].length);
        source += segments[i].length;
      }
      at += covered;
      length -= covered;
    }
    return ktl::Ok();
  }
  ktl::Result<void> CopyIn(size_t, void*, size_t) override { return Errno::kEFAULT; }

 private:
  mm::AddressSpace& memory_;
  uint64_t address_;
  uint64_t length_;
};

class AddressSpaceMemory final : public ExecMemory {
 public:
  explicit AddressSpaceMemory(mm::AddressSpace& memory) : memory_(memory) {}
  ktl::Result<uint64_t> Map(const mm::MapRequest& request) override {
    return memory_.Map(request);
  }
  ktl::Result<void> Unmap(uint64_t address, uint64_t length) override {
    return memory_.Unmap(address, length);
  }
  ktl::Result<void> Fill(ExecFile& file, uint64_t offset, uint64_t address,
                         uint64_t length) override {
    LoaderFillBuffer buffer(memory_, address, length);
    return file.ReadExactly(buffer, offset);
  }
  ktl::Result<void> CopyOut(uint64_t address, const void* data, size_t length) override {
    return memory_.CopyOut(address, data, length);
  }
  void SetMmapBase(uint64_t address) override { memory_.vmas().set_mmap_base(address); }
  void SetBrk(uint64_t address) override { memory_.InitBrk(address); }

 private:
  mm::AddressSpace& memory_;
};

class EntropyRandom final : public RandomSource {
 public:
  uint64_t Below(uint64_t bound) override { return RandomBelow(bound); }
  void Fill(std::span<uint8_t> out) override { FillRandom(out); }
};

}  // namespace

ktl::Result<LoadedProgram> LoadProgram(Process& process, mm::AddressSpace& address_space,
                                       const PreparedExec& prepared, ktl::StringView execfn,
                                       const char** reason) {
  AddressSpaceMemory memory(address_space);
  EntropyRandom random;
  const Credentials& creds = process.credentials();
  LoadFacts facts;
  facts.uid = creds.uid;
  facts.euid = creds.euid;
  facts.gid = creds.gid;
  facts.egid = creds.egid;
  facts.hwcap = platform::Cpuid(1).edx;
  facts.stack_limit = process.rlimit(linux_abi::kRlimitStack).cur;
  facts.min_signal_stack = signal::MaxSignalFrameSize();
  facts.random = &random;
  LoadedImage loaded = TRY(LoadImage(memory, prepared, execfn, facts, reason));

  address_space.set_argument_ranges(
      {loaded.arg_start, loaded.arg_end, loaded.env_start, loaded.env_end});
  return LoadedProgram{loaded.entry, loaded.stack_pointer};
}

void RecordProgramImage(Process& process, const PreparedExec& prepared,
                        ktl::StringView filename, bool comm_from_file) {
  ProgramImage image;
  const vfs::Path* path = prepared.program->path();
  if (path != nullptr) image.executable = *path;
  process.set_program_image(std::move(image));
  // What /proc/PID/exe shows: the path from the process's root ("" when the
  // name cannot be made).
  ktl::Vector<char> name;
  bool named = path != nullptr && name.Resize(vfs::kPathMax).ok() &&
               fs::MountNamespace()
                   .PathName(process.fs_context().root, *path, {name.data(), name.size()})
                   .ok();
  process.SetExecutable(named ? name.data() : "");
  ktl::StringView comm = filename;
  if (comm_from_file && path != nullptr) {
    comm = path->dentry->name();
  } else {
    size_t slash = filename.size();
    while (slash > 0 && filename[slash - 1] != '/') --slash;
    comm = filename.Substr(slash);
  }
  char name_buffer[16];  // comm's size
  size_t length = comm.size() < sizeof(name_buffer) - 1 ? comm.size() : sizeof(name_buffer) - 1;
  ktl::MemCopy(name_buffer, comm.data(), length);
  name_buffer[length] = '\0';
  process.SetComm(name_buffer);
}

}  // namespace sentry::loader
