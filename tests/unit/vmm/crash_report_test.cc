#include "vmm/crash_report.h"

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ringfence::vmm {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n');
}

// The line of `report` containing `needle`, or "".
std::string LineWith(const std::string& report, const std::string& needle) {
  for (const std::string& line : Lines(report)) {
    if (line.find(needle) != std::string::npos) return line;
  }
  return "";
}

CrashInfo NopHltUd2(uint64_t rip_offset) {
  CrashInfo info;
  info.code_address = 0xffffffff80201000;
  info.code_bytes = {0x90, 0xf4, 0x0f, 0x0b};  // nop; hlt; ud2
  info.regs.rip = info.code_address + rip_offset;
  info.regs.rax = 0x1122334455667788;
  info.regs.r15 = 0xdead;
  info.regs.rflags = 0x246;  // PF ZF IF
  return info;
}

TEST(CrashReportTest, DisassemblesAndMarksRip) {
  std::string report = FormatCrashReport("triple fault (KVM_EXIT_SHUTDOWN)", NopHltUd2(1));
  EXPECT_THAT(report,
              HasSubstr("guest crashed: triple fault (KVM_EXIT_SHUTDOWN)"));
  std::string nop = LineWith(report, "nop");
  std::string hlt = LineWith(report, "hlt");
  std::string ud2 = LineWith(report, "ud2");
  EXPECT_THAT(nop, HasSubstr("0xffffffff80201000: 90 "));
  EXPECT_THAT(nop, Not(HasSubstr("=>")));
  EXPECT_THAT(hlt, HasSubstr("=> 0xffffffff80201001: f4 "));
  EXPECT_THAT(ud2, HasSubstr("0xffffffff80201002: 0f 0b "));
  EXPECT_THAT(ud2, Not(HasSubstr("=>")));
}

TEST(CrashReportTest, RegisterLines) {
  std::string report = FormatCrashReport("test", NopHltUd2(0));
  EXPECT_THAT(report, HasSubstr("rip 0xffffffff80201000"));
  EXPECT_THAT(report, HasSubstr("rax 0x1122334455667788"));
  EXPECT_THAT(report, HasSubstr("r15 0x000000000000dead"));
  EXPECT_THAT(report, HasSubstr("[PF ZF IF]"));
  EXPECT_THAT(report, Not(HasSubstr("special registers")));
}

TEST(CrashReportTest, SpecialRegistersAndException) {
  CrashInfo info = NopHltUd2(2);
  struct kvm_sregs sregs = {};
  sregs.cr0 = 0x80050033;
  sregs.cr2 = 0x1000;
  sregs.cr3 = 0x2000;
  sregs.cr4 = 0x3006a0;
  sregs.efer = 0xd01;
  sregs.cs.selector = 0x8;
  sregs.ss.selector = 0x10;
  info.sregs = sregs;
  info.exception = CrashException{.vector = 14, .error_code = 2, .cr2 = 0x1000};
  std::string report = FormatCrashReport("test", info);
  EXPECT_THAT(report, HasSubstr("cr0 0x0000000080050033"));
  EXPECT_THAT(report, HasSubstr("cr3 0x0000000000002000"));
  EXPECT_THAT(report, HasSubstr("efer 0x0000000000000d01"));
  EXPECT_THAT(report, HasSubstr("cs 0x0008 (ring 0)  ss 0x0010"));
  EXPECT_THAT(report, HasSubstr("#PF (vector 14) error code 0x2 cr2 0x1000"));
  EXPECT_THAT(LineWith(report, "ud2"), HasSubstr("=>"));
}

TEST(CrashReportTest, EmptyCodeBytes) {
  CrashInfo info;
  info.regs.rip = 0x1234;
  std::string report = FormatCrashReport("Sentry panic: out of memory", info);
  EXPECT_THAT(report, HasSubstr("Sentry panic: out of memory"));
  EXPECT_THAT(report, HasSubstr("code: unavailable (rip 0x1234 not readable)"));
  EXPECT_THAT(report, Not(HasSubstr("=>")));
}

