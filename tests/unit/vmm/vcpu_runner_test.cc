// VcpuRunner's checks of the guest's kStartCpu requests (no /dev/kvm: the
// vCPUs are never created or run).
#include "vmm/vcpu_runner.h"

#include <cerrno>
#include <cstdint>

#include "gtest/gtest.h"

namespace ringfence::vmm {
namespace {

TEST(VcpuRunnerTest, StartCpuChecksTheIndexAndStartsEachOnce) {
  std::vector<std::unique_ptr<Vcpu>> vcpus(3);  // no threads spawned: never touched
  VcpuRunner runner(vcpus, [](Vcpu&) { return 0; });
  EXPECT_EQ(runner.StartCpu(0, 0x1000, 0x2000), -EINVAL);  // the boot vCPU runs already
  EXPECT_EQ(runner.StartCpu(3, 0x1000, 0x2000), -EINVAL);
  EXPECT_EQ(runner.StartCpu(UINT64_MAX, 0x1000, 0x2000), -EINVAL);
  EXPECT_EQ(runner.StartCpu(1ull << 32 | 1, 0x1000, 0x2000), -EINVAL);
  EXPECT_EQ(runner.StartCpu(1, 0x1000, 0x2000), 0);
  EXPECT_EQ(runner.StartCpu(1, 0x1000, 0x2000), -EBUSY);
  EXPECT_EQ(runner.StartCpu(2, 0, 0), 0);
  EXPECT_FALSE(runner.stopping());
}

}  // namespace
}  // namespace ringfence::vmm
