// End-to-end tests of `ringfence do`: every test program in tests/programs,
// in its -static and -static-pie forms, plus busybox, crashes, malformed
// ELFs, --strace and --stats.
//
// With RINGFENCE_TEST_NATIVE=1 the programs run directly on Linux, which
// validates every expectation here against the real kernel; assertions that
// only make sense inside the sandbox (pid 1, --stats, --strace, ringfence's
// own error messages) are skipped then.
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/sandbox_runner.h"
#include "tests/integration/test_programs.h"

namespace ringfence::testing {
namespace {

bool Native() { return SandboxRun::Native(); }

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// The first line of a string.
std::string FirstLine(const std::string& s) { return s.substr(0, s.find('\n')); }

// Path of a test program; variant is "" (static) or "_pie" (static-pie).
// Expects a self-checking program's clean success: exit 0, no FAIL line,
// every check line "ok ...", and the "<name> done" trailer.
void ExpectSelfCheckPassed(const RunResult& r, const std::string& name) {
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_FALSE(r.timed_out) << r.Describe();
  EXPECT_FALSE(Contains(r.out, "FAIL")) << r.Describe();
  EXPECT_TRUE(Contains(r.out, name + " done\n")) << r.Describe();
}

int CountLinesStartingWith(const std::string& s, const std::string& prefix) {
  int n = 0;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t end = s.find('\n', pos);
    if (end == std::string::npos) end = s.size();
    if (s.compare(pos, prefix.size(), prefix) == 0) n++;
    pos = end + 1;
  }
  return n;
}

TEST(SandboxSetupTest, RingfenceBinaryExists) {
  if (Native()) GTEST_SKIP() << "native mode";
  EXPECT_EQ(access(SandboxRun::RingfenceBinary().c_str(), X_OK), 0)
      << SandboxRun::RingfenceBinary() << ": " << strerror(errno);
}

// ---------------------------------------------------------------------------
// Every program, both link modes.

class ProgramTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::string P(const std::string& name) const { return TestProgram(name, GetParam()); }
  void SetUp() override {
    ASSERT_EQ(access(P("hello").c_str(), X_OK), 0) << "missing test program " << P("hello");
  }
};

TEST_P(ProgramTest, Hello) {
  RunResult r = SandboxRun(P("hello")).Run();
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_EQ(r.out, "hello, world\n") << r.Describe();
  if (!Native()) {
    EXPECT_EQ(r.err, "") << r.Describe();
  }
}

TEST_P(ProgramTest, Io) {
  RunResult r = SandboxRun(P("io")).Stdin("some input\nsecond line\n").Run();
  ExpectSelfCheckPassed(r, "io");
  EXPECT_EQ(r.out.rfind("hello\nok write_returns_count\n", 0), 0u) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "\nwritev\nok writev_returns_total\n")) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "stdin 23 some input\nsecond line\nok echo_stdin\n"))
      << r.Describe();
  EXPECT_GE(CountLinesStartingWith(r.out, "ok "), 39) << r.Describe();
}

TEST_P(ProgramTest, IoEmptyStdin) {
  RunResult r = SandboxRun(P("io")).Run();
  ExpectSelfCheckPassed(r, "io");
  EXPECT_TRUE(Contains(r.out, "stdin 0 ok echo_stdin\n")) << r.Describe();
}

TEST_P(ProgramTest, IoLargeStdin) {
  std::string in;
  for (int i = 0; i < 60000; i++) in.push_back((char)('A' + i % 23));
  RunResult r = SandboxRun(P("io")).Stdin(in).Run();
  ExpectSelfCheckPassed(r, "io");
  EXPECT_TRUE(Contains(r.out, "stdin 60000 " + in + "ok echo_stdin\n")) << r.Describe();
}

