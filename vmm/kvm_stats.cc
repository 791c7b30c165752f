#include "vmm/kvm_stats.h"

#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/match.h"

namespace ringfence::vmm {
namespace {

// The kernel's struct kvm_stats_desc before its name[]: g++ sizes the
// header's flexible-array wrapper differently (as with kvm_cpuid2), so the
// descriptor fields are read at their kernel offsets.
struct StatsDescriptor {
  uint32_t flags;
  int16_t exponent;
  uint16_t size;
  uint32_t offset;
  uint32_t bucket_size;
};
static_assert(sizeof(StatsDescriptor) == 16);

bool ReadAt(int fd, void* out, size_t length, uint64_t offset) {
  return pread(fd, out, length, static_cast<off_t>(offset)) == static_cast<ssize_t>(length);
}

// The counters worth printing: exits of every kind, and how the vCPU
// halted and woke.
bool IsExitCounter(const std::string& name) {
  return absl::StrContains(name, "exits") || absl::StartsWith(name, "halt_wakeup") ||
         name == "irq_injections" || name == "halt_successful_poll";
}

}  // namespace

std::optional<KvmVcpuStats> KvmVcpuStats::Open(int vcpu_fd) {
  UniqueFd fd(ioctl(vcpu_fd, KVM_GET_STATS_FD, 0));
  if (fd.get() < 0) return std::nullopt;
  return KvmVcpuStats(std::move(fd));
}

std::vector<std::pair<std::string, uint64_t>> KvmVcpuStats::Read() const {
  std::vector<std::pair<std::string, uint64_t>> values;
  kvm_stats_header header;
  if (!ReadAt(fd_.get(), &header, sizeof(header), 0)) return values;
  size_t desc_size = sizeof(StatsDescriptor) + header.name_size;
  if (header.num_desc > 4096 || header.name_size > 4096) return values;  // not a stats file
  std::vector<char> descriptors(desc_size * header.num_desc);
  if (!ReadAt(fd_.get(), descriptors.data(), descriptors.size(), header.desc_offset)) {
    return values;
  }
  for (uint32_t i = 0; i < header.num_desc; ++i) {
    StatsDescriptor desc;
    std::memcpy(&desc, descriptors.data() + i * desc_size, sizeof(desc));
    if (desc.size != 1) continue;  // histograms
    const char* name = descriptors.data() + i * desc_size + sizeof(StatsDescriptor);
    uint64_t value;
    if (!ReadAt(fd_.get(), &value, sizeof(value),
                static_cast<uint64_t>(header.data_offset) + desc.offset)) {
      continue;
    }
    values.emplace_back(std::string(name, strnlen(name, header.name_size)), value);
  }
  return values;
}

void KvmVcpuStats::Print(FILE* out) const {
  for (const auto& [name, value] : Read()) {
    if (value != 0 && IsExitCounter(name)) {
      fprintf(out, "ringfence-stats: kvm.%s %llu\n", name.c_str(),
              static_cast<unsigned long long>(value));
    }
  }
}

}  // namespace ringfence::vmm
