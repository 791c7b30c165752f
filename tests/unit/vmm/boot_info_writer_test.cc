// WriteBootInfo: the BootInfo block and the argument strings it points at.
#include "vmm/boot_info_writer.h"

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "platform_kvm/abi/boot_info.h"
#include "platform_kvm/abi/memory_layout.h"
#include "vmm/guest_memory.h"
#include "vmm/sandbox.h"

namespace ringfence::vmm {
namespace {

constexpr uint64_t kArgsRegion = abi::kBootArgsEnd - abi::kBootArgsGpa;

class BootInfoWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto memory = GuestMemory::Create(abi::kMinGuestMemory);
    ASSERT_TRUE(memory.ok()) << memory.status();
    memory_.emplace(std::move(*memory));
  }

  abi::BootInfo ReadInfo() const {
    abi::BootInfo info;
    EXPECT_TRUE(memory_->ReadObject(abi::kBootInfoGpa, &info));
    return info;
  }
  std::string ReadArgs(uint64_t length) const {
    std::string out(length, '\0');
    EXPECT_TRUE(memory_->Read(abi::kBootArgsGpa, out.data(), length));
    return out;
  }
  // Guest memory outside the argument region and the BootInfo page.
  bool OnlyExpectedRegionsWritten() const {
    const uint8_t* base = memory_->host_base();
    for (uint64_t gpa = 0; gpa < abi::kBootInfoGpa; ++gpa) {
      if (base[gpa] != 0) return false;
    }
    for (uint64_t gpa = abi::kBootInfoGpa + sizeof(abi::BootInfo); gpa < abi::kBootArgsGpa; ++gpa) {
      if (base[gpa] != 0) return false;
    }
    for (uint64_t gpa = abi::kBootArgsEnd; gpa < abi::kBootArgsEnd + 0x10000; ++gpa) {
      if (base[gpa] != 0) return false;
    }
    return true;
  }

  std::optional<GuestMemory> memory_;
};

TEST_F(BootInfoWriterTest, LaysOutExecPathArgvEnvp) {
  SandboxConfig config;
  config.exec_path = "/usr/bin/prog";
  config.argv = {"prog", "-x", "", "last arg"};
  config.envp = {"HOME=/root", "EMPTY="};
  config.uid = 1000;
  config.gid = 100;
  config.hostname = "box";

  abi::BootInfo in = {};
  in.vcpu_count = 1;
  in.memory_bytes = memory_->size();
  in.free_phys_start = 0x400000;
  in.tsc_khz = 2500000;
  in.flags = abi::kBootFlagStrace | abi::kBootFlagLog;
  in.stdio[1].is_open = 1;
  in.stdio[1].is_terminal = 1;
  for (int i = 0; i < 32; ++i) in.random_seed[i] = static_cast<uint8_t>(i * 7);
  // Fields WriteBootInfo owns are overwritten whatever the caller passed.
  in.magic = 1;
  in.version = 99;
  in.argc = 1234;
  std::memset(in.hostname, 'Z', sizeof(in.hostname));

  ASSERT_TRUE(WriteBootInfo(*memory_, config, in).ok());
  abi::BootInfo info = ReadInfo();
  EXPECT_EQ(info.magic, abi::kBootInfoMagic);
  EXPECT_EQ(info.version, abi::kBootInfoVersion);
  EXPECT_EQ(info.args_gpa, abi::kBootArgsGpa);
  EXPECT_EQ(info.argc, 4u);
  EXPECT_EQ(info.envc, 2u);
  EXPECT_EQ(info.uid, 1000u);
  EXPECT_EQ(info.gid, 100u);
  EXPECT_STREQ(info.hostname, "box");
  for (size_t i = 4; i < sizeof(info.hostname); ++i) EXPECT_EQ(info.hostname[i], 0) << i;
  // The caller's fields survive.
  EXPECT_EQ(info.vcpu_count, 1u);
  EXPECT_EQ(info.memory_bytes, memory_->size());
  EXPECT_EQ(info.free_phys_start, 0x400000u);
  EXPECT_EQ(info.tsc_khz, 2500000u);
  EXPECT_EQ(info.flags, abi::kBootFlagStrace | abi::kBootFlagLog);
  EXPECT_EQ(info.stdio[1].is_terminal, 1);
  EXPECT_EQ(std::memcmp(info.random_seed, in.random_seed, 32), 0);

  const std::string expected("/usr/bin/prog\0prog\0-x\0\0last arg\0HOME=/root\0EMPTY=\0", 50);
  EXPECT_EQ(info.args_bytes, expected.size());
  EXPECT_EQ(ReadArgs(expected.size() + 16), expected + std::string(16, '\0'));
  EXPECT_TRUE(OnlyExpectedRegionsWritten());
}

