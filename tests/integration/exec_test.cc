// execve: the program `ringfence do` starts (static and dynamically linked
// programs, #! scripts, interpreters that are missing or malformed, finding
// the program in the sandbox's file system) and the execve/execveat
// syscalls (exec_caller replacing itself with exec_report). Every
// expectation also runs natively (RINGFENCE_TEST_NATIVE=1) except the
// sandbox's own messages.
//
// Files written into TempDirs (under the host's /tmp) reach the sandbox as
// read-only volumes at the same paths (SandboxRun shares the program's
// directory and the test programs' directory).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/sandbox_runner.h"
#include "tests/integration/test_programs.h"

namespace ringfence::testing {
namespace {

bool Native() { return SandboxRun::Native(); }

void ExpectPassed(const RunResult& r) {
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_FALSE(Contains(r.out, "FAIL")) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "exec_info done\n")) << r.Describe();
}

// The "argv[i] <...>" lines of exec_info's output, in order.
std::vector<std::string> Argv(const RunResult& r) {
  std::vector<std::string> argv;
  for (int i = 0;; ++i) {
    std::string prefix = "argv[" + std::to_string(i) + "] <";
    size_t at = r.out.find(prefix);
    if (at == std::string::npos) break;
    size_t start = at + prefix.size();
    argv.push_back(r.out.substr(start, r.out.find(">\n", start) - start));
  }
  return argv;
}

// A failed start: `status`, nothing on stdout and, in the sandbox, one
// "ringfence: ..." line that names `errno_name`.
void ExpectStartFailure(const RunResult& r, int status, const std::string& errno_name) {
  EXPECT_EQ(r.status, status) << r.Describe();
  EXPECT_EQ(r.out, "") << r.Describe();
  if (Native()) return;
  EXPECT_EQ(r.err.rfind("ringfence: ", 0), 0u) << r.Describe();
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.Describe();
  EXPECT_TRUE(Contains(r.err, errno_name)) << r.Describe();
}

// --- ELF programs -------------------------------------------------------------

class ExecInfoTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ExecInfoTest, AuxvAndLayout) {
  std::string path = TestProgram("exec_info" + GetParam());
  RunResult r = SandboxRun(path, {"one", "two words", ""}).Env("EXEC_TEST", "1").Run();
  ExpectPassed(r);
  EXPECT_EQ(Argv(r), (std::vector<std::string>{path, "one", "two words", ""})) << r.Describe();
  EXPECT_EQ(r.Field("execfn"), "<" + path + ">") << r.Describe();
  EXPECT_EQ(r.Field("interpreter"), GetParam() == "_dyn" ? "yes" : "no") << r.Describe();
}

INSTANTIATE_TEST_SUITE_P(LinkModes, ExecInfoTest, ::testing::Values("", "_pie", "_dyn"),
                         [](const auto& info) {
                           return info.param.empty() ? std::string("static")
                                                     : info.param.substr(1);
                         });

TEST(DynamicProgramTest, Hello) {
  RunResult r = SandboxRun(TestProgram("hello_dyn")).Run();
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "hello")) << r.Describe();
}

TEST(DynamicProgramTest, StartupChecks) {
  RunResult r = SandboxRun(TestProgram("startup_dyn"), {"a b", "c"})
                    .Env("RINGFENCE_TEST_VAR", "dynamic")
                    .Run();
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_FALSE(Contains(r.out, "FAIL")) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "argv[1] <a b>\nargv[2] <c>\n")) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "env RINGFENCE_TEST_VAR=dynamic\n")) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "startup done\n")) << r.Describe();
}

TEST(DynamicProgramTest, ExitStatus) {
  RunResult r = SandboxRun(TestProgram("exitcode_dyn"), {"exit42"}).Run();
  EXPECT_EQ(r.status, 42) << r.Describe();
}

// --- #! scripts -----------------------------------------------------------------

class ScriptTest : public ::testing::Test {
 protected:
  std::string Script(const std::string& name, const std::string& contents) {
    return dir_.WriteFile(name, contents);
  }
  TempDir dir_;
};

TEST_F(ScriptTest, InterpreterGetsTheScriptAndOneArgument) {
  std::string interpreter = TestProgram("exec_info_dyn");
  std::string script = Script("s", "#!" + interpreter + "  -x  -y \nignored\n");
  RunResult r = SandboxRun(script, {"a", "b c"}).Run();
  ExpectPassed(r);
  EXPECT_EQ(Argv(r), (std::vector<std::string>{interpreter, "-x  -y", script, "a", "b c"}))
      << r.Describe();
  EXPECT_EQ(r.Field("execfn"), "<" + script + ">") << r.Describe();  // the script, as given
}

