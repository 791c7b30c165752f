// The host files the VMM holds on the guest's behalf.
//
// The guest names files by small handle numbers; it never sees a host fd.
// Each handle carries the operations it permits, checked before any host
// syscall, so e.g. the executable can only be read at an offset.
#ifndef RINGFENCE_VMM_HANDLE_TABLE_H_
#define RINGFENCE_VMM_HANDLE_TABLE_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "platform_kvm/abi/boot_info.h"

namespace ringfence::vmm {

enum HandleRights : uint32_t {
  kRightRead = 1 << 0,       // readv
  kRightWrite = 1 << 1,      // writev
  kRightPread = 1 << 2,      // preadv
  kRightPwrite = 1 << 3,     // pwritev
  kRightStat = 1 << 4,       // fstat
  kRightTerminal = 1 << 5,   // TCGETS / TIOCGWINSZ
};

class HandleTable {
 public:
  HandleTable() = default;
  HandleTable(const HandleTable&) = delete;
  ~HandleTable();

  // Installs `host_fd` at `handle`. If `owned`, the table takes ownership:
  // it closes the fd when the table goes, or at once if the install fails.
  // Returns false if the handle is out of range or already in use.
  bool Install(uint32_t handle, int host_fd, uint32_t rights, bool owned);

  // Installs an owned `host_fd` at the lowest free handle from
  // abi::kFirstDynamicHandle on; returns the handle, or -1 (closing the fd)
  // if the table is full.
  int64_t Allocate(int host_fd, uint32_t rights);

  // Closes a handle Allocate() returned; false (and nothing closed) for any
  // other handle, so the guest cannot close stdio or the executable.
  bool Close(uint64_t handle);

  // Handles currently in use (for tests and leak checks).
  size_t size() const;

  // The host fd for `handle` if it exists and grants every bit of `rights`;
  // -1 otherwise.
  int Lookup(uint64_t handle, uint32_t rights) const;

 private:
  struct Entry {
    int host_fd = -1;
    uint32_t rights = 0;
    bool owned = false;
  };
  std::array<Entry, abi::kMaxHandles> entries_;
};

}  // namespace ringfence::vmm

#endif  // RINGFENCE_VMM_HANDLE_TABLE_H_
