// sysfs through the portable VFS API.
#include "kernel/fs/sysfs/sysfs.h"

#include <gtest/gtest.h>

#include "tests/unit/kernel/vfs_test_fixture.h"

namespace sentry::vfs::testing {
namespace {

class SysfsTest : public VfsTest {
 protected:
  void Mount(uint32_t cpus) {
    sysfs::Options options;
    options.cpu_count = cpus;
    auto sys = sysfs::Create(options);
    ASSERT_TRUE(sys.ok());
    ASSERT_EQ(Mkdir("/sys"), ktl::Errno{0});
    ASSERT_TRUE(vfs_.Mount(AsRoot(), "/sys", std::move(sys).value(), kMountReadOnly).ok());
  }
};

TEST_F(SysfsTest, CpuRangesCoverEveryVcpu) {
  Mount(4);
  for (const char* file : {"online", "possible", "present"}) {
    std::string path = std::string("/sys/devices/system/cpu/") + file;
    EXPECT_EQ(ReadFile(path.c_str()), "0-3\n") << path;
  }
  std::vector<std::string> names = List("/sys/devices/system/cpu");
  for (const char* cpu : {"cpu0", "cpu1", "cpu2", "cpu3"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), cpu), names.end()) << cpu;
  }
  EXPECT_EQ(std::find(names.begin(), names.end(), "cpu4"), names.end());
  // st_nlink counts the subdirectories.
  EXPECT_EQ(StatOf("/sys/devices/system/cpu").nlink, 2u + 4u);
}

TEST_F(SysfsTest, OneCpuIsASingleNumber) {
  Mount(1);
  EXPECT_EQ(ReadFile("/sys/devices/system/cpu/online"), "0\n");
}

TEST_F(SysfsTest, TransparentHugepagesAreOff) {
  Mount(2);
  EXPECT_EQ(ReadFile("/sys/kernel/mm/transparent_hugepage/enabled"), "always madvise [never]\n");
  EXPECT_EQ(StatOf("/sys/fs/cgroup").mode, kS_IFDIR | 0755);
  EXPECT_EQ(List("/sys/fs/cgroup").size(), 2u);  // "." and ".."
}

TEST_F(SysfsTest, IsReadOnly) {
  Mount(2);
  EXPECT_EQ(Mkdir("/sys/x"), ktl::Errno::kEROFS);
  EXPECT_EQ(ErrorOf(vfs_.Open(AsRoot(), "/sys/devices/system/cpu/online", kO_WRONLY, 0)),
            ktl::Errno::kEROFS);
  EXPECT_EQ(sysfs::Create(sysfs::Options{{}, 0}).error(), ktl::Errno::kEINVAL);
}

}  // namespace
}  // namespace sentry::vfs::testing