TEST_F(ScriptTest, StaticInterpreterWithoutArgument) {
  std::string interpreter = TestProgram("exec_info");
  std::string script = Script("s", "#!" + interpreter);  // no newline at all
  RunResult r = SandboxRun(script).Run();
  ExpectPassed(r);
  EXPECT_EQ(Argv(r), (std::vector<std::string>{interpreter, script})) << r.Describe();
}

TEST_F(ScriptTest, FiveNestedScriptsRunTheSixthIsEloop) {
  std::string previous = TestProgram("exec_info");
  std::vector<std::string> expected = {previous};
  std::vector<std::string> scripts;
  for (int i = 0; i < 6; ++i) {
    scripts.push_back(Script("s" + std::to_string(i), "#!" + previous + "\n"));
    previous = scripts.back();
  }
  for (int i = 0; i < 5; ++i) expected.push_back(scripts[i]);
  RunResult five = SandboxRun(scripts[4], {"arg"}).Run();
  ExpectPassed(five);
  expected.push_back("arg");
  EXPECT_EQ(Argv(five), expected) << five.Describe();
  ExpectStartFailure(SandboxRun(scripts[5]).Run(), 126, "ELOOP");
}

TEST_F(ScriptTest, MissingInterpreterIs127) {
  std::string script = Script("s", "#!" + dir_.path() + "/no-such-interpreter\n");
  ExpectStartFailure(SandboxRun(script).Run(), 127, "ENOENT");
}

TEST_F(ScriptTest, BadLines) {
  ExpectStartFailure(SandboxRun(Script("empty", "#!\n")).Run(), 126, "ENOEXEC");
  ExpectStartFailure(SandboxRun(Script("blank", "#!   \t\n")).Run(), 126, "ENOEXEC");
  ExpectStartFailure(SandboxRun(Script("long", "#!/" + std::string(300, 'x'))).Run(), 126,
                     "ENOEXEC");
  // No newline, no name: Linux opens "" (the working directory).
  ExpectStartFailure(SandboxRun(Script("no-name", "#!  ")).Run(), 126, "EACCES");
}

TEST_F(ScriptTest, NonExecutableInterpreterIs126) {
  std::string target = dir_.WriteFile("not-executable", ReadFileOrEmpty(TestProgram("exec_info")));
  chmod(target.c_str(), 0644);
  ExpectStartFailure(SandboxRun(Script("s", "#!" + target + "\n")).Run(), 126, "EACCES");
}

// --- ELF interpreters -------------------------------------------------------------

// Copies of exec_info_dyn whose PT_INTERP names another file: the path is
// appended to the file and the program header points there (the kernel
// reads the path at p_offset).
class InterpreterTest : public ::testing::Test {
 protected:
  std::string WithInterpreter(const std::string& interpreter) {
    std::string elf = ReadFileOrEmpty(TestProgram("exec_info_dyn"));
    EXPECT_GT(elf.size(), 64u);
    uint64_t phoff = 0;
    uint16_t phnum = 0;
    memcpy(&phoff, &elf[32], 8);
    memcpy(&phnum, &elf[56], 2);
    bool patched = false;
    for (uint16_t i = 0; i < phnum; ++i) {
      size_t ph = phoff + 56 * i;
      uint32_t type;
      memcpy(&type, &elf[ph], 4);
      if (type != 3 /* PT_INTERP */) continue;
      uint64_t offset = elf.size(), size = interpreter.size() + 1;
      memcpy(&elf[ph + 8], &offset, 8);
      memcpy(&elf[ph + 32], &size, 8);
      memcpy(&elf[ph + 40], &size, 8);
      patched = true;
    }
    EXPECT_TRUE(patched);
    elf += interpreter + '\0';
    return dir_.WriteFile("prog" + std::to_string(count_++), elf);
  }
  std::string File(const std::string& name, const std::string& contents) {
    return dir_.WriteFile(name, contents);
  }
  TempDir dir_;
  int count_ = 0;
};

TEST_F(InterpreterTest, TheRealInterpreterThroughThePatch) {
  // The patching itself keeps the program runnable.
  RunResult r = SandboxRun(WithInterpreter("/lib64/ld-linux-x86-64.so.2")).Run();
  ExpectPassed(r);
}

TEST_F(InterpreterTest, MissingInterpreterIs127) {
  ExpectStartFailure(SandboxRun(WithInterpreter(dir_.path() + "/missing.so")).Run(), 127,
                     "ENOENT");
}

