#include "kernel/fs/gofer/hypercall_transport.h"

#include "platform_kvm/guest/address.h"
#include "platform_kvm/guest/hypercall.h"

namespace sentry::fs::gofer {
namespace {

using ringfence::abi::GuestBuffer;
using ringfence::abi::GuestIovec;
using ringfence::abi::Hypercall;

GuestBuffer ToGuest(const void* data, size_t length) {
  if (length == 0) return {};
  return {platform::KernelVirtToPhys(data), static_cast<uint32_t>(length), 0};
}

ktl::Result<size_t> ToResult(int64_t value) {
  if (value < 0) return static_cast<ktl::Errno>(-value);
  return static_cast<size_t>(value);
}

class Hypercalls final : public Transport {
 public:
  ktl::Result<void> Call(ringfence::abi::GoferRequest& request, const RequestBuffers& buffers,
                         ringfence::abi::GoferReply* reply) override {
    request.name = ToGuest(buffers.name.data(), buffers.name.size());
    request.name2 = ToGuest(buffers.name2.data(), buffers.name2.size());
    request.out = ToGuest(buffers.out.data(), buffers.out.size());
    TRY(ToResult(platform::Hypercall(Hypercall::kGofer, platform::KernelVirtToPhys(&request),
                                     platform::KernelVirtToPhys(reply))));
    return ktl::Ok();
  }

  ktl::Result<size_t> Pread(uint32_t handle, void* data, size_t length,
                            uint64_t offset) override {
    GuestIovec iov = {platform::KernelVirtToPhys(data), length};
    return ToResult(platform::Hypercall(Hypercall::kPreadv, handle,
                                        platform::KernelVirtToPhys(&iov), 1, offset));
  }

  ktl::Result<size_t> Pwrite(uint32_t handle, const void* data, size_t length,
                             uint64_t offset) override {
    GuestIovec iov = {platform::KernelVirtToPhys(data), length};
    return ToResult(platform::Hypercall(Hypercall::kPwritev, handle,
                                        platform::KernelVirtToPhys(&iov), 1, offset));
  }

  void CloseHandle(uint32_t handle) override {
    (void)platform::Hypercall(Hypercall::kCloseHandle, handle);
  }
};

}  // namespace

Transport& HypercallTransport() {
  static Hypercalls transport;
  return transport;
}

}  // namespace sentry::fs::gofer
