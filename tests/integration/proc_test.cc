// /proc, /dev and /sys inside the sandbox: tests/programs/proc_files.c and
// proc_devices.c, one mode per run, in their -static and -static-pie
// forms, plus busybox reading them. Natively (RINGFENCE_TEST_NATIVE=1) the
// same expectations check real Linux.
#include <unistd.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/sandbox_runner.h"
#include "tests/integration/test_programs.h"

namespace ringfence::testing {
namespace {

class ProcTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::string Program(const std::string& name) const {
    return TestProgram(name, GetParam());
  }

  // Runs `program` with `args` (args[0] is the mode) and expects every
  // check to pass and "<mode> done".
  RunResult ExpectPasses(const std::string& program, std::vector<std::string> args) {
    SCOPED_TRACE(program + " " + args[0]);
    SandboxRun run(Program(program), args);
    run.Env("PROC_TEST_MARK", "here").TimeoutSeconds(90);
    RunResult r = run.Run();
    EXPECT_EQ(r.status, 0) << r.Describe();
    EXPECT_FALSE(Contains(r.out, "FAIL")) << r.Describe();
    EXPECT_TRUE(Contains(r.out, args[0] + " done\n")) << r.Describe();
    return r;
  }
};

TEST_P(ProcTest, SelfStatusStatCommLimits) { ExpectPasses("proc_files", {"status"}); }

TEST_P(ProcTest, SelfMapsFollowTheAddressSpace) { ExpectPasses("proc_files", {"maps"}); }

TEST_P(ProcTest, SelfCmdlineAndEnvironAreTheInitialOnes) {
  ExpectPasses("proc_files", {"args", "one", "two words", "", "last"});
}

TEST_P(ProcTest, SelfExeCwdRootLinks) { ExpectPasses("proc_files", {"links"}); }

TEST_P(ProcTest, SelfFdLinksFdinfoAndReopen) {
  RunResult r = ExpectPasses("proc_files", {"fds"});
  EXPECT_TRUE(Contains(r.out, "via-dev-stdout\n")) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "via-creat\n")) << r.Describe();
}

TEST_P(ProcTest, SystemFilesAndSysfs) { ExpectPasses("proc_files", {"system"}); }

TEST_P(ProcTest, DevMemoryDevices) { ExpectPasses("proc_devices", {"memory"}); }

TEST_P(ProcTest, DevLinksAndShm) {
  RunResult r = ExpectPasses("proc_devices", {"links"});
  EXPECT_TRUE(Contains(r.err, "to-stderr\n")) << r.Describe();
}

TEST_P(ProcTest, DevTtyWithoutATerminalIsEnxio) {
  RunResult r = SandboxRun(Program("proc_devices"), {"tty"}).TimeoutSeconds(60).Run();
  EXPECT_EQ(r.status, 0) << r.Describe();
  // The runner gives the program pipes: the sandbox has no terminal. A
  // native run inherits the test's controlling terminal, if any.
  if (!SandboxRun::Native()) {
    EXPECT_EQ(r.out, "tty ENXIO\n") << r.Describe();
  }
}

INSTANTIATE_TEST_SUITE_P(LinkModes, ProcTest, ::testing::Values("", "_pie"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param.empty() ? std::string("Static")
                                                     : std::string("StaticPie");
                         });

// Unmodified tools over the same files.
class ProcBusyboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kBusybox, X_OK) != 0) GTEST_SKIP() << kBusybox << " missing (busybox-static)";
  }
  static RunResult Busybox(std::vector<std::string> args) {
    return SandboxRun(kBusybox, std::move(args)).TimeoutSeconds(60).Run();
  }
  static constexpr const char* kBusybox = "/bin/busybox";
};

TEST_F(ProcBusyboxTest, CatStatusShowsTheProcess) {
  RunResult r = Busybox({"cat", "/proc/self/status"});
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "Name:\tbusybox\n")) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "\nVmSize:\t")) << r.Describe();
}

TEST_F(ProcBusyboxTest, LsDevAndNproc) {
  RunResult r = Busybox({"ls", "/dev"});
  EXPECT_EQ(r.status, 0) << r.Describe();
  for (const char* name : {"null\n", "zero\n", "urandom\n", "stdout\n", "shm\n"}) {
    EXPECT_TRUE(Contains(r.out, name)) << name << "\n" << r.Describe();
  }
  RunResult nproc = Busybox({"nproc"});
  EXPECT_EQ(nproc.status, 0) << nproc.Describe();
  EXPECT_GE(std::stoi(nproc.out.empty() ? "0" : nproc.out), 1) << nproc.Describe();
}

}  // namespace
}  // namespace ringfence::testing