TEST_F(InterpreterTest, NotAnElfIsElibbad) {
  std::string text = File("text.so", std::string(200, 'x'));
  ExpectStartFailure(SandboxRun(WithInterpreter(text)).Run(), 126, "ELIBBAD");
  std::string elf = ReadFileOrEmpty("/lib64/ld-linux-x86-64.so.2");
  ASSERT_GT(elf.size(), 64u);
  elf[18] = 3;  // e_machine EM_386
  elf[19] = 0;
  std::string i386 = File("i386.so", elf);
  ExpectStartFailure(SandboxRun(WithInterpreter(i386)).Run(), 126, "ELIBBAD");
}

TEST_F(InterpreterTest, ShorterThanAnElfHeaderIsEio) {
  std::string tiny = File("tiny.so", "\x7f" "ELF");
  ExpectStartFailure(SandboxRun(WithInterpreter(tiny)).Run(), 126, "EIO");
}

TEST_F(InterpreterTest, NotExecutableIsEacces) {
  std::string copy = File("noexec.so", ReadFileOrEmpty("/lib64/ld-linux-x86-64.so.2"));
  chmod(copy.c_str(), 0644);
  ExpectStartFailure(SandboxRun(WithInterpreter(copy)).Run(), 126, "EACCES");
  ExpectStartFailure(SandboxRun(WithInterpreter(dir_.path())).Run(), 126, "EACCES");
}

TEST_F(InterpreterTest, InterpreterWithItsOwnInterpreterIsRefused) {
  // Linux ignores the interpreter's PT_INTERP (and runs this); the sandbox
  // refuses it, as gVisor does.
  if (Native()) GTEST_SKIP() << "Linux runs it";
  std::string nested = WithInterpreter("/lib64/ld-linux-x86-64.so.2");
  ExpectStartFailure(SandboxRun(WithInterpreter(nested)).Run(), 126, "ELIBBAD");
}

// --- finding the program ------------------------------------------------------------

TEST(FindProgramTest, DirectoryIs126) {
  TempDir dir;
  ExpectStartFailure(SandboxRun(dir.path()).Run(), 126, "");
}

TEST(FindProgramTest, NoExecutePermissionIs126) {
  TempDir dir;
  std::string path = dir.WriteFile("prog", ReadFileOrEmpty(TestProgram("exec_info")));
  chmod(path.c_str(), 0644);
  RunResult r = SandboxRun(path).Run();
  // As root (the harness), the missing x bits still refuse: EACCES.
  ExpectStartFailure(r, 126, "");
}

TEST(FindProgramTest, MissingIs127) {
  TempDir dir;
  ExpectStartFailure(SandboxRun(dir.path() + "/absent").Run(), 127, "");
}

TEST(FindProgramTest, SearchesPathInTheSandboxEnvironment) {
  if (Native()) GTEST_SKIP() << "the native runner uses execve, not execvp";
  RunResult r = SandboxRun("exec_info", {"x"})
                    .Env("PATH", "/nonexistent:" + std::string(RINGFENCE_TEST_PROGRAMS_DIR))
                    .Run();
  ExpectPassed(r);
  EXPECT_EQ(Argv(r), (std::vector<std::string>{"exec_info", "x"})) << r.Describe();
  EXPECT_EQ(r.Field("execfn"), "<" + TestProgram("exec_info") + ">") << r.Describe();
}

TEST(FindProgramTest, CommandNotFound) {
  if (Native()) GTEST_SKIP() << "the native runner uses execve, not execvp";
  RunResult r = SandboxRun("no-such-command-anywhere").Env("PATH", "/bin:/usr/bin").Run();
  ExpectStartFailure(r, 127, "command not found");
}

// --- the execve and execveat syscalls -------------------------------------------

// Parameter: exec_caller's link form. It execs exec_report in the other
// form (static <-> dynamic), so both loaders replace both kinds of image.
class ExecSyscallTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::string Caller() const { return TestProgram("exec_caller" + GetParam()); }
  std::string Report() const {
    return TestProgram(GetParam() == "_dyn" ? "exec_report" : "exec_report_dyn");
  }
  RunResult Run(const std::string& mode) const {
    return SandboxRun(Caller(), {mode, Report()}).Run();
  }
  // exec_report ran to its end without a failed check.
  static void ExpectReported(const RunResult& r) {
    EXPECT_EQ(r.status, 0) << r.Describe();
    EXPECT_FALSE(Contains(r.out, "FAIL")) << r.Describe();
    EXPECT_TRUE(Contains(r.out, "exec_report done\n")) << r.Describe();
  }
  static void ExpectReportArguments(const RunResult& r) {
    EXPECT_EQ(r.Field("argc"), "4") << r.Describe();
    EXPECT_EQ(Argv(r), (std::vector<std::string>{"exec_report", "one", "two words", ""}))
        << r.Describe();
    EXPECT_EQ(r.Field("env"), "<passed>") << r.Describe();
    EXPECT_EQ(r.Field("cmdline"), "<exec_report|one|two words||>") << r.Describe();
  }
};

