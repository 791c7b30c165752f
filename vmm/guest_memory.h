// Guest physical memory: one memfd-backed region mapped into the VMM.
//
// Every access from the hypercall service goes through Slice(), which checks
// the whole range against the memory size with overflow-safe arithmetic. A
// guest physical address is never dereferenced without it.
#ifndef RINGFENCE_VMM_GUEST_MEMORY_H_
#define RINGFENCE_VMM_GUEST_MEMORY_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "absl/status/statusor.h"

namespace ringfence::vmm {

class GuestMemory {
 public:
  // Creates `size` bytes of zeroed guest memory (a multiple of 2 MiB).
  static absl::StatusOr<GuestMemory> Create(uint64_t size);

  GuestMemory(GuestMemory&& other) noexcept;
  GuestMemory& operator=(GuestMemory&&) = delete;
  GuestMemory(const GuestMemory&) = delete;
  ~GuestMemory();

  uint64_t size() const { return size_; }
  uint8_t* host_base() const { return base_; }
  int memfd() const { return memfd_; }

  // The host view of [gpa, gpa + length), or an empty span if any byte of it
  // lies outside guest memory. length 0 is valid and yields an empty span.
  std::span<uint8_t> Slice(uint64_t gpa, uint64_t length) const;
  bool Contains(uint64_t gpa, uint64_t length) const;

  // Bounds-checked copies; false if the range is outside guest memory.
  bool Read(uint64_t gpa, void* out, uint64_t length) const;
  bool Write(uint64_t gpa, const void* data, uint64_t length) const;

  template <typename T>
  bool ReadObject(uint64_t gpa, T* out) const {
    return Read(gpa, out, sizeof(T));
  }
  template <typename T>
  bool WriteObject(uint64_t gpa, const T& value) const {
    return Write(gpa, &value, sizeof(T));
  }

 private:
  GuestMemory(int memfd, uint8_t* base, uint64_t size)
      : memfd_(memfd), base_(base), size_(size) {}

  int memfd_;
  uint8_t* base_;
  uint64_t size_;
};

}  // namespace ringfence::vmm

#endif  // RINGFENCE_VMM_GUEST_MEMORY_H_
