// The hosted stand-in for the Sentry's hypercall transport: a scratch guest
// memory in which requests are laid out exactly as the Sentry would, served
// by the real HypercallService, GoferRelay and (through the test fixture's
// socketpair) a real GoferServer. What the hosted gofer-fs tests run on,
// and what the relay tests use to send hand-made (hostile) requests.
#ifndef RINGFENCE_TESTS_UNIT_GOFER_FS_LOOPBACK_TRANSPORT_H_
#define RINGFENCE_TESTS_UNIT_GOFER_FS_LOOPBACK_TRANSPORT_H_

#include <cstdint>
#include <memory>

#include "gofer/client.h"
#include "kernel/fs/gofer/transport.h"
#include "platform_kvm/abi/gofer.h"
#include "platform_kvm/abi/hypercall.h"
#include "vmm/exit_stats.h"
#include "vmm/gofer_relay.h"
#include "vmm/guest_memory.h"
#include "vmm/handle_table.h"
#include "vmm/hypercall_service.h"

namespace ringfence::testing {

// Where requests and buffers live in the scratch guest memory.
inline constexpr uint64_t kGuestMemorySize = 32ull << 20;  // the smallest GuestMemory
inline constexpr uint64_t kHypercallGpa = 0x1000;
inline constexpr uint64_t kRequestGpa = 0x2000;
inline constexpr uint64_t kReplyGpa = 0x3000;
inline constexpr uint64_t kIovGpa = 0x4000;
inline constexpr uint64_t kNameGpa = 0x10000;
inline constexpr uint64_t kName2Gpa = 0x20000;
inline constexpr uint64_t kOutGpa = 0x30000;
inline constexpr uint64_t kDataGpa = 0x40000;
inline constexpr uint64_t kRegionSize = 0x10000;

// A guest (memory + handle table + VMM services) talking to one Gofer.
class LoopbackGuest {
 public:
  // `client` talks to the Gofer serving mount 0; must outlive this.
  explicit LoopbackGuest(gofer::GoferClient& client);

  // One hypercall as the Sentry issues it: the result (>= 0 or -errno).
  int64_t Hypercall(abi::Hypercall number, uint64_t a0 = 0, uint64_t a1 = 0,
                    uint64_t a2 = 0, uint64_t a3 = 0);
  // Places `request` at kRequestGpa and issues kGofer with the reply at
  // kReplyGpa; `reply` (if given) receives it on success.
  int64_t Gofer(const abi::GoferRequest& request, abi::GoferReply* reply = nullptr);

  const vmm::GuestMemory& memory() const { return *memory_; }
  vmm::HandleTable& handles() { return handles_; }
  vmm::ExitStats& stats() { return stats_; }
  vmm::GoferRelay& relay() { return *relay_; }

 private:
  std::unique_ptr<vmm::GuestMemory> memory_;
  vmm::HandleTable handles_;
  vmm::ExitStats stats_;
  std::unique_ptr<vmm::GoferRelay> relay_;
  std::unique_ptr<vmm::HypercallService> service_;
};

// The gofer fs's Transport over a LoopbackGuest.
class LoopbackTransport final : public sentry::fs::gofer::Transport {
 public:
  explicit LoopbackTransport(LoopbackGuest& guest) : guest_(guest) {}

  ktl::Result<void> Call(abi::GoferRequest& request,
                         const sentry::fs::gofer::RequestBuffers& buffers,
                         abi::GoferReply* reply) override;
  ktl::Result<size_t> Pread(uint32_t handle, void* data, size_t length,
                            uint64_t offset) override;
  ktl::Result<size_t> Pwrite(uint32_t handle, const void* data, size_t length,
                             uint64_t offset) override;
  void CloseHandle(uint32_t handle) override;

 private:
  ktl::Result<size_t> Transfer(abi::Hypercall number, uint32_t handle, size_t length,
                               uint64_t offset);
  LoopbackGuest& guest_;
};

}  // namespace ringfence::testing

#endif  // RINGFENCE_TESTS_UNIT_GOFER_FS_LOOPBACK_TRANSPORT_H_