TEST_P(ProgramTest, IoBigOutput) {
  const long n = 4 << 20;
  RunResult r = SandboxRun(P("io"), {"big", std::to_string(n)}).Run();
  EXPECT_EQ(r.status, 0) << r.Describe();
  ASSERT_EQ(r.out.size(), (size_t)n) << r.Describe();
  bool pattern_ok = true;
  for (long i = 0; i < n && pattern_ok; i++) pattern_ok = r.out[i] == 'a' + i % 26;
  EXPECT_TRUE(pattern_ok) << "output bytes differ from the pattern";
}

TEST_P(ProgramTest, Memory) {
  RunResult r = SandboxRun(P("memory")).Run();
  ExpectSelfCheckPassed(r, "memory");
  EXPECT_GE(CountLinesStartingWith(r.out, "ok "), 100) << r.Describe();
}

TEST_P(ProgramTest, MemoryWithMemoryFlag) {
  RunResult r = SandboxRun(P("memory")).Flag("--memory=512M").Run();
  ExpectSelfCheckPassed(r, "memory");
}

TEST_P(ProgramTest, MemoryFaultsKillWithSigsegv) {
  for (const char* mode : {"mprotect_write", "prot_none_read", "munmap_touch", "brk_touch"}) {
    SCOPED_TRACE(mode);
    RunResult r = SandboxRun(P("memory"), {mode}).Run();
    EXPECT_EQ(r.status, 128 + SIGSEGV) << r.Describe();
    EXPECT_EQ(r.out, "about to fault\n") << r.Describe();
  }
}

TEST_P(ProgramTest, Identity) {
  RunResult r = SandboxRun(P("identity")).Run();
  ExpectSelfCheckPassed(r, "identity");
  EXPECT_EQ(r.Field("uid"), std::to_string(getuid())) << r.Describe();
  EXPECT_EQ(r.Field("euid"), std::to_string(geteuid())) << r.Describe();
  EXPECT_EQ(r.Field("gid"), std::to_string(getgid())) << r.Describe();
  EXPECT_EQ(r.Field("egid"), std::to_string(getegid())) << r.Describe();
  if (Native()) {
    EXPECT_EQ(r.Field("pid"), std::to_string(r.pid)) << r.Describe();
    EXPECT_EQ(r.Field("ppid"), std::to_string(getpid())) << r.Describe();
  } else {
    // The sandboxed program is its container's init.
    EXPECT_EQ(r.Field("pid"), "1") << r.Describe();
    EXPECT_EQ(r.Field("tid"), "1") << r.Describe();
    EXPECT_EQ(r.Field("ppid"), "0") << r.Describe();
  }
}

TEST_P(ProgramTest, Uname) {
  RunResult r = SandboxRun(P("uname")).Run();
  ExpectSelfCheckPassed(r, "uname");
  EXPECT_EQ(r.Field("sysname"), "Linux") << r.Describe();
  EXPECT_EQ(r.Field("machine"), "x86_64") << r.Describe();
}

TEST_P(ProgramTest, Time) {
  RunResult r = SandboxRun(P("time"), {std::to_string(time(nullptr))}).Run();
  ExpectSelfCheckPassed(r, "time");
  EXPECT_TRUE(Contains(r.out, "ok realtime_within_60s_of_caller\n")) << r.Describe();
}

TEST_P(ProgramTest, Random) {
  RunResult r = SandboxRun(P("random")).Run();
  ExpectSelfCheckPassed(r, "random");
}

TEST_P(ProgramTest, Signals) {
  RunResult r = SandboxRun(P("signals")).Run();
  ExpectSelfCheckPassed(r, "signals");
  EXPECT_EQ(r.Field("initial_mask"), "0") << r.Describe();
}

TEST_P(ProgramTest, Tls) {
  RunResult r = SandboxRun(P("tls")).Run();
  ExpectSelfCheckPassed(r, "tls");
}

TEST_P(ProgramTest, Rlimit) {
  RunResult r = SandboxRun(P("rlimit")).Run();
  ExpectSelfCheckPassed(r, "rlimit");
}

TEST_P(ProgramTest, Misc) {
  RunResult r = SandboxRun(P("misc")).Stdin("x").Run();
  ExpectSelfCheckPassed(r, "misc");
}

