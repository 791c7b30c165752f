// Delivery of synchronous fault signals (SIGSEGV, SIGBUS, SIGILL, SIGFPE,
// SIGTRAP) to user handlers, and rt_sigreturn: tests/programs/sighandler.c,
// one mode per run, in its -static and -static-pie forms. Natively
// (RINGFENCE_TEST_NATIVE=1) the same expectations check real Linux.
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

class SignalDeliveryTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::string Program() const {
    return std::string(RINGFENCE_TEST_PROGRAMS_DIR) + "/sighandler" + GetParam();
  }

  // A mode that handles its faults and exits 0 with every check passed.
  void ExpectModePasses(const std::string& mode) {
    SCOPED_TRACE(mode);
    RunResult r = SandboxRun(Program(), {mode}).TimeoutSeconds(60).Run();
    EXPECT_EQ(r.status, 0) << r.Describe();
    EXPECT_FALSE(r.timed_out) << r.Describe();
    EXPECT_FALSE(Contains(r.out, "FAIL")) << r.Describe();
    EXPECT_TRUE(Contains(r.out, "sighandler " + mode + " done\n")) << r.Describe();
  }

  // A mode whose last fault must kill the process with SIGSEGV; `out` is
  // the exact transcript expected before death.
  void ExpectKilledBySigsegv(const std::string& mode, const std::string& out_contains) {
    SCOPED_TRACE(mode);
    RunResult r = SandboxRun(Program(), {mode}).TimeoutSeconds(60).Run();
    EXPECT_EQ(r.status, 128 + SIGSEGV) << r.Describe();
    EXPECT_FALSE(r.timed_out) << r.Describe();
    EXPECT_FALSE(Contains(r.out, "survived")) << r.Describe();
    EXPECT_FALSE(Contains(r.out, "FAIL")) << r.Describe();
    EXPECT_TRUE(Contains(r.out, out_contains)) << r.Describe();
  }
};

TEST_P(SignalDeliveryTest, SegvHandlerFixesProtectionAndReturns) { ExpectModePasses("fixup"); }

TEST_P(SignalDeliveryTest, SegvHandlerSiglongjmpsOut) { ExpectModePasses("longjmp"); }

TEST_P(SignalDeliveryTest, SegvCodesAndAddresses) { ExpectModePasses("codes"); }

TEST_P(SignalDeliveryTest, FpeHandlerSkipsDivideViaUcontext) { ExpectModePasses("fpe"); }

TEST_P(SignalDeliveryTest, IllHandlerSkipsUd2ViaUcontext) { ExpectModePasses("ill"); }

TEST_P(SignalDeliveryTest, TrapHandlerAfterInt3) { ExpectModePasses("trap"); }

TEST_P(SignalDeliveryTest, AltStackIncludingStackOverflow) { ExpectModePasses("altstack"); }

TEST_P(SignalDeliveryTest, NodeferAndHandlerMask) { ExpectModePasses("nodefer"); }

TEST_P(SignalDeliveryTest, FrameLayout) { ExpectModePasses("frame"); }

TEST_P(SignalDeliveryTest, HandlerFpuStateDoesNotLeak) { ExpectModePasses("fpu"); }

TEST_P(SignalDeliveryTest, ResethandSecondFaultKills) {
  ExpectKilledBySigsegv("resethand", "ok resethand_action_reset\nfirst handled\n");
}

TEST_P(SignalDeliveryTest, BlockedSegvFaultKills) {
  ExpectKilledBySigsegv("blocked", "about to fault\n");
}

TEST_P(SignalDeliveryTest, IgnoredSegvFaultKills) {
  ExpectKilledBySigsegv("ignored", "about to fault\n");
}

TEST_P(SignalDeliveryTest, FaultInHandlerWhileBlockedKills) {
  ExpectKilledBySigsegv("nested", "in handler\n");
}

TEST_P(SignalDeliveryTest, HandlerWithoutRestorerKills) {
  ExpectKilledBySigsegv("norestorer", "about to fault\n");
}

TEST_P(SignalDeliveryTest, CorruptXstateHeaderFailsSigreturn) {
  ExpectKilledBySigsegv("badxstate", "first handled\n");
}

INSTANTIATE_TEST_SUITE_P(LinkModes, SignalDeliveryTest, ::testing::Values("", "_pie"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param.empty() ? std::string("Static")
                                                     : std::string("StaticPie");
                         });

}  // namespace
}  // namespace ringfence::testing
