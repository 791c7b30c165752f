#include "kernel/loader/exec_arguments.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "kernel/abi/linux.h"
#include "kernel/loader/initial_stack.h"

namespace sentry::loader {
namespace {

std::string Joined(const std::vector<std::string>& strings) {
  std::string out;
  for (const std::string& s : strings) out.append(s).push_back('\0');
  return out;
}

ExecArguments Make(const std::vector<std::string>& argv, const std::vector<std::string>& envp) {
  std::string blob = Joined(argv) + Joined(envp);
  auto arguments = ExecArguments::Copy({blob.data(), blob.size()},
                                       static_cast<uint32_t>(argv.size()),
                                       static_cast<uint32_t>(envp.size()));
  EXPECT_TRUE(arguments.ok());
  return std::move(arguments).value();
}

std::vector<std::string> Split(std::span<const char> bytes) {
  std::vector<std::string> out;
  for (size_t at = 0; at < bytes.size();) {
    out.emplace_back(bytes.data() + at);
    at += out.back().size() + 1;
  }
  return out;
}

TEST(ExecArgumentsTest, CopyAndGetenv) {
  ExecArguments a = Make({"prog", "x"}, {"HOME=/root", "PATH=/sbin:/bin", "PATHX=no"});
  EXPECT_EQ(a.argc(), 2u);
  EXPECT_EQ(a.envc(), 3u);
  EXPECT_EQ(a.argv_bytes(), 7u);
  EXPECT_EQ(std::string(a.argv0().data(), a.argv0().size()), "prog");
  auto path = a.Getenv("PATH");
  ASSERT_TRUE(path);
  EXPECT_EQ(std::string(path->data(), path->size()), "/sbin:/bin");
  EXPECT_FALSE(a.Getenv("PAT"));
  EXPECT_FALSE(a.Getenv("prog"));  // argv is not the environment
}

TEST(ExecArgumentsTest, CopyRefusesMissingStrings) {
  std::string blob = Joined({"a", "b"});
  EXPECT_EQ(ExecArguments::Copy({blob.data(), blob.size()}, 2, 1).error(), ktl::Errno::kEINVAL);
  std::string unterminated = "abc";
  EXPECT_EQ(ExecArguments::Copy({unterminated.data(), 3}, 1, 0).error(), ktl::Errno::kEINVAL);
}

TEST(ExecArgumentsTest, PrependInterpreterReplacesArgv0) {
  ExecArguments a = Make({"script", "one", "two"}, {"E=1"});
  ASSERT_TRUE(a.PrependInterpreter("/bin/sh", std::nullopt, "./script").ok());
  EXPECT_EQ(Split(a.strings()),
            (std::vector<std::string>{"/bin/sh", "./script", "one", "two", "E=1"}));
  EXPECT_EQ(a.argc(), 4u);
  EXPECT_EQ(a.envc(), 1u);
  ASSERT_TRUE(a.PrependInterpreter("/usr/bin/env", "python3 -u", "/bin/sh").ok());
  EXPECT_EQ(Split(a.strings()), (std::vector<std::string>{"/usr/bin/env", "python3 -u", "/bin/sh",
                                                          "./script", "one", "two", "E=1"}));
  EXPECT_EQ(a.argc(), 6u);
  EXPECT_EQ(a.argv_bytes(), Joined({"/usr/bin/env", "python3 -u", "/bin/sh", "./script", "one",
                                    "two"}).size());
}

TEST(ExecArgumentsTest, PrependInterpreterWithEmptyArgv) {
  ExecArguments a = Make({}, {"E=1"});
  ASSERT_TRUE(a.PrependInterpreter("/bin/sh", std::nullopt, "/s").ok());
  EXPECT_EQ(Split(a.strings()), (std::vector<std::string>{"/bin/sh", "/s", "E=1"}));
  EXPECT_EQ(a.argc(), 2u);
}

// --- the initial stack ---------------------------------------------------

struct Decoded {
  uint64_t argc = 0;
  std::vector<std::string> argv, envp;
  std::vector<std::pair<uint64_t, uint64_t>> auxv;
};

class InitialStackTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kTop = 0x7fff00000000;

  uint64_t Word(const StackImage& image, uint64_t address) {
    uint64_t value;
    std::memcpy(&value, image.bytes.data() + (address - image.stack_pointer), 8);
    return value;
  }
  std::string String(const StackImage& image, uint64_t address) {
    return std::string(
        reinterpret_cast<const char*>(image.bytes.data() + (address - image.stack_pointer)));
  }
  Decoded Decode(const StackImage& image) {
    Decoded d;
    uint64_t at = image.stack_pointer;
    d.argc = Word(image, at);
    at += 8;
    for (uint64_t p; (p = Word(image, at)) != 0; at += 8) d.argv.push_back(String(image, p));
    at += 8;
    for (uint64_t p; (p = Word(image, at)) != 0; at += 8) d.envp.push_back(String(image, p));
    at += 8;
    for (;; at += 16) {
      d.auxv.emplace_back(Word(image, at), Word(image, at + 8));
      if (d.auxv.back().first == linux_abi::kAtNull) break;
    }
    return d;
  }
  uint64_t Aux(const Decoded& d, uint64_t type) {
    for (auto [t, v] : d.auxv) {
      if (t == type) return v;
    }
    ADD_FAILURE() << "no auxv entry " << type;
    return 0;
  }
  StackRequest Request(const ExecArguments& arguments) {
    StackRequest request;
    request.top = kTop;
    request.arguments = &arguments;
    request.execfn = "/usr/bin/prog";
    request.platform = "x86_64";
    request.random = random_;
    request.auxv = auxv_;
    return request;
  }