TEST_P(ProgramTest, Startup) {
  RunResult r = SandboxRun(P("startup"), {"one", "two words", "", "--", "-x"})
                    .Env("RINGFENCE_TEST_VAR", "value with spaces=and=equals")
                    .Run();
  ExpectSelfCheckPassed(r, "startup");
  EXPECT_TRUE(Contains(r.out,
                       "argc 6\nargv[1] <one>\nargv[2] <two words>\nargv[3] <>\n"
                       "argv[4] <-->\nargv[5] <-x>\n"))
      << r.Describe();
  EXPECT_TRUE(Contains(r.out, "env RINGFENCE_TEST_VAR=value with spaces=and=equals\n"))
      << r.Describe();
}

TEST_P(ProgramTest, StartupWithoutArgs) {
  RunResult r = SandboxRun(P("startup")).Run();
  ExpectSelfCheckPassed(r, "startup");
  EXPECT_TRUE(Contains(r.out, "argc 1\nenv RINGFENCE_TEST_VAR unset\n")) << r.Describe();
}

struct ExitCase {
  const char* mode;
  int status;
  const char* out;
};

TEST_P(ProgramTest, ExitCodes) {
  const ExitCase cases[] = {
      {"exit0", 0, "exiting exit0\n"},
      {"exit42", 42, "exiting exit42\n"},
      {"exit255", 255, "exiting exit255\n"},
      {"exit256", 0, "exiting exit256\n"},
      {"exit_group7", 7, "exiting exit_group7\n"},
      {"exit_raw5", 5, "exiting exit_raw5\n"},
      {"return3", 3, "exiting return3\n"},
      {"atexit", 0, "exiting atexit\natexit handler ran\n"},
      {"buffered", 0, "exiting buffered\nbuffered output\n"},
  };
  for (const ExitCase& c : cases) {
    SCOPED_TRACE(c.mode);
    RunResult r = SandboxRun(P("exitcode"), {c.mode}).Run();
    EXPECT_EQ(r.status, c.status) << r.Describe();
    EXPECT_FALSE(r.signaled) << r.Describe();
    EXPECT_EQ(r.out, c.out) << r.Describe();
  }
}

struct CrashCase {
  const char* mode;
  int signal;
};

const CrashCase kCrashCases[] = {
    {"segv_null", SIGSEGV},           {"segv_write_null", SIGSEGV},
    {"segv_write_rodata", SIGSEGV},   {"segv_exec_data", SIGSEGV},
    {"segv_jump_null", SIGSEGV},      {"segv_noncanonical", SIGSEGV},
    {"segv_kernel_address", SIGSEGV}, {"stack_overflow", SIGSEGV},
    {"hlt", SIGSEGV},                 {"cli", SIGSEGV},
    {"sti", SIGSEGV},                 {"out", SIGSEGV},
    {"in", SIGSEGV},                  {"wrmsr", SIGSEGV},
    {"rdmsr", SIGSEGV},               {"int_n", SIGSEGV},
    {"ud2", SIGILL},                  {"div0", SIGFPE},
    {"div_overflow", SIGFPE},         {"int3", SIGTRAP},
};

TEST_P(ProgramTest, CrashesReportSignalAndLeaveHostUnaffected) {
  for (const CrashCase& c : kCrashCases) {
    SCOPED_TRACE(c.mode);
    RunResult r = SandboxRun(P("crash"), {c.mode}).Run();
    EXPECT_EQ(r.status, 128 + c.signal) << r.Describe();
    EXPECT_FALSE(r.timed_out) << r.Describe();
    EXPECT_EQ(r.out, std::string("crash ") + c.mode + "\n") << r.Describe();
    if (!Native()) {
      // Nothing of the sandbox survives the run (VMM, Gofer: same group).
      EXPECT_EQ(kill(-r.pid, 0), -1) << "processes left in group " << r.pid;
    }
  }
  // The host (and the next sandbox) is fine.
  RunResult after = SandboxRun(P("hello")).Run();
  EXPECT_EQ(after.status, 0) << after.Describe();
  EXPECT_EQ(after.out, "hello, world\n") << after.Describe();
}