TEST_F(BootInfoWriterTest, EmptyArgvAndEnvp) {
  SandboxConfig config;
  config.exec_path = "/p";
  ASSERT_TRUE(WriteBootInfo(*memory_, config, abi::BootInfo{}).ok());
  abi::BootInfo info = ReadInfo();
  EXPECT_EQ(info.argc, 0u);
  EXPECT_EQ(info.envc, 0u);
  EXPECT_EQ(info.args_bytes, 3u);
  EXPECT_EQ(ReadArgs(3), std::string("/p\0", 3));
}

TEST_F(BootInfoWriterTest, ArgumentsThatExactlyFit) {
  SandboxConfig config;
  config.exec_path = "";                              // 1 byte
  config.argv = {std::string(kArgsRegion - 2, 'a')};  // + NUL = the rest
  ASSERT_TRUE(WriteBootInfo(*memory_, config, abi::BootInfo{}).ok());
  abi::BootInfo info = ReadInfo();
  EXPECT_EQ(info.args_bytes, kArgsRegion);
  EXPECT_TRUE(OnlyExpectedRegionsWritten());
}

TEST_F(BootInfoWriterTest, TooLargeArgumentsAreE2big) {
  std::vector<SandboxConfig> configs(5);
  configs[0].exec_path = std::string(kArgsRegion, 'p');  // NUL does not fit
  configs[1].exec_path = "";
  configs[1].argv = {std::string(kArgsRegion - 1, 'a')};
  configs[2].exec_path = "/bin/x";
  configs[2].argv = std::vector<std::string>(kArgsRegion / 4, "abc");  // 4 bytes each
  configs[3].exec_path = "/bin/x";
  configs[3].argv = {"x"};
  configs[3].envp = {std::string(kArgsRegion, 'e')};
  configs[4].exec_path = "/bin/x";
  configs[4].envp = std::vector<std::string>(kArgsRegion / 2, "e");  // 2 bytes each
  for (size_t i = 0; i < configs.size(); ++i) {
    absl::Status status = WriteBootInfo(*memory_, configs[i], abi::BootInfo{});
    ASSERT_FALSE(status.ok()) << i;
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << i;
    EXPECT_NE(status.message().find("E2BIG"), absl::string_view::npos) << status;
    // No BootInfo was published.
    EXPECT_NE(ReadInfo().magic, abi::kBootInfoMagic) << i;
    EXPECT_EQ(ReadArgs(64), std::string(64, '\0')) << "partial strings written";
    EXPECT_TRUE(OnlyExpectedRegionsWritten()) << i;
  }
}

TEST_F(BootInfoWriterTest, EmbeddedNulIsRejected) {
  // An embedded NUL would split one string into two and desynchronise
  // argc/envc from the strings the Sentry finds.
  for (int where = 0; where < 3; ++where) {
    SandboxConfig config;
    config.exec_path = "/bin/x";
    config.argv = {"x"};
    config.envp = {"A=1"};
    std::string bad("a\0b", 3);
    if (where == 0) config.exec_path = bad;
    if (where == 1) config.argv.push_back(bad);
    if (where == 2) config.envp.push_back(bad);
    absl::Status status = WriteBootInfo(*memory_, config, abi::BootInfo{});
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << where;
    EXPECT_NE(ReadInfo().magic, abi::kBootInfoMagic) << where;
  }
}

TEST_F(BootInfoWriterTest, HostnameIsTruncatedTo64Characters) {
  struct Case {
    std::string hostname, expected;
  };
  const Case cases[] = {
      {"", ""},
      {std::string(63, 'h'), std::string(63, 'h')},
      {std::string(64, 'h'), std::string(64, 'h')},
      {std::string(65, 'h'), std::string(64, 'h')},
      {std::string(64, 'a') + "overflow", std::string(64, 'a')},
      {std::string(10000, 'x'), std::string(64, 'x')},
  };
  for (const Case& c : cases) {
    SandboxConfig config;
    config.exec_path = "/bin/x";
    config.hostname = c.hostname;
    ASSERT_TRUE(WriteBootInfo(*memory_, config, abi::BootInfo{}).ok());
    abi::BootInfo info = ReadInfo();
    EXPECT_EQ(info.hostname[64], '\0');
    EXPECT_EQ(std::string(info.hostname), c.expected);
    for (size_t i = c.expected.size(); i < sizeof(info.hostname); ++i) {
      EXPECT_EQ(info.hostname[i], '\0');
    }
    for (uint8_t byte : info.reserved) EXPECT_EQ(byte, 0);
  }
}

}  // namespace
}  // namespace ringfence::vmm