TEST(CrashReportTest, GarbageBytesStillListEveryByte) {
  CrashInfo info;
  info.code_address = 0x1000;
  // 0x06 (push es) and 0xd6 are invalid in 64-bit mode; 0x0f 0xff is UD0
  // or bad; a lone prefix at the end is truncated.
  info.code_bytes = {0x06, 0x06, 0xd6, 0x0f, 0xff, 0x66};
  info.regs.rip = 0x1002;
  std::string report = FormatCrashReport("test", info);
  EXPECT_THAT(report, HasSubstr("(bad)"));
  EXPECT_THAT(LineWith(report, "=>"), HasSubstr("0x0000000000001002: d6"));
  EXPECT_THAT(report, HasSubstr("0x0000000000001005: 66"));
}

TEST(CrashReportTest, RipOutsideCodeBytes) {
  CrashInfo info = NopHltUd2(0);
  info.regs.rip = 0x5000;
  std::string report = FormatCrashReport("test", info);
  EXPECT_THAT(report, HasSubstr("(rip 0x5000 is outside these bytes)"));
  EXPECT_THAT(report, Not(HasSubstr("=>")));
}

TEST(CrashReportTest, ResynchronisesOnRipWhenContextStartsMidInstruction) {
  CrashInfo info;
  info.code_address = 0x2000;
  // The first byte is the tail of some earlier instruction: decoding from 0
  // gives "movabs $..., %rax" swallowing RIP. RIP is at offset 1: hlt.
  // 0x48 0xb8 imm64 would swallow; use b8 (mov imm32) starting at offset 0.
  info.code_bytes = {0xb8, 0xf4, 0x90, 0x90, 0x90, 0xc3};
  info.regs.rip = 0x2001;
  std::string report = FormatCrashReport("test", info);
  EXPECT_THAT(report, HasSubstr("(no instruction boundary)"));
  EXPECT_THAT(LineWith(report, "=>"), HasSubstr("0x0000000000002001: f4"));
  EXPECT_THAT(LineWith(report, "=>"), HasSubstr("hlt"));
}

TEST(CrashReportTest, RandomBytesNeverCrash) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200; ++i) {
    CrashInfo info;
    info.code_address = rng();
    info.code_bytes.resize(rng() % 65);
    for (auto& b : info.code_bytes) b = static_cast<uint8_t>(rng());
    info.regs.rip = info.code_address + rng() % 70;
    std::string report = FormatCrashReport("test", info);
    EXPECT_FALSE(report.empty());
  }
}

TEST(CrashReportTest, PanicRegistersConversion) {
  abi::PanicRegisters panic = {};
  panic.rip = 0xffffffff80200000;
  panic.rsp = 0x1000;
  panic.r11 = 11;
  panic.rflags = 0x2;
  struct kvm_regs regs = KvmRegsFromPanicRegisters(panic);
  EXPECT_EQ(regs.rip, panic.rip);
  EXPECT_EQ(regs.rsp, panic.rsp);
  EXPECT_EQ(regs.r11, 11u);
  EXPECT_EQ(regs.rflags, 2u);
}

// Guest memory with one mapped code page, to exercise CollectCodeBytes.
class CollectCodeBytesTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kPml4 = 0x1000;
  static constexpr uint64_t kCodeGpa = 0x5000;
  static constexpr uint64_t kCodeGva = 0x400000;

  CollectCodeBytesTest() : memory_(1 << 20) {
    Set(kPml4, 0x2000 | 1);
    Set(0x2000, 0x3000 | 1);
    Set(0x3000 + 2 * 8, 0x4000 | 1);  // PD index 2 = 0x400000
    Set(0x4000, kCodeGpa | 1);        // only 0x400000..0x400fff is mapped
    for (int i = 0; i < 4096; ++i) memory_[kCodeGpa + i] = i & 0xff;
  }
  void Set(uint64_t gpa, uint64_t value) {
    std::memcpy(memory_.data() + gpa, &value, 8);
  }
  CodeBytes Collect(uint64_t rip) {
    return CollectCodeBytes(rip, kPml4,
                            [this](uint64_t gpa, void* out, size_t len) {
                              return ReadGuestPhysical(memory_, gpa, out, len);
                            });
  }
  std::vector<uint8_t> memory_;
};