INSTANTIATE_TEST_SUITE_P(LinkModes, ProgramTest, ::testing::Values("", "_pie"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param.empty() ? std::string("Static")
                                                     : std::string("StaticPie");
                         });

// ---------------------------------------------------------------------------
// Debian's static busybox.

class BusyboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kBusybox, X_OK) != 0) GTEST_SKIP() << kBusybox << " missing (busybox-static)";
  }
  static constexpr const char* kBusybox = "/bin/busybox";
};

TEST_F(BusyboxTest, EchoHello) {
  RunResult r = SandboxRun(kBusybox, {"echo", "hello"}).Run();
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_EQ(r.out, "hello\n") << r.Describe();
}

TEST_F(BusyboxTest, True) {
  RunResult r = SandboxRun(kBusybox, {"true"}).Run();
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_EQ(r.out, "") << r.Describe();
}

TEST_F(BusyboxTest, False) {
  RunResult r = SandboxRun(kBusybox, {"false"}).Run();
  EXPECT_EQ(r.status, 1) << r.Describe();
}

TEST_F(BusyboxTest, UnameA) {
  RunResult r = SandboxRun(kBusybox, {"uname", "-a"}).Run();
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "Linux")) << r.Describe();
}

TEST_F(BusyboxTest, CatStdin) {
  RunResult r = SandboxRun(kBusybox, {"cat"}).Stdin("piped through cat\n").Run();
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_EQ(r.out, "piped through cat\n") << r.Describe();
}

// A sandbox that hangs: the runner's timeout sends SIGQUIT first, and every
// vCPU prints its state (what CI shows of a hung test) while the sandbox
// runs on; SIGKILL follows.
TEST_F(BusyboxTest, TimedOutSandboxPrintsEveryVcpusState) {
  if (Native()) GTEST_SKIP() << "native mode: nothing to dump";
  RunResult r =
      SandboxRun(kBusybox, {"sleep", "600"}).Flag("--cpus=2").TimeoutSeconds(5).Run();
  EXPECT_TRUE(r.timed_out) << r.Describe();
  for (const char* vcpu : {"state of vCPU 0", "state of vCPU 1"}) {
    size_t at = r.err.find(vcpu);
    ASSERT_NE(at, std::string::npos) << vcpu << "\n" << r.Describe();
    EXPECT_NE(r.err.find("rip 0x", at), std::string::npos) << r.Describe();
    EXPECT_NE(r.err.find("cs 0x", at), std::string::npos) << r.Describe();
  }
}

// ---------------------------------------------------------------------------
// Startup errors.

class StartupErrorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    valid_ = ReadFileOrEmpty(TestProgram("hello"));
    ASSERT_GT(valid_.size(), 4096u) << "cannot read " << TestProgram("hello");
    ASSERT_EQ(valid_.compare(0, 4, "\x7f" "ELF"), 0);
  }
  std::string Patched(size_t off, const void* bytes, size_t n) const {
    std::string s = valid_;
    memcpy(&s[off], bytes, n);
    return s;
  }
  std::string Patched16(size_t off, uint16_t v) const { return Patched(off, &v, 2); }
  std::string Patched64(size_t off, uint64_t v) const { return Patched(off, &v, 8); }

  // A malformed executable: 126 and, in the sandbox, a one-line
  // "ringfence: ..." message that mentions ENOEXEC / exec format.
  void ExpectExecFormatError(const std::string& name, const std::string& contents) {
    SCOPED_TRACE(name);
    std::string path = dir_.WriteFile(name, contents);
    RunResult r = SandboxRun(path).Run();
    EXPECT_EQ(r.status, 126) << r.Describe();
    EXPECT_FALSE(r.signaled) << r.Describe();
    EXPECT_EQ(r.out, "") << r.Describe();
    std::string err = Lower(r.err);
    EXPECT_TRUE(Contains(err, "enoexec") || Contains(err, "exec format")) << r.Describe();
    if (!Native()) {
      EXPECT_EQ(r.err.rfind("ringfence:", 0), 0u) << r.Describe();
      EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.Describe();
    }
  }

  TempDir dir_;
  std::string valid_;
};

