#include "kernel/loader/loader.h"

#include "kernel/abi/linux.h"
#include "kernel/ktl/ktl.h"
#include "kernel/loader/image_loader.h"
#include "kernel/random/entropy.h"
#include "kernel/signal/delivery.h"
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

// The executable the CLI opened on the host, read with preadv hypercalls
// through a bounce buffer.
class HandleExecFile final : public ExecFile {
 public:
  HandleExecFile(uint32_t handle, uint64_t size) : handle_(handle), size_(size) {}
  uint64_t size() const override { return size_; }
  ktl::Result<size_t> ReadTo(vfs::IoBuffer& dst, uint64_t offset) override {
    constexpr size_t kBounceBytes = 64 * 1024;
    auto* bounce = new (std::nothrow) uint8_t[kBounceBytes];
    if (bounce == nullptr) return Errno::kENOMEM;
    size_t done = 0;
    ktl::Result<void> status = ktl::Ok();
    while (done < dst.size() && status.ok()) {
      size_t chunk = dst.size() - done < kBounceBytes ? dst.size() - done : kBounceBytes;
      GuestIovec segment = {platform::KernelVirtToPhys(bounce), chunk};
      int64_t got = platform::Hypercall(Hypercall::kPreadv, handle_,
                                        platform::KernelVirtToPhys(&segment), 1, offset + done);
      if (got < 0) {
        status = static_cast<Errno>(-got);
      } else if (got == 0) {
        break;
      } else {
        status = dst.CopyOut(done, bounce, static_cast<size_t>(got));
        done += static_cast<size_t>(got);
      }
    }
    delete[] bounce;
    TRY(std::move(status));
    return done;
  }

 private:
  uint32_t handle_;
  uint64_t size_;
};

}  // namespace

ktl::Result<vfs::RefPtr<ExecFile>> OpenHandleExecFile(uint32_t handle) {
  ringfence::abi::HostStat stat = {};
  int64_t result =
      platform::Hypercall(Hypercall::kFstat, handle, platform::KernelVirtToPhys(&stat));
  if (result < 0) return static_cast<Errno>(-result);
  auto* file = new (std::nothrow) HandleExecFile(handle, stat.size);
  if (file == nullptr) return Errno::kENOMEM;
  return vfs::RefPtr<ExecFile>::Adopt(file);
}

ktl::Result<LoadedProgram> LoadProgram(Process& process, const PreparedExec& prepared,
                                       ktl::StringView execfn, const char** reason) {
  AddressSpaceMemory memory(process.address_space());
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

  ProgramImage image;
  if (const vfs::Path* path = prepared.program->path()) image.executable = *path;
  process.set_program_image(std::move(image));
  process.address_space().set_argument_ranges(
      {loaded.arg_start, loaded.arg_end, loaded.env_start, loaded.env_end});
  return LoadedProgram{loaded.entry, loaded.stack_pointer};
}

}  // namespace sentry::loader
