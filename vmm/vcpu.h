// One KVM vCPU: creation, long-mode entry state, KVM_RUN.
#ifndef RINGFENCE_VMM_VCPU_H_
#define RINGFENCE_VMM_VCPU_H_

#include <linux/kvm.h>

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "vmm/kvm_vm.h"

namespace ringfence::vmm {

// Where the vCPU starts: 64-bit ring 0, paging on, interrupts off.
struct LongModeEntry {
  uint64_t cr3;
  uint64_t rip;
  uint64_t rdi;  // first argument to the Sentry's entry point
  uint64_t rsp = 0;
};

class Vcpu {
 public:
  static absl::StatusOr<std::unique_ptr<Vcpu>> Create(const KvmVm& vm,
                                                      int index);
  Vcpu(const Vcpu&) = delete;
  ~Vcpu();

  // Loads CPUID and the register state for `entry`.
  absl::Status EnterLongMode(const KvmVm& vm, const LongModeEntry& entry);

  // Makes an application processor runnable without INIT/SIPI (KVM parks
  // every vCPU but the first until then). Before the seccomp filter.
  absl::Status MakeRunnable();

  // Points rip/rsp/rdi at a new entry (KVM_SET_REGS, allowed after seccomp):
  // an application processor the Sentry starts with kStartCpu.
  absl::Status SetEntryRegisters(uint64_t rip, uint64_t rsp, uint64_t rdi);

  // Runs until the next exit to user space (retrying when a host signal
  // interrupts KVM_RUN). Cancelled once Kick() was called; any other error
  // means the vCPU cannot run.
  absl::Status Run();

  // Makes the current and every later Run() return Cancelled; the caller
  // then signals the vCPU's thread to leave a KVM_RUN in progress. Any thread.
  void Kick() { __atomic_store_n(&run_->immediate_exit, 1, __ATOMIC_SEQ_CST); }
  // Undoes Kick() (after a state dump: the vCPU runs on).
  void ClearKick() { __atomic_store_n(&run_->immediate_exit, 0, __ATOMIC_SEQ_CST); }

  kvm_run* run_state() const { return run_; }
  int fd() const { return fd_.get(); }
  int index() const { return index_; }
  uint64_t tsc_khz() const;

  absl::StatusOr<kvm_regs> GetRegs() const;
  absl::StatusOr<kvm_sregs> GetSregs() const;

 private:
  Vcpu(UniqueFd fd, kvm_run* run, size_t run_size, int index)
      : fd_(std::move(fd)), run_(run), run_size_(run_size), index_(index) {}

  UniqueFd fd_;
  kvm_run* run_;
  size_t run_size_;
  int index_;
};

}  // namespace ringfence::vmm

#endif  // RINGFENCE_VMM_VCPU_H_