TEST_F(StartupErrorTest, EmptyFile) { ExpectExecFormatError("empty", ""); }

TEST_F(StartupErrorTest, TextFile) {
  ExpectExecFormatError("text", "this is not an ELF file\njust text\n");
}

TEST_F(StartupErrorTest, BadMagic) { ExpectExecFormatError("badmagic", Patched(0, "\x7e", 1)); }

TEST_F(StartupErrorTest, TruncatedHeader) {
  ExpectExecFormatError("truncated32", valid_.substr(0, 32));
}

TEST_F(StartupErrorTest, HeaderOnlyProgramHeadersMissing) {
  ExpectExecFormatError("truncated64", valid_.substr(0, 64));
}

TEST_F(StartupErrorTest, WrongMachineAarch64) {
  ExpectExecFormatError("aarch64", Patched16(18, 183 /* EM_AARCH64 */));
}

TEST_F(StartupErrorTest, WrongMachineI386) {
  ExpectExecFormatError("i386", Patched16(18, 3 /* EM_386 */));
}

TEST_F(StartupErrorTest, WrongClass32BitI386) {
  std::string s = Patched16(18, 3 /* EM_386 */);
  s[4] = 1;  // ELFCLASS32
  ExpectExecFormatError("class32_i386", s);
}

TEST_F(StartupErrorTest, WrongClassOnly) {
  // Linux ignores EI_CLASS when e_machine is EM_X86_64 and runs the file; the
  // sandbox's loader is stricter (like gVisor's) and rejects it.
  if (Native()) GTEST_SKIP() << "Linux accepts an x86-64 ELF whose EI_CLASS says 32-bit";
  std::string s = valid_;
  s[4] = 1;  // ELFCLASS32
  ExpectExecFormatError("class32", s);
}

TEST_F(StartupErrorTest, ProgramHeadersOutsideFile) {
  ExpectExecFormatError("phoff_outside", Patched64(32, valid_.size() + 4096));
}

TEST_F(StartupErrorTest, NoProgramHeaders) {
  ExpectExecFormatError("phnum0", Patched16(56, 0));
}

TEST_F(StartupErrorTest, BadProgramHeaderEntrySize) {
  ExpectExecFormatError("phentsize", Patched16(54, 32));
}

TEST_F(StartupErrorTest, RelocatableObject) {
  ExpectExecFormatError("etrel", Patched16(16, 1 /* ET_REL */));
}

TEST_F(StartupErrorTest, LoadSegmentBeyondEndOfFile) {
  // Linux maps it and the first touch of the missing page raises SIGBUS; a
  // loader may also refuse it up front. Either way: no hang, no host damage.
  std::string s = valid_;
  uint64_t phoff;
  uint16_t phnum;
  memcpy(&phoff, &s[32], 8);
  memcpy(&phnum, &s[56], 2);
  for (int i = 0; i < phnum; i++) {
    uint32_t type;
    memcpy(&type, &s[phoff + 56 * i], 4);
    if (type == 1 /* PT_LOAD */) {
      uint64_t off = (s.size() * 4) & ~0xfffull;
      memcpy(&s[phoff + 56 * i + 8], &off, 8);
      break;
    }
  }
  std::string path = dir_.WriteFile("load_offset_outside", s);
  RunResult r = SandboxRun(path).Run();
  EXPECT_TRUE(r.status == 126 || r.status == 128 + SIGBUS || r.status == 128 + SIGSEGV)
      << r.Describe();
  EXPECT_FALSE(r.timed_out) << r.Describe();
}

