// Asynchronous signals, syscall interruption and timers:
// tests/programs/signal_{send,restart,timers}.c, one mode per run, in their
// -static and -static-pie forms. Natively (RINGFENCE_TEST_NATIVE=1) the same
// expectations check real Linux.
#include <signal.h>

#include <string>

#include "tests/integration/program_modes.h"

namespace ringfence::testing {
namespace {

class SignalSendTest : public ProgramModeTest {
 protected:
  SignalSendTest() : ProgramModeTest("signal_send") {}

  // Dies by the default action of `signal` sent to itself.
  void ExpectDefaultKills(int signal) {
    SCOPED_TRACE(signal);
    RunResult r = SandboxRun(Program(), {"default", std::to_string(signal)}).TimeoutSeconds(60).Run();
    EXPECT_EQ(r.status, 128 + signal) << r.Describe();
    EXPECT_TRUE(Contains(r.out, "about to die\n")) << r.Describe();
    EXPECT_FALSE(Contains(r.out, "survived")) << r.Describe();
  }
};

TEST_P(SignalSendTest, KillSelfHandlerGetsSiginfo) { ExpectModePasses("kill_self"); }
TEST_P(SignalSendTest, TgkillAndProcessSignalToOtherThread) { ExpectModePasses("tgkill_thread"); }
TEST_P(SignalSendTest, MasksPendingCoalescingAndRealtimeQueue) { ExpectModePasses("masks"); }
TEST_P(SignalSendTest, SigsuspendAndPause) { ExpectModePasses("sigsuspend"); }
TEST_P(SignalSendTest, SigtimedwaitTimeoutAndWakeups) { ExpectModePasses("sigtimedwait"); }
TEST_P(SignalSendTest, ResethandAndNodefer) { ExpectModePasses("resethand"); }
TEST_P(SignalSendTest, GroupStopUntilSigcont) { ExpectModePasses("stop_cont"); }
TEST_P(SignalSendTest, SignalfdReadsPendingSignals) { ExpectModePasses("signalfd"); }
TEST_P(SignalSendTest, DefaultTerminate) { ExpectDefaultKills(SIGTERM); }
TEST_P(SignalSendTest, DefaultCore) { ExpectDefaultKills(SIGQUIT); }
TEST_P(SignalSendTest, SigkillCannotBeCaught) { ExpectDefaultKills(SIGKILL); }
TEST_P(SignalSendTest, DefaultTerminateRealtime) { ExpectDefaultKills(SIGRTMIN + 2); }

INSTANTIATE_TEST_SUITE_P(LinkModes, SignalSendTest, kLinkModes, LinkModeName);

class SignalRestartTest : public ProgramModeTest {
 protected:
  SignalRestartTest() : ProgramModeTest("signal_restart") {}
};

TEST_P(SignalRestartTest, FutexWaitRestartsWithSaRestart) { ExpectModePasses("futex_restart"); }
TEST_P(SignalRestartTest, FutexWaitEintrWithoutSaRestart) { ExpectModePasses("futex_eintr"); }
TEST_P(SignalRestartTest, FutexWaitWithTimeoutEintr) { ExpectModePasses("futex_timeout_eintr"); }
TEST_P(SignalRestartTest, NanosleepEintrWritesRemaining) { ExpectModePasses("nanosleep_eintr"); }
TEST_P(SignalRestartTest, AbsoluteSleepEintr) { ExpectModePasses("abs_sleep_eintr"); }
TEST_P(SignalRestartTest, SleepResumesAfterStopAndContinue) { ExpectModePasses("sleep_stop_cont"); }

INSTANTIATE_TEST_SUITE_P(LinkModes, SignalRestartTest, kLinkModes, LinkModeName);

class SignalTimersTest : public ProgramModeTest {
 protected:
  SignalTimersTest() : ProgramModeTest("signal_timers") {}
};

TEST_P(SignalTimersTest, AlarmAndIntervalTimer) { ExpectModePasses("alarm"); }
TEST_P(SignalTimersTest, PosixTimers) { ExpectModePasses("posix"); }
TEST_P(SignalTimersTest, PosixTimerOverrun) { ExpectModePasses("overrun"); }
TEST_P(SignalTimersTest, PosixTimerToThread) { ExpectModePasses("thread_id"); }
TEST_P(SignalTimersTest, AlarmDefaultActionKills) {
  ExpectKilledBy(SIGALRM, "alarm_default", "about to die\n");
}

INSTANTIATE_TEST_SUITE_P(LinkModes, SignalTimersTest, kLinkModes, LinkModeName);

}  // namespace
}  // namespace ringfence::testing
