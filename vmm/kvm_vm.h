// /dev/kvm and one VM: capability checks, irqchip, guest memory slot.
#ifndef RINGFENCE_VMM_KVM_VM_H_
#define RINGFENCE_VMM_KVM_VM_H_

#include <linux/kvm.h>

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "vmm/guest_memory.h"

namespace ringfence::vmm {

// g++ lays `struct kvm_cpuid2` (a header plus a flexible array declared
// through an empty struct) out with its entries at offset 12, not the
// kernel's 8: both its size in the ioctl numbers and `->entries` are wrong
// in C++. These use the kernel's 8-byte header, and KvmCpuidBuffer places
// the entries right after it.
struct KvmCpuidHeader {
  uint32_t nent;
  uint32_t padding;
};
inline constexpr unsigned long kKvmGetSupportedCpuid = _IOWR(KVMIO, 0x05, KvmCpuidHeader);
inline constexpr unsigned long kKvmSetCpuid2 = _IOW(KVMIO, 0x90, KvmCpuidHeader);

// A kvm_cpuid2 argument with room for `capacity` entries.
class KvmCpuidBuffer {
 public:
  explicit KvmCpuidBuffer(size_t capacity)
      : bytes_(sizeof(KvmCpuidHeader) + capacity * sizeof(kvm_cpuid_entry2)) {
    header()->nent = static_cast<uint32_t>(capacity);
  }
  KvmCpuidHeader* header() { return reinterpret_cast<KvmCpuidHeader*>(bytes_.data()); }
  kvm_cpuid_entry2* entries() {
    return reinterpret_cast<kvm_cpuid_entry2*>(bytes_.data() + sizeof(KvmCpuidHeader));
  }
  void* ioctl_argument() { return bytes_.data(); }

 private:
  std::vector<uint8_t> bytes_;  // operator new's alignment suits both parts
};

// An owned file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  ~UniqueFd();
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

class KvmVm {
 public:
  // Opens /dev/kvm, checks the API version and the capabilities Ringfence
  // needs, creates a VM with an in-kernel irqchip and maps `memory` as its
  // only memory slot. Errors name the missing piece in one line.
  static absl::StatusOr<std::unique_ptr<KvmVm>> Create(GuestMemory memory);

  int kvm_fd() const { return kvm_.get(); }
  int vm_fd() const { return vm_.get(); }
  const GuestMemory& memory() const { return memory_; }
  int vcpu_mmap_size() const { return vcpu_mmap_size_; }
  // The CPUID table every vCPU gets (KVM_GET_SUPPORTED_CPUID).
  const std::vector<kvm_cpuid_entry2>& supported_cpuid() const {
    return cpuid_;
  }
  // Whether KVM reports steal time to the guest (KVM_FEATURE_STEAL_TIME in
  // its paravirtual CPUID leaf; KVM offers it where the host scheduler
  // keeps run-queue delays).
  bool supports_steal_time() const;

 private:
  KvmVm(UniqueFd kvm, UniqueFd vm, GuestMemory memory, int vcpu_mmap_size,
        std::vector<kvm_cpuid_entry2> cpuid)
      : kvm_(std::move(kvm)), vm_(std::move(vm)), memory_(std::move(memory)),
        vcpu_mmap_size_(vcpu_mmap_size), cpuid_(std::move(cpuid)) {}

  UniqueFd kvm_;
  UniqueFd vm_;
  GuestMemory memory_;
  int vcpu_mmap_size_;
  std::vector<kvm_cpuid_entry2> cpuid_;
};

}  // namespace ringfence::vmm

#endif  // RINGFENCE_VMM_KVM_VM_H_
