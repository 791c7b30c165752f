// KVM's own per-vCPU counters (KVM_GET_STATS_FD), for --stats: every VM
// exit, including those KVM handles in the kernel without returning to the
// VMM (HLT, LAPIC timer and EOI MSR writes, interrupt windows), which
// ExitStats cannot see.
#ifndef RINGFENCE_VMM_KVM_STATS_H_
#define RINGFENCE_VMM_KVM_STATS_H_

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "vmm/kvm_vm.h"

namespace ringfence::vmm {

class KvmVcpuStats {
 public:
  // Opens the vCPU's stats file (before the seccomp filter: it is an
  // ioctl the policy need not allow). Empty where KVM predates the binary
  // stats API (Linux 5.14).
  static std::optional<KvmVcpuStats> Open(int vcpu_fd);

  // The counters KVM currently reports, by name (only single-value stats).
  std::vector<std::pair<std::string, uint64_t>> Read() const;

  // "ringfence-stats: kvm.<name> <value>" for the exit-related counters
  // that are non-zero (pread only: fine under the seccomp filter).
  void Print(FILE* out) const;

 private:
  explicit KvmVcpuStats(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace ringfence::vmm

#endif  // RINGFENCE_VMM_KVM_STATS_H_
