// ExitStats: counts of VM exits by KVM exit reason and hypercalls by number.
//
// DESIGN.md asks that every VM exit be counted by kind, so benchmarks can
// report exits per operation. One ExitStats lives per VM and is shared by all
// of its vCPU threads; recording is a single relaxed atomic increment, so it
// is cheap enough to do on every exit. The counters are statistics, not
// synchronisation: a Format() racing with running vCPUs sees some consistent
// value for each counter, not a snapshot across counters.
#ifndef RINGFENCE_VMM_EXIT_STATS_H_
#define RINGFENCE_VMM_EXIT_STATS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/strings/string_view.h"
#include "platform_kvm/abi/hypercall.h"

namespace ringfence::vmm {

class ExitStats {
 public:
  // KVM exit reasons below this are counted individually (the uapi header
  // defines 0..37 today); anything at or above it lands in `exits.other`.
  static constexpr uint32_t kMaxExitReasons = 64;

  ExitStats() = default;
  ExitStats(const ExitStats&) = delete;
  ExitStats& operator=(const ExitStats&) = delete;

  // `reason` is kvm_run::exit_reason after KVM_RUN returned.
  void RecordExit(uint32_t reason);
  // `number` is HypercallRequest::number as the guest wrote it: untrusted, so
  // anything outside the ABI's enum is counted as `hypercall.invalid`.
  void RecordHypercall(uint32_t number);

  // Sum of all exit counters.
  uint64_t TotalExits() const;
  uint64_t Exits(uint32_t reason) const;
  uint64_t Hypercalls(abi::Hypercall number) const;
  uint64_t InvalidHypercalls() const;

  // One metric per line, "ringfence-stats: <name> <count>\n", sorted by name.
  // exits.total is always present; every other counter only when non-zero.
  std::string Format() const;
  // Writes Format() to `out` (e.g. stderr at VM exit).
  void Print(FILE* out) const;

  // "io", "hlt", "shutdown", ... for a KVM_EXIT_* value; "reason_<n>" for a
  // value the uapi header does not name.
  static std::string ExitReasonName(uint32_t reason);
  // "writev", "terminal_ioctl", ...; empty for a number outside the enum.
  static absl::string_view HypercallName(uint32_t number);

 private:
  std::array<std::atomic<uint64_t>, kMaxExitReasons> exits_{};
  std::atomic<uint64_t> other_exits_{0};
  std::array<std::atomic<uint64_t>, abi::kHypercallCount> hypercalls_{};
  std::atomic<uint64_t> invalid_hypercalls_{0};
};

}  // namespace ringfence::vmm

#endif  // RINGFENCE_VMM_EXIT_STATS_H_