  uint8_t random_[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  AuxEntry auxv_[4] = {{linux_abi::kAtPagesz, 4096},
                       {linux_abi::kAtExecfn, 0},
                       {linux_abi::kAtRandom, 0},
                       {linux_abi::kAtPlatform, 0}};
};

TEST_F(InitialStackTest, LayoutAsLinux) {
  for (int envc = 0; envc < 3; ++envc) {
    SCOPED_TRACE(envc);
    std::vector<std::string> envp;
    for (int i = 0; i < envc; ++i) envp.push_back("V" + std::to_string(i) + "=x");
    ExecArguments arguments = Make({"prog", "arg one", ""}, envp);
    auto built = BuildStackImage(Request(arguments));
    ASSERT_TRUE(built.ok());
    const StackImage& image = built.value();
    EXPECT_EQ(image.stack_pointer % 16, 0u);
    EXPECT_EQ(image.stack_pointer + image.bytes.size(), kTop);
    Decoded d = Decode(image);
    EXPECT_EQ(d.argc, 3u);
    EXPECT_EQ(d.argv, (std::vector<std::string>{"prog", "arg one", ""}));
    EXPECT_EQ(d.envp, envp);
    EXPECT_EQ(Aux(d, linux_abi::kAtPagesz), 4096u);
    EXPECT_EQ(String(image, Aux(d, linux_abi::kAtExecfn)), "/usr/bin/prog");
    EXPECT_EQ(String(image, Aux(d, linux_abi::kAtPlatform)), "x86_64");
    uint64_t random_at = Aux(d, linux_abi::kAtRandom);
    EXPECT_EQ(std::memcmp(image.bytes.data() + (random_at - image.stack_pointer), random_, 16), 0);
    EXPECT_EQ(d.auxv.size(), 5u);  // the four plus AT_NULL
    // The strings run upwards contiguously: argv's, then envp's, then the
    // filename, then the zero word at the top.
    EXPECT_EQ(image.arg_end - image.arg_start, Joined({"prog", "arg one", ""}).size());
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(image.bytes.data()) +
                              (image.arg_start - image.stack_pointer),
                          image.arg_end - image.arg_start),
              Joined({"prog", "arg one", ""}));
    EXPECT_EQ(image.env_start, image.arg_end);
    EXPECT_EQ(image.env_end - image.env_start, Joined(envp).size());
    EXPECT_EQ(Aux(d, linux_abi::kAtExecfn), image.env_end);
    EXPECT_EQ(Word(image, kTop - 8), 0u);
  }
}

TEST_F(InitialStackTest, TooLongStringIsE2big) {
  ExecArguments arguments = Make({"prog", std::string(kMaxArgStringBytes, 'a')}, {});
  EXPECT_EQ(BuildStackImage(Request(arguments)).error(), ktl::Errno::kE2BIG);
  ExecArguments fits = Make({"prog", std::string(kMaxArgStringBytes - 1, 'a')}, {});
  EXPECT_TRUE(BuildStackImage(Request(fits)).ok());
}

TEST_F(InitialStackTest, TotalBoundedByAQuarterOfTheStackLimit) {
  std::vector<std::string> argv(40, std::string(100 * 1024, 'z'));  // 4 MiB
  ExecArguments arguments = Make(argv, {});
  StackRequest request = Request(arguments);
  request.stack_limit = 8ull << 20;  // room: 2 MiB
  EXPECT_EQ(BuildStackImage(request).error(), ktl::Errno::kE2BIG);
  request.stack_limit = 32ull << 20;  // room: 6 MiB (the cap)
  EXPECT_TRUE(BuildStackImage(request).ok());
  request.stack_limit = 1ull << 62;  // the cap still holds
  ExecArguments huge = Make(std::vector<std::string>(70, std::string(100 * 1024, 'z')), {});
  request.arguments = &huge;
  EXPECT_EQ(BuildStackImage(request).error(), ktl::Errno::kE2BIG);
}

TEST(ArgumentLimitsTest, ExecChecksWhatTheStackBuilderWouldRefuse) {
  // What execve checks before its point of no return: the same limits.
  EXPECT_EQ(ArgumentSpace(8ull << 20), 2ull << 20);
  EXPECT_EQ(ArgumentSpace(64 * 1024), kMinArgSpace);
  EXPECT_EQ(ArgumentSpace(1ull << 62), kMaxArgSpace);
  ExecArguments small = Make({"prog", "x"}, {"A=1"});
  EXPECT_TRUE(CheckArgumentLimits(small, "/bin/prog", 8ull << 20).ok());
  ExecArguments big = Make(std::vector<std::string>(21, std::string(100 * 1024, 'z')), {});
  EXPECT_EQ(CheckArgumentLimits(big, "/bin/prog", 8ull << 20).error(), ktl::Errno::kE2BIG);
  EXPECT_TRUE(CheckArgumentLimits(big, "/bin/prog", 16ull << 20).ok());
  // The exec filename counts too.
  EXPECT_EQ(CheckArgumentLimits(small, std::string(kMaxArgStringBytes, 'f').c_str(), 8ull << 20)
                .error(),
            ktl::Errno::kE2BIG);
}

}  // namespace
}  // namespace sentry::loader
