#include "vmm/kvm_vm.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "vmm/guest_xsave.h"  // FindLeaf

namespace ringfence::vmm {
namespace {

constexpr int kKvmApiVersion = 12;
// Where KVM may put the TSS it needs for real-mode emulation on Intel; any
// unused page-aligned address outside guest memory works.
constexpr uint64_t kIdentityTssAddress = 0xfffbd000;

struct RequiredCap {
  int cap;
  const char* name;
};
constexpr RequiredCap kRequiredCaps[] = {
    {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"},
    {KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP"},
    {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"},
    {KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR"},
    {KVM_CAP_GET_TSC_KHZ, "KVM_CAP_GET_TSC_KHZ"},
};

absl::StatusOr<std::vector<kvm_cpuid_entry2>> GetSupportedCpuid(int kvm_fd) {
  // The table size is not known up front; grow until it fits (E2BIG).
  for (int entries = 128; entries <= 4096; entries *= 2) {
    KvmCpuidBuffer buffer(entries);
    if (ioctl(kvm_fd, kKvmGetSupportedCpuid, buffer.ioctl_argument()) == 0) {
      return std::vector<kvm_cpuid_entry2>(buffer.entries(),
                                           buffer.entries() + buffer.header()->nent);
    }
    if (errno != E2BIG) {
      return absl::ErrnoToStatus(errno, "KVM_GET_SUPPORTED_CPUID");
    }
  }
  return absl::InternalError("KVM_GET_SUPPORTED_CPUID: table too large");
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) close(fd_);
}

bool KvmVm::supports_steal_time() const {
  constexpr uint32_t kKvmCpuidFeatures = 0x40000001;  // KVM_CPUID_FEATURES
  constexpr uint32_t kKvmFeatureStealTime = 1u << 5;  // KVM_FEATURE_STEAL_TIME
  const kvm_cpuid_entry2* features = FindLeaf(cpuid_, kKvmCpuidFeatures);
  return features != nullptr && (features->eax & kKvmFeatureStealTime) != 0;
}

absl::StatusOr<std::unique_ptr<KvmVm>> KvmVm::Create(GuestMemory memory) {
  UniqueFd kvm(open("/dev/kvm", O_RDWR | O_CLOEXEC));
  if (kvm.get() < 0) {
    int err = errno;
    return absl::UnavailableError(absl::StrFormat(
        "cannot open /dev/kvm: %s (is KVM enabled and are you in the kvm "
        "group? Without KVM, run through tests/harness/with-kvm)",
        strerror(err)));
  }
  int version = ioctl(kvm.get(), KVM_GET_API_VERSION, 0);
  if (version != kKvmApiVersion) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "/dev/kvm speaks API version %d, Ringfence needs %d", version,
        kKvmApiVersion));
  }
  for (const RequiredCap& required : kRequiredCaps) {
    if (ioctl(kvm.get(), KVM_CHECK_EXTENSION, required.cap) <= 0) {
      return absl::FailedPreconditionError(
          absl::StrFormat("/dev/kvm lacks %s", required.name));
    }
  }
  int mmap_size = ioctl(kvm.get(), KVM_GET_VCPU_MMAP_SIZE, 0);
  if (mmap_size < static_cast<int>(sizeof(kvm_run))) {
    return absl::ErrnoToStatus(errno, "KVM_GET_VCPU_MMAP_SIZE");
  }
  auto cpuid = GetSupportedCpuid(kvm.get());
  if (!cpuid.ok()) return cpuid.status();

  UniqueFd vm(ioctl(kvm.get(), KVM_CREATE_VM, 0));
  if (vm.get() < 0) return absl::ErrnoToStatus(errno, "KVM_CREATE_VM");
  if (ioctl(vm.get(), KVM_SET_TSS_ADDR, kIdentityTssAddress) != 0) {
    return absl::ErrnoToStatus(errno, "KVM_SET_TSS_ADDR");
  }
  if (ioctl(vm.get(), KVM_CREATE_IRQCHIP, 0) != 0) {
    return absl::ErrnoToStatus(errno, "KVM_CREATE_IRQCHIP");
  }
  kvm_userspace_memory_region region = {};
  region.slot = 0;
  region.guest_phys_addr = 0;
  region.memory_size = memory.size();
  region.userspace_addr = reinterpret_cast<uint64_t>(memory.host_base());
  if (ioctl(vm.get(), KVM_SET_USER_MEMORY_REGION, &region) != 0) {
    return absl::ErrnoToStatus(errno, "KVM_SET_USER_MEMORY_REGION");
  }
  return std::unique_ptr<KvmVm>(new KvmVm(std::move(kvm), std::move(vm),
                                          std::move(memory), mmap_size,
                                          std::move(*cpuid)));
}

}  // namespace ringfence::vmm