TEST_F(StartupErrorTest, MissingProgram) {
  RunResult r = SandboxRun(dir_.path() + "/does-not-exist").Run();
  EXPECT_EQ(r.status, 127) << r.Describe();
  EXPECT_EQ(r.out, "") << r.Describe();
  EXPECT_FALSE(r.err.empty()) << r.Describe();
  if (!Native()) {
    EXPECT_EQ(r.err.rfind("ringfence:", 0), 0u) << r.Describe();
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.Describe();
  }
}

// ---------------------------------------------------------------------------
// --strace and --stats (sandbox only).

class SandboxFlagsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Native()) GTEST_SKIP() << "sandbox-only flag";
  }
};

TEST_F(SandboxFlagsTest, StraceShowsSyscalls) {
  RunResult r = SandboxRun(TestProgram("identity")).Flag("--strace").Run();
  ExpectSelfCheckPassed(r, "identity");
  EXPECT_TRUE(Contains(r.err, "getpid() = 1\n")) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "write(1, \"pid 1\\n")) << r.Describe();
  // stdout is the program's alone.
  EXPECT_FALSE(Contains(r.out, "getpid()")) << r.Describe();
}

TEST_F(SandboxFlagsTest, StraceShowsErrors) {
  RunResult r = SandboxRun(TestProgram("misc")).Flag("--strace").Stdin("x").Run();
  ExpectSelfCheckPassed(r, "misc");
  EXPECT_TRUE(Contains(r.err, " = -1 EBADF\n")) << r.Describe();
  EXPECT_TRUE(Contains(r.err, " = -1 ENOSYS\n")) << r.Describe();
  EXPECT_TRUE(Contains(r.err, " = -1 ENOTTY\n")) << r.Describe();
}

TEST_F(SandboxFlagsTest, StatsCountExitsAndSyscalls) {
  RunResult r = SandboxRun(TestProgram("misc"), {"getpid", "1000"}).Flag("--stats").Run();
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_EQ(r.out, "getpid_calls 1000\n") << r.Describe();
  EXPECT_TRUE(Contains(r.err, "ringfence-stats: exits.total ")) << r.Describe();
  EXPECT_GT(r.Stat("exits.total"), 0) << r.Describe();
  EXPECT_GE(r.Stat("syscall.getpid"), 1000) << r.Describe();
  // getpid is served in the guest: far fewer exits than calls.
  EXPECT_LT(r.Stat("exits.total"), 1000) << r.Describe();
  // Every stats line is well-formed.
  size_t pos = 0;
  while ((pos = r.err.find("ringfence-stats: ", pos)) != std::string::npos) {
    std::string line = FirstLine(r.err.substr(pos));
    std::string rest = line.substr(strlen("ringfence-stats: "));
    size_t sp = rest.find(' ');
    ASSERT_NE(sp, std::string::npos) << line;
    EXPECT_FALSE(rest.substr(0, sp).empty()) << line;
    EXPECT_EQ(rest.find_first_not_of("0123456789", sp + 1), std::string::npos) << line;
    pos += line.size();
  }
}

TEST_F(SandboxFlagsTest, StatsWithCrashStillPrinted) {
  RunResult r = SandboxRun(TestProgram("crash"), {"ud2"}).Flag("--stats").Run();
  EXPECT_EQ(r.status, 128 + SIGILL) << r.Describe();
  EXPECT_GT(r.Stat("exits.total"), 0) << r.Describe();
}

TEST_F(SandboxFlagsTest, ExitStatusPassesThroughWithFlags) {
  RunResult r =
      SandboxRun(TestProgram("exitcode"), {"exit42"}).Flag("--stats").Flag("--strace").Run();
  EXPECT_EQ(r.status, 42) << r.Describe();
  EXPECT_EQ(r.out, "exiting exit42\n") << r.Describe();
  EXPECT_TRUE(Contains(r.err, "exit_group(42")) << r.Describe();
}

}  // namespace
}  // namespace ringfence::testing
