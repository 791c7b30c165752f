// Serves the Sentry's hypercalls. Every handler reads like a validator first:
// request location, reserved fields, handles and rights, guest ranges and
// lengths; only then does it make its one host syscall.
#ifndef RINGFENCE_VMM_HYPERCALL_SERVICE_H_
#define RINGFENCE_VMM_HYPERCALL_SERVICE_H_

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "platform_kvm/abi/hypercall.h"
#include "vmm/guest_memory.h"
#include "vmm/handle_table.h"

namespace ringfence::vmm {

class ExitStats;
class GoferRelay;

// What the exit loop should do after a hypercall.
struct HypercallOutcome {
  enum class Kind {
    kResume,        // result written; run the vCPU again
    kExit,          // the sandbox is done; exit_status is set
    kSentryPanic,   // the Sentry reported a fatal bug
    kBadRequest,    // the request block itself is unusable: stop the VM
  };
  Kind kind = Kind::kResume;
  int exit_status = 0;
  std::string message;                          // panic or bad-request text
  std::optional<abi::PanicRegisters> registers; // sent with a panic
};

// Starts an application processor for kStartCpu (vmm/vcpu_runner.h).
class CpuStarter {
 public:
  virtual ~CpuStarter() = default;
  // Returns 0, -EINVAL (no such application processor) or -EBUSY.
  virtual int64_t StartCpu(uint64_t index, uint64_t rip, uint64_t rsp) = 0;
};

class HypercallService {
 public:
  // `gofer`: serves kGofer (null: the sandbox has no Gofer, ENOSYS).
  // `cpus`: serves kStartCpu (null: one vCPU, EINVAL).
  HypercallService(const GuestMemory& memory, HandleTable& handles,
                   ExitStats& stats, GoferRelay* gofer = nullptr,
                   CpuStarter* cpus = nullptr)
      : memory_(memory), handles_(handles), stats_(stats), gofer_(gofer), cpus_(cpus) {}

  // Serves the request at guest physical address `request_gpa`, the value
  // the Sentry wrote to kHypercallPort. Safe from several vCPU threads: the
  // handle table and the Gofer relay are used by one request at a time.
  HypercallOutcome Handle(uint64_t request_gpa);

 private:
  int64_t Dispatch(const abi::HypercallRequest& request, HypercallOutcome& outcome);
  int64_t TransferIo(abi::Hypercall number, const uint64_t* args);
  int64_t Fstat(const uint64_t* args);
  int64_t TerminalIoctl(const uint64_t* args);
  int64_t GetTime(const uint64_t* args);
  void Panic(const uint64_t* args, HypercallOutcome& outcome);

  const GuestMemory& memory_;
  HandleTable& handles_;
  ExitStats& stats_;
  GoferRelay* gofer_;
  CpuStarter* cpus_;
  std::mutex mutex_;  // serialises Dispatch (except kYield)
};

}  // namespace ringfence::vmm

#endif  // RINGFENCE_VMM_HYPERCALL_SERVICE_H_