TEST_P(ExecSyscallTest, ErrorsLeaveTheCallerRunning) {
  RunResult r = Run("errors");
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_FALSE(Contains(r.out, "FAIL")) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "exec_caller errors done\n")) << r.Describe();
}

TEST_P(ExecSyscallTest, NewImageInheritsWhatLinuxKeeps) {
  RunResult r = Run("inherit");
  ExpectReported(r);
  ExpectReportArguments(r);
  EXPECT_EQ(r.Field("execfn"), "<" + Report() + ">") << r.Describe();
  EXPECT_EQ(r.Field("secure"), "0") << r.Describe();
  EXPECT_EQ(r.Field("fd10"), "<kept>") << r.Describe();
  EXPECT_EQ(r.Field("fd11"), "closed") << r.Describe();
  EXPECT_EQ(r.Field("sigusr1"), "default") << r.Describe();
  EXPECT_EQ(r.Field("sigint"), "default") << r.Describe();
  EXPECT_EQ(r.Field("sigusr2"), "ignored") << r.Describe();
  EXPECT_EQ(r.Field("sigterm"), "blocked") << r.Describe();
  EXPECT_EQ(r.Field("sigquit"), "unblocked") << r.Describe();
  EXPECT_EQ(r.Field("altstack"), "disabled") << r.Describe();
  EXPECT_EQ(r.Field("exe"), "<" + Report() + ">") << r.Describe();
  std::string comm = Report().substr(Report().rfind('/') + 1);
  EXPECT_EQ(r.Field("comm"), "<" + comm.substr(0, 15) + ">") << r.Describe();
}

TEST_P(ExecSyscallTest, ScriptRunsItsInterpreter) {
  RunResult r = Run("script");
  ExpectReported(r);
  std::vector<std::string> argv = Argv(r);
  ASSERT_EQ(argv.size(), 4u) << r.Describe();
  EXPECT_EQ(argv[0], Report()) << r.Describe();
  EXPECT_EQ(argv[1], "-x") << r.Describe();
  EXPECT_EQ(argv[2].rfind("/tmp/exec_caller.", 0), 0u) << r.Describe();
  EXPECT_EQ(argv[3], "a") << r.Describe();
  EXPECT_EQ(r.Field("execfn"), "<" + argv[2] + ">") << r.Describe();
  EXPECT_EQ(r.Field("exe"), "<" + Report() + ">") << r.Describe();  // the interpreter
  EXPECT_EQ(r.Field("comm"), "<script>") << r.Describe();
}

TEST_P(ExecSyscallTest, ExecveatOfAnOPathFd) {
  RunResult r = Run("fd");
  ExpectReported(r);
  ExpectReportArguments(r);
  EXPECT_EQ(r.Field("execfn").rfind("</dev/fd/", 0), 0u) << r.Describe();
  EXPECT_EQ(r.Field("exe"), "<" + Report() + ">") << r.Describe();
  std::string comm = Report().substr(Report().rfind('/') + 1);
  EXPECT_EQ(r.Field("comm"), "<" + comm.substr(0, 15) + ">") << r.Describe();
}

TEST_P(ExecSyscallTest, ExecveatRelativeToADirectoryFd) {
  RunResult r = Run("dirfd");
  ExpectReported(r);
  ExpectReportArguments(r);
  std::string name = Report().substr(Report().rfind('/') + 1);
  std::string execfn = r.Field("execfn");
  EXPECT_EQ(execfn.rfind("</dev/fd/", 0), 0u) << r.Describe();
  EXPECT_TRUE(Contains(execfn, "/" + name + ">")) << r.Describe();
  EXPECT_EQ(r.Field("exe"), "<" + Report() + ">") << r.Describe();
}

TEST_P(ExecSyscallTest, NullArgvGetsAnEmptyArgv0) {
  RunResult r = Run("noargv");
  ExpectReported(r);
  EXPECT_EQ(r.Field("argc"), "1") << r.Describe();
  EXPECT_EQ(Argv(r), (std::vector<std::string>{""})) << r.Describe();
}

INSTANTIATE_TEST_SUITE_P(LinkModes, ExecSyscallTest, ::testing::Values("", "_pie", "_dyn"),
                         [](const auto& info) {
                           return info.param.empty() ? std::string("static")
                                                     : info.param.substr(1);
                         });

}  // namespace
}  // namespace ringfence::testing
