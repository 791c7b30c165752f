// Shared by the integration tests that run one program of tests/programs once
// per mode (argv[1]), in its -static and -static-pie forms: the fixture is
// parameterised by the link form's file-name suffix ("" or "_pie").
//
//   RINGFENCE_PROGRAM_MODE_SUITE(FooTest, "foo");
//   TEST_P(FooTest, Bar) { ExpectModePasses("bar"); }  // "foo bar done"
//
// (A suite with helpers of its own derives from ProgramModeTest and is
// instantiated with kLinkModes and LinkModeName.)
#ifndef RINGFENCE_TESTS_INTEGRATION_PROGRAM_MODES_H_
#define RINGFENCE_TESTS_INTEGRATION_PROGRAM_MODES_H_

#include <string>

#include "gtest/gtest.h"
#include "tests/integration/sandbox_runner.h"
#include "tests/integration/test_programs.h"

namespace ringfence::testing {

class ProgramModeTest : public ::testing::TestWithParam<std::string> {
 protected:
  explicit ProgramModeTest(std::string program) : program_(std::move(program)) {}

  std::string Program() const {
    return TestProgram(program_, GetParam());
  }
  RunResult RunMode(const std::string& mode) const {
    return SandboxRun(Program(), {mode}).TimeoutSeconds(60).Run();
  }
  // A mode that exits 0 with every check passed and "<program> <mode> done".
  void ExpectModePasses(const std::string& mode) const {
    SCOPED_TRACE(mode);
    RunResult r = RunMode(mode);
    EXPECT_EQ(r.status, 0) << r.Describe();
    EXPECT_FALSE(r.timed_out) << r.Describe();
    EXPECT_FALSE(Contains(r.out, "FAIL")) << r.Describe();
    EXPECT_TRUE(Contains(r.out, program_ + " " + mode + " done\n")) << r.Describe();
  }
  // A mode whose last step kills it with `signal`; `out_contains` is what it
  // must have printed before.
  void ExpectKilledBy(int signal, const std::string& mode, const std::string& out_contains) const {
    SCOPED_TRACE(mode);
    RunResult r = RunMode(mode);
    EXPECT_EQ(r.status, 128 + signal) << r.Describe();
    EXPECT_FALSE(r.timed_out) << r.Describe();
    EXPECT_FALSE(Contains(r.out, "survived")) << r.Describe();
    EXPECT_FALSE(Contains(r.out, "FAIL")) << r.Describe();
    EXPECT_TRUE(Contains(r.out, out_contains)) << r.Describe();
  }

 private:
  std::string program_;
};

inline const auto kLinkModes = ::testing::Values(std::string(""), std::string("_pie"));

inline std::string LinkModeName(const ::testing::TestParamInfo<std::string>& info) {
  return info.param.empty() ? "Static" : "StaticPie";
}

}  // namespace ringfence::testing

// The fixture `suite` for test program `program`, instantiated for both
// link forms (LinkModes/suite.Name/Static and .../StaticPie; gtest
// instantiates the TEST_Ps that follow too).
#define RINGFENCE_PROGRAM_MODE_SUITE(suite, program)                                   \
  class suite : public ::ringfence::testing::ProgramModeTest {                         \
   protected:                                                                          \
    suite() : ProgramModeTest(program) {}                                              \
  };                                                                                   \
  INSTANTIATE_TEST_SUITE_P(LinkModes, suite, ::ringfence::testing::kLinkModes,         \
                           ::ringfence::testing::LinkModeName)

#endif  // RINGFENCE_TESTS_INTEGRATION_PROGRAM_MODES_H_
