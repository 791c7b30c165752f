#include "vmm/exit_stats.h"

#include <linux/kvm.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace ringfence::vmm {
namespace {

// Names follow the KVM_EXIT_* constants, lower-cased without the prefix, so a
// metric can be grepped back to the uapi header.
absl::string_view KnownExitReasonName(uint32_t reason) {
  switch (reason) {
    case KVM_EXIT_UNKNOWN:
      return "unknown";
    case KVM_EXIT_EXCEPTION:
      return "exception";
    case KVM_EXIT_IO:
      return "io";
    case KVM_EXIT_HYPERCALL:
      return "hypercall";
    case KVM_EXIT_DEBUG:
      return "debug";
    case KVM_EXIT_HLT:
      return "hlt";
    case KVM_EXIT_MMIO:
      return "mmio";
    case KVM_EXIT_IRQ_WINDOW_OPEN:
      return "irq_window_open";
    case KVM_EXIT_SHUTDOWN:
      return "shutdown";
    case KVM_EXIT_FAIL_ENTRY:
      return "fail_entry";
    case KVM_EXIT_INTR:
      return "intr";
    case KVM_EXIT_SET_TPR:
      return "set_tpr";
    case KVM_EXIT_TPR_ACCESS:
      return "tpr_access";
    case KVM_EXIT_NMI:
      return "nmi";
    case KVM_EXIT_INTERNAL_ERROR:
      return "internal_error";
    case KVM_EXIT_WATCHDOG:
      return "watchdog";
    case KVM_EXIT_SYSTEM_EVENT:
      return "system_event";
    case KVM_EXIT_IOAPIC_EOI:
      return "ioapic_eoi";
    case KVM_EXIT_HYPERV:
      return "hyperv";
    case KVM_EXIT_X86_RDMSR:
      return "x86_rdmsr";
    case KVM_EXIT_X86_WRMSR:
      return "x86_wrmsr";
    case KVM_EXIT_DIRTY_RING_FULL:
      return "dirty_ring_full";
    case KVM_EXIT_AP_RESET_HOLD:
      return "ap_reset_hold";
    case KVM_EXIT_X86_BUS_LOCK:
      return "x86_bus_lock";
    case KVM_EXIT_XEN:
      return "xen";
    case KVM_EXIT_NOTIFY:
      return "notify";
    default:
      return {};
  }
}

}  // namespace

void ExitStats::RecordExit(uint32_t reason) {
  // Relaxed: each counter is independent and only read for reporting.
  if (reason < kMaxExitReasons) {
    exits_[reason].fetch_add(1, std::memory_order_relaxed);
  } else {
    other_exits_.fetch_add(1, std::memory_order_relaxed);
  }
}

void ExitStats::RecordHypercall(uint32_t number) {
  if (!HypercallName(number).empty()) {
    hypercalls_[number].fetch_add(1, std::memory_order_relaxed);
  } else {
    invalid_hypercalls_.fetch_add(1, std::memory_order_relaxed);
  }
}

uint64_t ExitStats::TotalExits() const {
  uint64_t total = other_exits_.load(std::memory_order_relaxed);
  for (const auto& counter : exits_) {
    total += counter.load(std::memory_order_relaxed);
  }
  return total;
}

uint64_t ExitStats::Exits(uint32_t reason) const {
  if (reason >= kMaxExitReasons) return 0;
  return exits_[reason].load(std::memory_order_relaxed);
}

uint64_t ExitStats::Hypercalls(abi::Hypercall number) const {
  auto index = static_cast<uint32_t>(number);
  if (index >= abi::kHypercallCount) return 0;
  return hypercalls_[index].load(std::memory_order_relaxed);
}

uint64_t ExitStats::InvalidHypercalls() const {
  return invalid_hypercalls_.load(std::memory_order_relaxed);
}

std::string ExitStats::ExitReasonName(uint32_t reason) {
  absl::string_view known = KnownExitReasonName(reason);
  if (!known.empty()) return std::string(known);
  return absl::StrCat("reason_", reason);
}

absl::string_view ExitStats::HypercallName(uint32_t number) {
  switch (static_cast<abi::Hypercall>(number)) {
    case abi::Hypercall::kExit:
      return "exit";
    case abi::Hypercall::kWritev:
      return "writev";
    case abi::Hypercall::kReadv:
      return "readv";
    case abi::Hypercall::kPreadv:
      return "preadv";
    case abi::Hypercall::kPwritev:
      return "pwritev";
    case abi::Hypercall::kFstat:
      return "fstat";
    case abi::Hypercall::kTerminalIoctl:
      return "terminal_ioctl";
    case abi::Hypercall::kGetTime:
      return "get_time";
    case abi::Hypercall::kPanic:
      return "panic";
    case abi::Hypercall::kGofer:
      return "gofer";
    case abi::Hypercall::kCloseHandle:
      return "close_handle";
    case abi::Hypercall::kStartCpu:
      return "start_cpu";
    case abi::Hypercall::kYield:
      return "yield";
  }
  return {};
}

std::string ExitStats::Format() const {
  std::vector<std::pair<std::string, uint64_t>> metrics;
  metrics.emplace_back("exits.total", TotalExits());
  for (uint32_t reason = 0; reason < kMaxExitReasons; ++reason) {
    uint64_t count = exits_[reason].load(std::memory_order_relaxed);
    if (count != 0) {
      metrics.emplace_back(absl::StrCat("exits.", ExitReasonName(reason)),
                           count);
    }
  }
  if (uint64_t count = other_exits_.load(std::memory_order_relaxed)) {
    metrics.emplace_back("exits.other", count);
  }
  for (uint32_t number = 0; number < abi::kHypercallCount; ++number) {
    uint64_t count = hypercalls_[number].load(std::memory_order_relaxed);
    if (count != 0) {
      metrics.emplace_back(absl::StrCat("hypercall.", HypercallName(number)),
                           count);
    }
  }
  if (uint64_t count = InvalidHypercalls()) {
    metrics.emplace_back("hypercall.invalid", count);
  }
  std::sort(metrics.begin(), metrics.end());

  std::string out;
  for (const auto& [name, count] : metrics) {
    absl::StrAppend(&out, "ringfence-stats: ", name, " ", count, "\n");
  }
  return out;
}

void ExitStats::Print(FILE* out) const {
  std::string text = Format();
  std::fwrite(text.data(), 1, text.size(), out);
  std::fflush(out);
}

}  // namespace ringfence::vmm
