// File-backed memory end to end: tests/programs/mmap_file.c on the sandbox's
// /tmp (tmpfs), one mode per run, in its -static and -static-pie forms.
// Natively (RINGFENCE_TEST_NATIVE=1) the same expectations check real Linux.
#include <signal.h>

#include <string>

#include "gtest/gtest.h"
#include "tests/integration/sandbox_runner.h"

#ifndef RINGFENCE_TEST_PROGRAMS_DIR
#error "RINGFENCE_TEST_PROGRAMS_DIR must be defined by CMake"
#endif

namespace ringfence::testing {
namespace {

bool Contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

class MmapFileTest : public ::testing::TestWithParam<std::string> {
 protected:
  RunResult RunMode(const std::string& mode) const {
    std::string program = std::string(RINGFENCE_TEST_PROGRAMS_DIR) + "/mmap_file" + GetParam();
    return SandboxRun(program, {mode}).TimeoutSeconds(60).Run();
  }

  void ExpectModePasses(const std::string& mode) {
    SCOPED_TRACE(mode);
    RunResult r = RunMode(mode);
    EXPECT_EQ(r.status, 0) << r.Describe();
    EXPECT_FALSE(r.timed_out) << r.Describe();
    EXPECT_FALSE(Contains(r.out, "FAIL")) << r.Describe();
    EXPECT_TRUE(Contains(r.out, "mmap_file " + mode + " done\n")) << r.Describe();
  }
};

TEST_P(MmapFileTest, SharedMappingsAndReadWriteAgree) { ExpectModePasses("shared"); }

TEST_P(MmapFileTest, PrivateMappingsCopyOnWrite) { ExpectModePasses("private"); }

TEST_P(MmapFileTest, MadviseDontneedSemantics) { ExpectModePasses("advise"); }

TEST_P(MmapFileTest, Mincore) { ExpectModePasses("mincore"); }

TEST_P(MmapFileTest, MsyncAndPartialMunmap) { ExpectModePasses("sync"); }

TEST_P(MmapFileTest, MremapFixedAndPopulate) { ExpectModePasses("remap"); }

TEST_P(MmapFileTest, MmapErrors) { ExpectModePasses("errors"); }

TEST_P(MmapFileTest, SigbusPastEndOfFileToHandler) { ExpectModePasses("sigbus"); }

TEST_P(MmapFileTest, SigbusPastEndOfFileKills) {
  RunResult r = RunMode("sigbus_kill");
  EXPECT_EQ(r.status, 128 + SIGBUS) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "about to fault\n")) << r.Describe();
  EXPECT_FALSE(Contains(r.out, "survived")) << r.Describe();
}

INSTANTIATE_TEST_SUITE_P(LinkModes, MmapFileTest, ::testing::Values("", "_pie"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param.empty() ? std::string("Static")
                                                     : std::string("StaticPie");
                         });

}  // namespace
}  // namespace ringfence::testing