TEST_F(CollectCodeBytesTest, IncludesContextBeforeRip) {
  CodeBytes code = Collect(kCodeGva + 0x100);
  EXPECT_EQ(code.address, kCodeGva + 0x100 - kCrashCodeBytesBeforeRip);
  ASSERT_EQ(code.bytes.size(), kCrashCodeBytes);
  EXPECT_EQ(code.bytes[kCrashCodeBytesBeforeRip], 0x00);
  EXPECT_EQ(code.bytes[0], 0xf0);
}

TEST_F(CollectCodeBytesTest, StartsAtRipWhenPreviousPageUnmapped) {
  CodeBytes code = Collect(kCodeGva + 4);
  EXPECT_EQ(code.address, kCodeGva + 4);
  EXPECT_EQ(code.bytes.size(), kCrashCodeBytes - kCrashCodeBytesBeforeRip);
  EXPECT_EQ(code.bytes[0], 4);
}

TEST_F(CollectCodeBytesTest, StopsAtUnmappedPage) {
  CodeBytes code = Collect(kCodeGva + 4096 - 8);
  EXPECT_EQ(code.address, kCodeGva + 4096 - 8 - kCrashCodeBytesBeforeRip);
  EXPECT_EQ(code.bytes.size(), kCrashCodeBytesBeforeRip + 8);
}

TEST_F(CollectCodeBytesTest, UnmappedRipGivesNoBytes) {
  EXPECT_TRUE(Collect(0x900000).bytes.empty());
  EXPECT_TRUE(Collect(0x5).bytes.empty());
}

// The same page as a stack: words inside the code range are kept in stack
// order, others dropped, and the scan stops at the unmapped page after it.
TEST_F(CollectCodeBytesTest, StackCodeAddressesKeepOnlyCodeWordsInOrder) {
  constexpr uint64_t kCodeStart = 0xffffffff80200000, kCodeEnd = 0xffffffff80300000;
  const uint64_t words[] = {7, kCodeStart + 0x10, kCodeEnd, kCodeStart - 1, kCodeEnd - 1,
                            kCodeStart};
  for (size_t i = 0; i < std::size(words); ++i) Set(kCodeGpa + 4096 - 48 + 8 * i, words[i]);
  auto read = [this](uint64_t gpa, void* out, size_t len) {
    return ReadGuestPhysical(memory_, gpa, out, len);
  };
  EXPECT_EQ(CollectStackCodeAddresses(kCodeGva + 4096 - 48, kPml4, read, kCodeStart, kCodeEnd),
            (std::vector<uint64_t>{kCodeStart + 0x10, kCodeEnd - 1, kCodeStart}));
  EXPECT_TRUE(CollectStackCodeAddresses(0x900000, kPml4, read, kCodeStart, kCodeEnd).empty());
}

TEST(CrashReportTest, StateDumpNamesTheVcpuAndListsStackAddresses) {
  CrashInfo info = NopHltUd2(1);
  info.stack_code_addresses = {0xffffffff80201234, 0xffffffff80205678};
  std::string dump = FormatStateDump(3, info);
  EXPECT_THAT(Lines(dump)[0], HasSubstr("state of vCPU 3"));
  EXPECT_THAT(dump, Not(HasSubstr("crashed")));
  EXPECT_THAT(dump, HasSubstr("=> 0xffffffff80201001: f4 "));
  EXPECT_THAT(dump, HasSubstr(" 0xffffffff80201234 0xffffffff80205678\n"));
  EXPECT_THAT(FormatCrashReport("test", info), HasSubstr(" 0xffffffff80201234 0xffffffff80205678\n"));
}

}  // namespace
}  // namespace ringfence::vmm
