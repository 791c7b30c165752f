// Several vCPUs (`ringfence do --cpus N`): threads pinned to CPUs, FPU state
// across migrations, the TLB shootdown of munmap, futex contention, the
// thread tests on two vCPUs, and --cpus validation. The programs also run on
// Linux itself with RINGFENCE_TEST_NATIVE=1 (given a host with 2 CPUs).
#include <sched.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/sandbox_runner.h"
#include "tests/integration/test_programs.h"

namespace ringfence::testing {
namespace {

int HostCpus() {
  cpu_set_t set;
  return sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 1;
}

// Runs `name args` on `cpus` vCPUs; it must exit 0 and print `done_line`.
RunResult ExpectPassesOn(int cpus, const std::string& name, std::vector<std::string> args,
                         const std::string& done_line) {
  RunResult r = SandboxRun(TestProgram(name), std::move(args))
                    .Flag("--cpus=" + std::to_string(cpus))
                    .TimeoutSeconds(180)
                    .Run();
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_FALSE(r.timed_out) << r.Describe();
  EXPECT_FALSE(Contains(r.out, "FAIL")) << r.Describe();
  EXPECT_TRUE(Contains(r.out, done_line + "\n")) << r.Describe();
  return r;
}

#define SKIP_NATIVE_WITHOUT_CPUS(n)                                               \
  do {                                                                          \
    if (SandboxRun::Native() && HostCpus() < (n)) {                             \
      GTEST_SKIP() << "native run needs " << (n) << " host CPUs";                \
    }                                                                           \
  } while (0)

TEST(SmpTest, ThreadsPinnedToEachCpuReportIt) {
  SKIP_NATIVE_WITHOUT_CPUS(2);
  RunResult r = ExpectPassesOn(2, "smp_cpus", {"pin", "2"}, "pin done");
  EXPECT_TRUE(Contains(r.out, "thread 0 cpu 0 0\n")) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "thread 1 cpu 1 1\n")) << r.Describe();
  if (!SandboxRun::Native()) {
    EXPECT_EQ(r.Field("cpus"), "2") << r.Describe();
  }
}

TEST(SmpTest, FourVcpusEachRunAPinnedThread) {
  SKIP_NATIVE_WITHOUT_CPUS(4);
  RunResult r = ExpectPassesOn(4, "smp_cpus", {"pin", "4"}, "pin done");
  EXPECT_TRUE(Contains(r.out, "thread 3 cpu 3 3\n")) << r.Describe();
}

TEST(SmpTest, FpuStateSurvivesMigrations) {
  SKIP_NATIVE_WITHOUT_CPUS(2);
  ExpectPassesOn(2, "smp_cpus", {"fpu", "2"}, "fpu done");
}

// A thread on CPU 1 keeps a page in its TLB while CPU 0 changes the
// mapping: after munmap/mprotect its next access faults, after an mremap
// over the page it reads the new page. Needs vCPUs that really run in
// parallel to fail without shootdowns: see the sandbox_integration_smp entry
// in CMakeLists.txt.
TEST(SmpTest, MappingChangesReachTheOtherCpusTlb) {
  SKIP_NATIVE_WITHOUT_CPUS(2);
  RunResult munmap = ExpectPassesOn(2, "smp_cpus", {"munmap"}, "munmap done");
  EXPECT_EQ(munmap.Field("faults"), "20") << munmap.Describe();
  RunResult mprotect = ExpectPassesOn(2, "smp_cpus", {"mprotect"}, "mprotect done");
  EXPECT_EQ(mprotect.Field("faults"), "20") << mprotect.Describe();
  RunResult remap = ExpectPassesOn(2, "smp_cpus", {"remap"}, "remap done");
  EXPECT_EQ(remap.Field("stale"), "0") << remap.Describe();
}

// A vCPU idles on the kernel page table: the munmaps of a process that
// ran there before send it no TLB shootdown IPI. (Without that, every one
// of the 200 did.)
TEST(SmpTest, IdleCpusGetNoTlbShootdowns) {
  SKIP_NATIVE_WITHOUT_CPUS(2);
  RunResult r = SandboxRun(TestProgram("smp_cpus"), {"idle", "200"})
                    .Flag("--cpus=2")
                    .Flag("--stats")
                    .TimeoutSeconds(180)
                    .Run();
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "idle done\n")) << r.Describe();
  if (SandboxRun::Native()) return;
  long long ipis = r.Stat("sentry.tlb_shootdown_ipis");
  ASSERT_GE(ipis, 0) << r.Describe();
  EXPECT_LT(ipis, 20) << r.Describe();
}

