// How the gofer file system reaches the Gofer: the relay ABI of
// platform_kvm/abi/gofer.h behind a small interface, so the file system is
// portable. In the Sentry the transport is the hypercall (HypercallTransport);
// hosted unit tests plug in one that drives the real VMM relay and a real
// Gofer server.
//
// Buffers are kernel memory; the transport turns them into the request's
// GuestBuffers. Each must be physically contiguous in the Sentry (any single
// heap allocation or kernel-stack object is).
#ifndef RINGFENCE_KERNEL_FS_GOFER_TRANSPORT_H_
#define RINGFENCE_KERNEL_FS_GOFER_TRANSPORT_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "kernel/ktl/result.h"
#include "kernel/ktl/string.h"
#include "platform_kvm/abi/gofer.h"

namespace sentry::fs::gofer {

struct RequestBuffers {
  RequestBuffers(ktl::StringView name = {}, std::span<const char> name2 = {},
                 std::span<char> out = {})
      : name(name), name2(name2), out(out) {}
  ktl::StringView name;          // -> GoferRequest::name
  std::span<const char> name2;   // -> name2 (a rename target, symlink target, xattr value)
  std::span<char> out;           // -> out
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends `request` (GuestBuffer fields left zero; filled from `buffers`) and
  // fills `reply`, or returns the errno.
  virtual ktl::Result<void> Call(ringfence::abi::GoferRequest& request,
                                 const RequestBuffers& buffers,
                                 ringfence::abi::GoferReply* reply) = 0;
  // pread/pwrite on a handle a kOpen/kCreate returned: bytes moved.
  virtual ktl::Result<size_t> Pread(uint32_t handle, void* data, size_t length,
                                    uint64_t offset) = 0;
  virtual ktl::Result<size_t> Pwrite(uint32_t handle, const void* data, size_t length,
                                     uint64_t offset) = 0;
  virtual void CloseHandle(uint32_t handle) = 0;
};

}  // namespace sentry::fs::gofer

#endif  // RINGFENCE_KERNEL_FS_GOFER_TRANSPORT_H_
