// Delivery of synchronous fault signals (SIGSEGV, SIGBUS, SIGILL, SIGFPE,
// SIGTRAP) to user handlers, and rt_sigreturn: tests/programs/sighandler.c,
// one mode per run, in its -static and -static-pie forms. Natively
// (RINGFENCE_TEST_NATIVE=1) the same expectations check real Linux.
#include <signal.h>

#include <string>

#include "tests/integration/program_modes.h"

namespace ringfence::testing {
namespace {

class SignalDeliveryTest : public ProgramModeTest {
 protected:
  SignalDeliveryTest() : ProgramModeTest("sighandler") {}

  // A mode whose last fault must kill the process with SIGSEGV; `out` is
  // the exact transcript expected before death.
  void ExpectKilledBySigsegv(const std::string& mode, const std::string& out_contains) {
    ExpectKilledBy(SIGSEGV, mode, out_contains);
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

INSTANTIATE_TEST_SUITE_P(LinkModes, SignalDeliveryTest, kLinkModes, LinkModeName);

}  // namespace
}  // namespace ringfence::testing