TEST(SmpTest, FutexStressSixteenThreadsOnTwoCpus) {
  ExpectPassesOn(2, "thread_sync", {"stress", "16"}, "thread_sync stress done");
}

TEST(SmpTest, ThreadTestsOnTwoCpus) {
  RunResult r = ExpectPassesOn(2, "thread_basic", {}, "thread_basic done");
  if (!SandboxRun::Native()) {
    EXPECT_EQ(r.Field("cpus"), "2") << r.Describe();
  }
  ExpectPassesOn(2, "thread_sync", {}, "thread_sync  done");
  ExpectPassesOn(2, "thread_sync", {"contention"}, "thread_sync contention done");
  ExpectPassesOn(2, "thread_sleep", {}, "thread_sleep done");
  RunResult exit_group =
      SandboxRun(TestProgram("thread_basic"), {"exit_group"}).Flag("--cpus=2").TimeoutSeconds(60).Run();
  EXPECT_EQ(exit_group.status, 7) << exit_group.Describe();
}

// exit_group and execve end threads that run ring 3 or sleep on another
// vCPU (an IPI makes the runner enter the Sentry), and never wait forever.
TEST(SmpTest, ExitGroupAndExecEndThreadsOnTheOtherCpu) {
  SKIP_NATIVE_WITHOUT_CPUS(2);
  RunResult exit_group =
      SandboxRun(TestProgram("smp_process"), {"exit_group"}).Flag("--cpus=2").TimeoutSeconds(120).Run();
  EXPECT_EQ(exit_group.status, 7) << exit_group.Describe();
  EXPECT_FALSE(exit_group.timed_out) << exit_group.Describe();
  ExpectPassesOn(2, "smp_process", {"exec"}, "exec_target done");
}

// fork write-protects the parent's pages while its other thread writes them
// on CPU 1: that thread's writes must not reach the child's copy.
TEST(SmpTest, ForkCopyOnWriteWhileAThreadWritesOnTheOtherCpu) {
  SKIP_NATIVE_WITHOUT_CPUS(2);
  ExpectPassesOn(2, "smp_process", {"fork_cow"}, "fork_cow done");
}

// Pipes, epoll, eventfd, timerfd and a process timer's signal wake a thread
// blocked on the other vCPU.
TEST(SmpTest, WakeupsReachAThreadBlockedOnTheOtherCpu) {
  SKIP_NATIVE_WITHOUT_CPUS(2);
  ExpectPassesOn(2, "smp_process", {"wakeups"}, "wakeups done");
}

// The CLI refuses counts outside 1..64 before starting anything.
TEST(SmpTest, CpusFlagIsValidated) {
  for (const char* bad : {"0", "65", "-1", "two", "1.5", "2x"}) {
    RunResult r = SandboxRun(SandboxRun::RingfenceBinary(),
                             {"do", std::string("--cpus=") + bad, "--", TestProgram("hello")})
                      .OnHost()
                      .Run();
    EXPECT_EQ(r.status, 125) << bad << "\n" << r.Describe();
    EXPECT_TRUE(Contains(r.err, "--cpus")) << r.Describe();
  }
}

TEST(SmpTest, DefaultCpuCountIsTheCallersCpus) {
  if (SandboxRun::Native()) GTEST_SKIP() << "about ringfence itself";
  // Under RINGFENCE_TEST_CPUS the runner passes --cpus itself. (Running
  // ringfence directly instead would lose the runner's /tmp volume for a
  // build tree under /tmp.)
  if (!SandboxRun::DefaultCpus().empty()) GTEST_SKIP() << "RINGFENCE_TEST_CPUS sets --cpus";
  RunResult r = SandboxRun(TestProgram("thread_basic")).TimeoutSeconds(120).Run();
  EXPECT_EQ(r.status, 0) << r.Describe();
  int expected = HostCpus() > 64 ? 64 : HostCpus();
  EXPECT_EQ(r.Field("cpus"), std::to_string(expected)) << r.Describe();
}

}  // namespace
}  // namespace ringfence::testing
