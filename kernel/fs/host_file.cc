#include "kernel/fs/host_file.h"

#include "kernel/task/task.h"
#include "platform_kvm/guest/address.h"
#include "platform_kvm/guest/hypercall.h"

namespace sentry::fs {
namespace {

using ringfence::abi::GuestIovec;
using ringfence::abi::Hypercall;

// Segments per hypercall: on the kernel stack, so kept small; adjacent
// physical pages merge, so one call still moves hundreds of KiB.
constexpr size_t kSegmentsPerCall = 64;

constexpr uint32_t kTcgets = 0x5401;
constexpr uint32_t kTiocgwinsz = 0x5413;
constexpr size_t kTermiosSize = 36;
constexpr size_t kWinsizeSize = 8;
constexpr uint64_t kHostFileDevice = 0x16;  // a fixed, made-up device number

ktl::Result<size_t> ToResult(int64_t value) {
  if (value < 0) return static_cast<ktl::Errno>(-value);
  return static_cast<size_t>(value);
}

}  // namespace

ktl::Result<size_t> HostFile::Transfer(mm::AddressSpace& memory,
                                       std::span<const UserSegment> segments, int64_t offset,
                                       bool write) {
  size_t done = 0;
  size_t index = 0;
  uint64_t within = 0;  // bytes of segments[index] already handled
  while (index < segments.size()) {
    GuestIovec iov[kSegmentsPerCall];
    size_t used = 0;
    size_t batch = 0;
    // Fill one hypercall's worth of physical segments.
    while (index < segments.size() && used < kSegmentsPerCall &&
           batch < ringfence::abi::kMaxHypercallIoBytes) {
      const UserSegment& segment = segments[index];
      uint64_t remaining = segment.length - within;
      if (remaining == 0) {
        ++index;
        within = 0;
        continue;
      }
      uint64_t budget = ringfence::abi::kMaxHypercallIoBytes - batch;
      size_t count = 0;
      auto covered = memory.Translate(segment.address + within,
                                      remaining < budget ? remaining : budget,
                                      write ? mm::Access::kRead : mm::Access::kWrite,
                                      iov + used, kSegmentsPerCall - used, &count);
      if (!covered.ok()) {
        if (done == 0 && batch == 0) return covered.error();
        index = segments.size();  // transfer what we have, then stop
        break;
      }
      used += count;
      batch += covered.value();
      within += covered.value();
      if (covered.value() < remaining && count == 0) break;
    }
    if (batch == 0) break;
    Hypercall number;
    if (offset < 0) {
      number = write ? Hypercall::kWritev : Hypercall::kReadv;
    } else {
      number = write ? Hypercall::kPwritev : Hypercall::kPreadv;
    }
    int64_t result = platform::Hypercall(number, handle_, platform::KernelVirtToPhys(iov), used,
                                         offset < 0 ? 0 : static_cast<uint64_t>(offset) + done);
    if (result < 0) {
      if (done == 0) return static_cast<ktl::Errno>(-result);
      break;
    }
    done += static_cast<size_t>(result);
    // Reads return what one host call gave (a tty or pipe delivers what it
    // has); writes continue until everything is written or progress stops.
    if (!write || static_cast<size_t>(result) < batch) break;
  }
  return done;
}

bool HostFile::seekable() const {
  constexpr uint32_t kFifo = 0010000;
  constexpr uint32_t kSocket = 0140000;
  return !is_terminal_ && file_type_ != kFifo && file_type_ != kSocket;
}

ktl::Result<size_t> HostFile::Read(mm::AddressSpace& memory,
                                   std::span<const UserSegment> segments, int64_t offset) {
  return Transfer(memory, segments, offset, /*write=*/false);
}

ktl::Result<size_t> HostFile::Write(mm::AddressSpace& memory,
                                    std::span<const UserSegment> segments, int64_t offset) {
  return Transfer(memory, segments, offset, /*write=*/true);
}

ktl::Result<void> HostFile::Stat(linux_abi::Stat* out) {
  ringfence::abi::HostStat host = {};
  int64_t result = platform::Hypercall(Hypercall::kFstat, handle_, platform::KernelVirtToPhys(&host));
  TRY(ToResult(result));
  *out = {};
  out->dev = kHostFileDevice;
  out->ino = inode_;
  out->nlink = 1;
  out->mode = host.mode;
  const Credentials& creds = CurrentTask().credentials();
  out->uid = creds.uid;
  out->gid = creds.gid;
  out->size = static_cast<int64_t>(host.size);
  out->blksize = static_cast<int64_t>(host.block_size);
  out->blocks = static_cast<int64_t>((host.size + 511) / 512);
  out->mtime = {host.mtime_ns / 1000000000, host.mtime_ns % 1000000000};
  out->atime = out->mtime;
  out->ctime = out->mtime;
  return ktl::Ok();
}

ktl::Result<int64_t> HostFile::Ioctl(mm::AddressSpace& memory, uint32_t request,
                                     uint64_t argument) {
  ringfence::abi::TerminalRequest terminal_request;
  size_t size;
  if (request == kTcgets) {
    terminal_request = ringfence::abi::TerminalRequest::kTcgets;
    size = kTermiosSize;
  } else if (request == kTiocgwinsz) {
    terminal_request = ringfence::abi::TerminalRequest::kTiocgwinsz;
    size = kWinsizeSize;
  } else {
    return ktl::Errno::kENOTTY;
  }
  if (!is_terminal_) return ktl::Errno::kENOTTY;
  alignas(8) uint8_t buffer[64] = {};
  int64_t result = platform::Hypercall(Hypercall::kTerminalIoctl, handle_,
                                       static_cast<uint64_t>(terminal_request),
                                       platform::KernelVirtToPhys(buffer));
  TRY(ToResult(result));
  TRY(memory.CopyOut(argument, buffer, size));
  return 0;
}

}  // namespace sentry::fs
