#include "vmm/sandbox.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "platform_kvm/abi/boot_info.h"
#include "platform_kvm/abi/hypercall.h"
#include "vmm/boot_info_writer.h"
#include "vmm/crash_report.h"
#include "vmm/exit_stats.h"
#include "vmm/gofer_relay.h"
#include "vmm/guest_page_walk.h"
#include "vmm/handle_table.h"
#include "vmm/hypercall_service.h"
#include "vmm/kvm_stats.h"
#include "vmm/kvm_vm.h"
#include "vmm/seccomp_policy.h"
#include "vmm/sentry_loader.h"
#include "vmm/vcpu.h"
#include "vmm/vcpu_runner.h"

namespace ringfence::vmm {
namespace {

constexpr uint32_t kStdioRights = kRightRead | kRightWrite | kRightPread |
                                  kRightPwrite | kRightStat | kRightTerminal;

absl::Status InstallHandles(const SandboxConfig& config, HandleTable& handles,
                            abi::BootInfo& info) {
  for (uint32_t fd = 0; fd < 3; ++fd) {
    int flags = fcntl(static_cast<int>(fd), F_GETFL);
    if (flags < 0) continue;  // closed stdio stays closed in the guest too
    handles.Install(fd, static_cast<int>(fd), kStdioRights, /*owned=*/false);
    info.stdio[fd].open_flags = static_cast<uint32_t>(flags);
    struct stat host_stat;
    info.stdio[fd].file_type = fstat(static_cast<int>(fd), &host_stat) == 0
                                   ? (host_stat.st_mode & S_IFMT)
                                   : 0;
    info.stdio[fd].is_open = 1;
    info.stdio[fd].is_terminal = isatty(static_cast<int>(fd)) ? 1 : 0;
  }
  if (config.log_fd >= 0) {
    handles.Install(abi::kHandleLog, config.log_fd, kRightWrite, /*owned=*/true);
    info.flags |= abi::kBootFlagLog;
  }
  return absl::OkStatus();
}

// Tells the Sentry which trees the Gofers serve and where it starts.
absl::Status DescribeGoferMounts(const SandboxConfig& config, abi::BootInfo& info) {
  if (config.gofer_mounts.size() > abi::kMaxGoferMounts) {
    return absl::InvalidArgumentError(
        absl::StrFormat("at most %d mounts (root and volumes)", abi::kMaxGoferMounts));
  }
  info.gofer_mount_count = static_cast<uint32_t>(config.gofer_mounts.size());
  for (size_t i = 0; i < config.gofer_mounts.size(); ++i) {
    const GoferMountConfig& mount = config.gofer_mounts[i];
    if (mount.guest_path.empty() || mount.guest_path[0] != '/' ||
        mount.guest_path.size() >= abi::kBootPathMax) {
      return absl::InvalidArgumentError("bad mount path: " + mount.guest_path);
    }
    info.gofer_mounts[i].flags = mount.read_only ? abi::kGoferMountReadOnly : 0;
    mount.guest_path.copy(info.gofer_mounts[i].guest_path, abi::kBootPathMax - 1);
  }
  // A working directory too long for BootInfo starts at "/" instead.
  const std::string& cwd =
      config.cwd.empty() || config.cwd.size() >= abi::kBootPathMax ? "/" : config.cwd;
  cwd.copy(info.cwd, abi::kBootPathMax - 1);
  return absl::OkStatus();
}

// What a crash report or a state dump shows of `vcpu`: its registers (or
// the ones a Sentry panic reported), the code at RIP and the Sentry code
// addresses on its stack.
CrashInfo CollectCrashInfo(const KvmVm& vm, const Vcpu& vcpu, const LoadedSentry& sentry,
                           const std::optional<abi::PanicRegisters>& panic_registers) {
  CrashInfo info;
  auto sregs = vcpu.GetSregs();
  if (sregs.ok()) info.sregs = *sregs;
  if (panic_registers.has_value()) {
    info.regs = KvmRegsFromPanicRegisters(*panic_registers);
    info.exception = CrashException{panic_registers->vector,
                                    panic_registers->error_code,
                                    panic_registers->cr2};
  } else if (auto regs = vcpu.GetRegs(); regs.ok()) {
    info.regs = *regs;
  }
  if (info.sregs.has_value()) {
    const GuestMemory& memory = vm.memory();
    auto reader = [&memory](uint64_t gpa, void* out, size_t length) {
      return memory.Read(gpa, out, length);
    };
    CodeBytes code = CollectCodeBytes(info.regs.rip, info.sregs->cr3, reader);
    info.code_address = code.address;
    info.code_bytes = std::move(code.bytes);
    info.stack_code_addresses = CollectStackCodeAddresses(
        info.regs.rsp, info.sregs->cr3, reader, sentry.text_start, sentry.text_end);
  }
  return info;
}

int ReportCrash(const KvmVm& vm, const Vcpu& vcpu, const LoadedSentry& sentry,
                const std::string& reason,
                const std::optional<abi::PanicRegisters>& panic_registers) {
  std::string report =
      FormatCrashReport(reason, CollectCrashInfo(vm, vcpu, sentry, panic_registers));
  fputs(report.c_str(), stderr);
  return kCrashExitStatus;
}

// Serves `vcpu`'s exits until the guest exits or crashes, or another vCPU
// ended the sandbox (`runner.stopping()`: the status is then ignored).
int RunExitLoop(const KvmVm& vm, const LoadedSentry& sentry, Vcpu& vcpu,
                HypercallService& service, ExitStats& stats, VcpuRunner& runner) {
  kvm_run* run = vcpu.run_state();
  auto report_crash = [&](const std::string& reason,
                          const std::optional<abi::PanicRegisters>& panic_registers) {
    return ReportCrash(vm, vcpu, sentry, reason, panic_registers);
  };
  for (;;) {
    absl::Status status = vcpu.Run();
    if (runner.stopping()) return kCrashExitStatus;
    if (absl::IsCancelled(status) && runner.TakeStateDumpRequest(vcpu.index())) {
      // Clear the kick before looking at stopping(): Stop() sets that first,
      // so a stop racing with this either is seen here or kicks again.
      vcpu.ClearKick();
      if (runner.stopping()) return kCrashExitStatus;
      std::string dump = FormatStateDump(
          vcpu.index(), CollectCrashInfo(vm, vcpu, sentry, std::nullopt));
      fputs(dump.c_str(), stderr);
      continue;
    }
    if (!status.ok()) {
      return report_crash(std::string(status.message()), std::nullopt);
    }
    stats.RecordExit(run->exit_reason);
    switch (run->exit_reason) {
      case KVM_EXIT_IO: {
        // Only 32-bit OUTs of one item to the hypercall port are requests.
        if (run->io.direction != KVM_EXIT_IO_OUT ||
            run->io.port != abi::kHypercallPort || run->io.size != 4 ||
            run->io.count != 1 ||
            run->io.data_offset > static_cast<uint64_t>(vm.vcpu_mmap_size()) - 4) {
          return report_crash(absl::StrFormat("unexpected port I/O (port 0x%x)", run->io.port),
                              std::nullopt);
        }
        uint32_t request_gpa;
        std::memcpy(&request_gpa,
                    reinterpret_cast<const uint8_t*>(run) + run->io.data_offset,
                    sizeof(request_gpa));
        HypercallOutcome outcome = service.Handle(request_gpa);
        switch (outcome.kind) {
          case HypercallOutcome::Kind::kResume:
            break;
          case HypercallOutcome::Kind::kExit:
            return outcome.exit_status;
          case HypercallOutcome::Kind::kSentryPanic:
            return report_crash("Sentry panic: " + outcome.message, outcome.registers);
          case HypercallOutcome::Kind::kBadRequest:
            return report_crash(outcome.message, std::nullopt);
        }
        break;
      }
      case KVM_EXIT_HLT:
      case KVM_EXIT_INTR:
        break;
      case KVM_EXIT_SHUTDOWN:
        return report_crash("triple fault (KVM_EXIT_SHUTDOWN)", std::nullopt);
      case KVM_EXIT_FAIL_ENTRY:
        return report_crash(
            absl::StrFormat("VM entry failed (hardware reason 0x%x)",
                            run->fail_entry.hardware_entry_failure_reason),
            std::nullopt);
      case KVM_EXIT_INTERNAL_ERROR:
        return report_crash(
            absl::StrFormat("KVM internal error (suberror %d)", run->internal.suberror),
            std::nullopt);
      default:
        return report_crash("unexpected VM exit: " + ExitStats::ExitReasonName(run->exit_reason),
                            std::nullopt);
    }
  }
}

}  // namespace

absl::StatusOr<int> RunSandbox(const SandboxConfig& config) {
  auto memory = GuestMemory::Create(config.memory_bytes);
  if (!memory.ok()) return memory.status();
  auto vm = KvmVm::Create(std::move(*memory));
  if (!vm.ok()) return vm.status();
  const GuestMemory& guest_memory = (*vm)->memory();

  auto sentry = LoadSentry(guest_memory, EmbeddedSentryImage());
  if (!sentry.ok()) return sentry.status();
  if (config.cpu_count == 0 || config.cpu_count > kMaxCpus) {
    return absl::InvalidArgumentError(absl::StrFormat("the vCPU count must be 1..%d", kMaxCpus));
  }
  std::vector<std::unique_ptr<Vcpu>> vcpus;
  for (uint32_t i = 0; i < config.cpu_count; ++i) {
    auto vcpu = Vcpu::Create(**vm, static_cast<int>(i));
    if (!vcpu.ok()) return vcpu.status();
    vcpus.push_back(std::move(*vcpu));
  }
  Vcpu& boot_vcpu = *vcpus[0];
  std::optional<KvmVcpuStats> kvm_stats;
  if (config.stats) kvm_stats = KvmVcpuStats::Open(boot_vcpu.fd());

  abi::BootInfo info = {};
  info.vcpu_count = config.cpu_count;
  info.memory_bytes = guest_memory.size();
  info.free_phys_start = sentry->image_end;
  info.tsc_khz = boot_vcpu.tsc_khz();
  info.flags = (config.strace ? abi::kBootFlagStrace : 0) |
               (config.stats ? abi::kBootFlagStats : 0) |
               ((*vm)->supports_steal_time() ? abi::kBootFlagStealTime : 0);
  if (getrandom(info.random_seed, sizeof(info.random_seed), 0) !=
      static_cast<ssize_t>(sizeof(info.random_seed))) {
    return absl::ErrnoToStatus(errno, "getrandom");
  }
  HandleTable handles;
  if (auto status = InstallHandles(config, handles, info); !status.ok()) return status;
  if (auto status = DescribeGoferMounts(config, info); !status.ok()) return status;
  if (auto status = WriteBootInfo(guest_memory, config, info); !status.ok()) {
    return status;
  }
  LongModeEntry entry = {sentry->cr3, sentry->entry,
                         abi::kPhysmapBase + abi::kBootInfoGpa};
  for (auto& vcpu : vcpus) {
    // Application processors get their rip/rsp when the Sentry starts them.
    if (auto status = vcpu->EnterLongMode(**vm, entry); !status.ok()) return status;
    if (vcpu.get() != &boot_vcpu) {
      if (auto status = vcpu->MakeRunnable(); !status.ok()) return status;
    }
  }

  // From here on the VMM only needs what the exit loop uses.
  std::vector<int> gofer_sockets, gofer_pids;
  std::vector<gofer::GoferClient> gofer_clients;
  gofer_clients.reserve(config.gofer_mounts.size());
  std::vector<gofer::GoferClient*> clients;
  for (const GoferMountConfig& mount : config.gofer_mounts) {
    gofer_sockets.push_back(mount.socket_fd);
    if (mount.pid > 0) gofer_pids.push_back(mount.pid);
    clients.push_back(&gofer_clients.emplace_back(mount.socket_fd));
  }
  ExitStats stats;
  GoferRelay relay(guest_memory, handles, std::move(clients));
  std::unique_ptr<HypercallService> service;
  VcpuRunner runner(vcpus, [&](Vcpu& vcpu) {
    return RunExitLoop(**vm, *sentry, vcpu, *service, stats, runner);
  });
  service = std::make_unique<HypercallService>(
      guest_memory, handles, stats, config.gofer_mounts.empty() ? nullptr : &relay,
      vcpus.size() > 1 ? &runner : nullptr);
  // Threads and the kick handler before the filter, which allows neither
  // thread stacks (mmap) nor new signal handlers.
  if (vcpus.size() > 1) {
    if (auto status = VcpuRunner::InstallKickHandler(); !status.ok()) return status;
    runner.SpawnThreads();
  }
  if (auto status = VcpuRunner::InstallStateDumpHandler(&runner); !status.ok()) return status;
  if (config.install_seccomp) {
    if (auto status = VmmPolicy(gofer_sockets, gofer_pids).Install(); !status.ok()) return status;
  }
  int exit_status = runner.Run();
  if (config.stats) {
    stats.Print(stderr);
    // Which Gofer operations the kGofer exits were.
    for (uint32_t op = 1; op < abi::kGoferOpCount; ++op) {
      if (uint64_t count = relay.op_counts()[op]) {
        fprintf(stderr, "ringfence-stats: gofer.%s %lu\n", GoferOpName(op), count);
      }
    }
    if (kvm_stats.has_value()) kvm_stats->Print(stderr);
  }
  return exit_status;
}

}  // namespace ringfence::vmm
