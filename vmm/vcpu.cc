#include "vmm/vcpu.h"

#include <sys/ioctl.h>
#include <sys/mman.h>

#include <cerrno>
#include <vector>

#include "absl/status/status.h"
#include "vmm/guest_xsave.h"

namespace ringfence::vmm {
namespace {

// Control register and EFER bits for the entry state.
constexpr uint64_t kCr0Pe = 1ull << 0;
constexpr uint64_t kCr0Mp = 1ull << 1;
constexpr uint64_t kCr0Et = 1ull << 4;
constexpr uint64_t kCr0Ne = 1ull << 5;
constexpr uint64_t kCr0Wp = 1ull << 16;  // ring 0 honours read-only pages
constexpr uint64_t kCr0Pg = 1ull << 31;
constexpr uint64_t kCr4Pae = 1ull << 5;
constexpr uint64_t kCr4Pge = 1ull << 7;
constexpr uint64_t kCr4Osfxsr = 1ull << 9;
constexpr uint64_t kCr4Osxmmexcpt = 1ull << 10;
constexpr uint64_t kCr4Osxsave = 1ull << 18;
constexpr uint64_t kEferSce = 1ull << 0;
constexpr uint64_t kEferLme = 1ull << 8;
constexpr uint64_t kEferLma = 1ull << 10;
constexpr uint64_t kEferNxe = 1ull << 11;
constexpr uint32_t kCpuidX2apic = 1u << 21;

// Boot selectors; the Sentry loads its own GDT with the same values first
// thing, so these cached descriptors are only used for a few instructions.
constexpr uint16_t kBootCodeSelector = 0x08;
constexpr uint16_t kBootDataSelector = 0x10;

kvm_segment FlatSegment(uint16_t selector, bool code) {
  kvm_segment segment = {};
  segment.base = 0;
  segment.limit = 0xffffffff;
  segment.selector = selector;
  segment.type = code ? 0xb : 0x3;  // execute/read accessed : read/write accessed
  segment.present = 1;
  segment.dpl = 0;  // SVM requires SS.DPL == CPL
  segment.db = code ? 0 : 1;
  segment.s = 1;
  segment.l = code ? 1 : 0;
  segment.g = 1;
  return segment;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Vcpu>> Vcpu::Create(const KvmVm& vm, int index) {
  UniqueFd fd(ioctl(vm.vm_fd(), KVM_CREATE_VCPU, index));
  if (fd.get() < 0) return absl::ErrnoToStatus(errno, "KVM_CREATE_VCPU");
  size_t size = vm.vcpu_mmap_size();
  void* run = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (run == MAP_FAILED) return absl::ErrnoToStatus(errno, "mmap kvm_run");
  return std::unique_ptr<Vcpu>(
      new Vcpu(std::move(fd), static_cast<kvm_run*>(run), size, index));
}

Vcpu::~Vcpu() { munmap(run_, run_size_); }

absl::Status Vcpu::EnterLongMode(const KvmVm& vm, const LongModeEntry& entry) {
  const auto& supported = vm.supported_cpuid();
  KvmCpuidBuffer cpuid(supported.size());
  kvm_cpuid_entry2* entries = cpuid.entries();
  for (size_t i = 0; i < supported.size(); ++i) {
    entries[i] = supported[i];
    // Leaf 1 EBX[31:24] is the initial APIC ID: make it this vCPU's index.
    // ECX[21]: x2APIC, which the in-kernel irqchip emulates and the Sentry
    // requires (MSR access to the LAPIC, no MMIO window).
    if (supported[i].function == 1) {
      entries[i].ebx = (entries[i].ebx & 0x00ffffff) | (static_cast<uint32_t>(index_) << 24);
      entries[i].ecx |= kCpuidX2apic;
    }
  }
  // Required for XSAVE/XCR0 to work in the guest.
  if (ioctl(fd_.get(), kKvmSetCpuid2, cpuid.ioctl_argument()) != 0) {
    return absl::ErrnoToStatus(errno, "KVM_SET_CPUID2");
  }

  kvm_sregs sregs;
  if (ioctl(fd_.get(), KVM_GET_SREGS, &sregs) != 0) {
    return absl::ErrnoToStatus(errno, "KVM_GET_SREGS");
  }
  sregs.cr0 = kCr0Pe | kCr0Mp | kCr0Et | kCr0Ne | kCr0Wp | kCr0Pg;
  sregs.cr3 = entry.cr3;
  sregs.cr4 = kCr4Pae | kCr4Pge | kCr4Osfxsr | kCr4Osxmmexcpt;
  // The VMM enables XSAVE and sets XCR0 (see guest_xsave.h for why).
  uint64_t xcr0 = GuestXcr0(supported);
  if (xcr0 != 0) sregs.cr4 |= kCr4Osxsave;
  sregs.efer = kEferSce | kEferLme | kEferLma | kEferNxe;
  sregs.cs = FlatSegment(kBootCodeSelector, true);
  sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss =
      FlatSegment(kBootDataSelector, false);
  if (ioctl(fd_.get(), KVM_SET_SREGS, &sregs) != 0) {
    return absl::ErrnoToStatus(errno, "KVM_SET_SREGS");
  }
  if (xcr0 != 0) {
    kvm_xcrs xcrs = {};
    xcrs.nr_xcrs = 1;
    xcrs.xcrs[0].xcr = 0;
    xcrs.xcrs[0].value = xcr0;
    if (ioctl(fd_.get(), KVM_SET_XCRS, &xcrs) != 0) {
      return absl::ErrnoToStatus(errno, "KVM_SET_XCRS");
    }
  }

  return SetEntryRegisters(entry.rip, entry.rsp, entry.rdi);
}

absl::Status Vcpu::SetEntryRegisters(uint64_t rip, uint64_t rsp, uint64_t rdi) {
  kvm_regs regs = {};
  regs.rip = rip;
  regs.rsp = rsp;
  regs.rdi = rdi;
  regs.rflags = 0x2;  // bit 1 is reserved-one; IF clear
  if (ioctl(fd_.get(), KVM_SET_REGS, &regs) != 0) {
    return absl::ErrnoToStatus(errno, "KVM_SET_REGS");
  }
  return absl::OkStatus();
}

absl::Status Vcpu::MakeRunnable() {
  kvm_mp_state state = {KVM_MP_STATE_RUNNABLE};
  if (ioctl(fd_.get(), KVM_SET_MP_STATE, &state) != 0) {
    return absl::ErrnoToStatus(errno, "KVM_SET_MP_STATE");
  }
  return absl::OkStatus();
}

absl::Status Vcpu::Run() {
  // EINTR: a host signal interrupted the run before any guest exit. Unless
  // it was a kick (immediate_exit), simply run again.
  while (ioctl(fd_.get(), KVM_RUN, 0) != 0) {
    if (errno != EINTR) return absl::ErrnoToStatus(errno, "KVM_RUN");
    if (__atomic_load_n(&run_->immediate_exit, __ATOMIC_SEQ_CST)) {
      return absl::CancelledError("vCPU stopped");
    }
  }
  return absl::OkStatus();
}

uint64_t Vcpu::tsc_khz() const {
  int khz = ioctl(fd_.get(), KVM_GET_TSC_KHZ, 0);
  return khz > 0 ? static_cast<uint64_t>(khz) : 0;
}

absl::StatusOr<kvm_regs> Vcpu::GetRegs() const {
  kvm_regs regs;
  if (ioctl(fd_.get(), KVM_GET_REGS, &regs) != 0) {
    return absl::ErrnoToStatus(errno, "KVM_GET_REGS");
  }
  return regs;
}

absl::StatusOr<kvm_sregs> Vcpu::GetSregs() const {
  kvm_sregs sregs;
  if (ioctl(fd_.get(), KVM_GET_SREGS, &sregs) != 0) {
    return absl::ErrnoToStatus(errno, "KVM_GET_SREGS");
  }
  return sregs;
}

}  // namespace ringfence::vmm
