// Asynchronous signals, syscall interruption, timers (wall and CPU time),
// wait masks and signalfd readiness:
// tests/programs/signal_{send,restart,timers,waitmask,cputime,fdready}.c, one
// mode per run, in their -static and -static-pie forms. Natively
// (RINGFENCE_TEST_NATIVE=1) the same expectations check real Linux.
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

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

// A thread's CPU clock counts only the time it ran, not the time another
// busy process on the same CPU ran instead: natively the scheduler's doing,
// in the sandbox the host's steal time (KVM leaves the vCPU waiting). The
// test runs a busy process pinned to CPU 0 beside the program, pinned
// there too; the program's 300 ms of CPU time then take about twice the
// wall time.
TEST(CpuClockTest, TimeTheCpuGaveToOthersIsNotCounted) {
  cpu_set_t saved;
  ASSERT_EQ(sched_getaffinity(0, sizeof(saved), &saved), 0);
  cpu_set_t cpu0;
  CPU_ZERO(&cpu0);
  CPU_SET(0, &cpu0);
  ASSERT_EQ(sched_setaffinity(0, sizeof(cpu0), &cpu0), 0);
  pid_t hog = fork();  // inherits the pinning
  if (hog == 0) {
    for (;;) {
    }
  }
  RunResult r = SandboxRun(TestProgram("signal_cputime"), {"shared"})
                    .Flag("--cpus=1")
                    .Flag("--stats")
                    .TimeoutSeconds(60)
                    .Run();
  kill(hog, SIGKILL);
  waitpid(hog, nullptr, 0);
  ASSERT_EQ(sched_setaffinity(0, sizeof(saved), &saved), 0);
  EXPECT_EQ(r.status, 0) << r.Describe();
  if (!SandboxRun::Native() && r.Stat("sentry.steal_ns") < 0) {
    GTEST_SKIP() << "KVM reports no steal time here";
  }
  double cpu = std::stod(r.Field("spin_cpu_ns"));
  double wall = std::stod(r.Field("wall_ns"));
  EXPECT_LT(cpu, 0.8 * wall) << r.Describe();
}

RINGFENCE_PROGRAM_MODE_SUITE(SignalFdReadyTest, "signal_fdready");

TEST_P(SignalFdReadyTest, ReadableInPollSelectEpollAndWakes) { ExpectModePasses("all"); }

}  // namespace
}  // namespace ringfence::testing
