#include "vmm/guest_memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "platform_kvm/abi/memory_layout.h"

namespace ringfence::vmm {

absl::StatusOr<GuestMemory> GuestMemory::Create(uint64_t size) {
  if (size < abi::kMinGuestMemory || size > abi::kMaxGuestMemory ||
      size % abi::kLargePageSize != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "guest memory must be a multiple of 2 MiB between %d MiB and %d MiB",
        abi::kMinGuestMemory >> 20, abi::kMaxGuestMemory >> 20));
  }
  int fd = memfd_create("ringfence-guest", MFD_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, "memfd_create");
  if (ftruncate(fd, static_cast<off_t>(size)) != 0) {
    int err = errno;
    close(fd);
    return absl::ErrnoToStatus(err, "ftruncate guest memory");
  }
  // MAP_NORESERVE: guest pages are only backed once touched.
  void* base = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_NORESERVE, fd, 0);
  if (base == MAP_FAILED) {
    int err = errno;
    close(fd);
    return absl::ErrnoToStatus(err, "mmap guest memory");
  }
  return GuestMemory(fd, static_cast<uint8_t*>(base), size);
}

GuestMemory::GuestMemory(GuestMemory&& other) noexcept
    : memfd_(other.memfd_), base_(other.base_), size_(other.size_) {
  other.memfd_ = -1;
  other.base_ = nullptr;
  other.size_ = 0;
}

GuestMemory::~GuestMemory() {
  if (base_ != nullptr) munmap(base_, size_);
  if (memfd_ >= 0) close(memfd_);
}

bool GuestMemory::Contains(uint64_t gpa, uint64_t length) const {
  // Written so that gpa + length cannot overflow.
  return gpa <= size_ && length <= size_ - gpa;
}

std::span<uint8_t> GuestMemory::Slice(uint64_t gpa, uint64_t length) const {
  if (!Contains(gpa, length)) return {};
  return {base_ + gpa, length};
}

bool GuestMemory::Read(uint64_t gpa, void* out, uint64_t length) const {
  if (!Contains(gpa, length)) return false;
  std::memcpy(out, base_ + gpa, length);
  return true;
}

bool GuestMemory::Write(uint64_t gpa, const void* data, uint64_t length) const {
  if (!Contains(gpa, length)) return false;
  std::memcpy(base_ + gpa, data, length);
  return true;
}

}  // namespace ringfence::vmm
