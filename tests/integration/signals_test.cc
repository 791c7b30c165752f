// Asynchronous signals, syscall interruption, timers (wall and CPU time),
// wait masks and signalfd readiness:
// tests/programs/signal_{send,restart,timers,waitmask,cputime,fdready}.c, one
// mode per run, in their -static and -static-pie forms. Natively
// (RINGFENCE_TEST_NATIVE=1) the same expectations check real Linux.
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

RINGFENCE_PROGRAM_MODE_SUITE(SignalRestartTest, "signal_restart");

TEST_P(SignalRestartTest, FutexWaitRestartsWithSaRestart) { ExpectModePasses("futex_restart"); }
TEST_P(SignalRestartTest, FutexWaitEintrWithoutSaRestart) { ExpectModePasses("futex_eintr"); }
TEST_P(SignalRestartTest, FutexWaitWithTimeoutEintr) { ExpectModePasses("futex_timeout_eintr"); }
TEST_P(SignalRestartTest, NanosleepEintrWritesRemaining) { ExpectModePasses("nanosleep_eintr"); }
TEST_P(SignalRestartTest, AbsoluteSleepEintr) { ExpectModePasses("abs_sleep_eintr"); }
TEST_P(SignalRestartTest, SleepResumesAfterStopAndContinue) { ExpectModePasses("sleep_stop_cont"); }

RINGFENCE_PROGRAM_MODE_SUITE(SignalTimersTest, "signal_timers");

TEST_P(SignalTimersTest, AlarmAndIntervalTimer) { ExpectModePasses("alarm"); }
TEST_P(SignalTimersTest, PosixTimers) { ExpectModePasses("posix"); }
TEST_P(SignalTimersTest, PosixTimerOverrun) { ExpectModePasses("overrun"); }
TEST_P(SignalTimersTest, PosixTimerToThread) { ExpectModePasses("thread_id"); }
TEST_P(SignalTimersTest, AlarmDefaultActionKills) {
  ExpectKilledBy(SIGALRM, "alarm_default", "about to die\n");
}

RINGFENCE_PROGRAM_MODE_SUITE(SignalWaitMaskTest, "signal_waitmask");

TEST_P(SignalWaitMaskTest, PpollMaskHoldsUntilDelivery) { ExpectModePasses("ppoll"); }
TEST_P(SignalWaitMaskTest, Pselect6MaskHoldsUntilDelivery) { ExpectModePasses("pselect"); }
TEST_P(SignalWaitMaskTest, EpollPwaitMaskHoldsUntilDelivery) { ExpectModePasses("epoll_pwait"); }

RINGFENCE_PROGRAM_MODE_SUITE(SignalCpuTimeTest, "signal_cputime");

TEST_P(SignalCpuTimeTest, CpuTimeClocks) { ExpectModePasses("clocks"); }
TEST_P(SignalCpuTimeTest, VirtualAndProfItimers) { ExpectModePasses("itimers"); }
TEST_P(SignalCpuTimeTest, PosixTimersOnCpuClocks) { ExpectModePasses("posix"); }
TEST_P(SignalCpuTimeTest, OtherThreadsAndProcessesClocks) { ExpectModePasses("others"); }
TEST_P(SignalCpuTimeTest, ClockNanosleepOnCpuClocks) { ExpectModePasses("sleep"); }
TEST_P(SignalCpuTimeTest, PosixTimersOnOtherProcessesAndThreadsClocks) {
  ExpectModePasses("timers");
}

RINGFENCE_PROGRAM_MODE_SUITE(SignalFdReadyTest, "signal_fdready");

TEST_P(SignalFdReadyTest, ReadableInPollSelectEpollAndWakes) { ExpectModePasses("all"); }

}  // namespace
}  // namespace ringfence::testing
