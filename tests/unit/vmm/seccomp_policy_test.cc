#include "vmm/seccomp_policy.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ringfence::vmm {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// --- Describe() and builder errors (no filter installed) -------------------

TEST(SeccompPolicyDescribeTest, VmmPolicyListsKvmAndTerminalIoctlsOnly) {
  std::string text = VmmPolicy().Describe();
  EXPECT_THAT(text, HasSubstr("default: kill process"));
  EXPECT_THAT(text, HasSubstr("allow ioctl if arg1 & 0xffffffff == 0xae80 "
                              "(KVM_RUN)"));
  EXPECT_THAT(text, HasSubstr("(KVM_GET_REGS)"));
  EXPECT_THAT(text, HasSubstr("(TCGETS)"));
  EXPECT_THAT(text, HasSubstr("(TIOCGWINSZ)"));
  EXPECT_THAT(text,
              HasSubstr("allow mmap if arg2 & 0x4 == 0x0 (no PROT_EXEC)"));
  EXPECT_THAT(text, HasSubstr("allow tgkill if arg0 == getpid()"));
  EXPECT_THAT(text, HasSubstr("fail clone3 with ENOSYS"));
  EXPECT_THAT(text, HasSubstr("allow write\n"));
  for (const char* forbidden :
       {"openat", "execve", "socket", "connect", "bind", "ptrace", "process_vm",
        "fork", "creat", "allow open"}) {
    EXPECT_THAT(text, Not(HasSubstr(forbidden))) << forbidden;
  }
  // No unconditional ioctl line.
  EXPECT_THAT(text, Not(HasSubstr("allow ioctl\n")));
  EXPECT_TRUE(VmmPolicy().status().ok());
}

TEST(SeccompPolicyDescribeTest, DescribesEachRuleOnOneLine) {
  SeccompPolicyBuilder builder;
  builder.AllowExit().AllowExit();  // duplicates collapse
  EXPECT_EQ(builder.Describe(),
            "default: kill process\nallow exit\nallow exit_group\n");
}

TEST(SeccompPolicyDescribeTest, DangerModeIsVisible) {
  SeccompPolicyBuilder builder;
  builder.DangerLogInsteadOfKill();
  EXPECT_THAT(builder.Describe(), HasSubstr("DANGER"));
}

TEST(SeccompPolicyBuilderTest, NeverAllowedSyscallsAreErrors) {
  for (int nr :
       {SCMP_SYS(openat), SCMP_SYS(execve), SCMP_SYS(socket), SCMP_SYS(clone),
        SCMP_SYS(ptrace), SCMP_SYS(process_vm_readv)}) {
    SeccompPolicyBuilder builder;
    builder.AllowExit().AllowSyscall(nr).AllowClocks();
    EXPECT_EQ(builder.status().code(), absl::StatusCode::kPermissionDenied);
    EXPECT_EQ(builder.Build().status().code(),
              absl::StatusCode::kPermissionDenied);
  }
}

TEST(SeccompPolicyBuilderTest, VmmPolicyNeverOpensFiles) {
  // The VMM's policy has no way to open a file: no open* rule at all.
  std::string text = VmmPolicy().Describe();
  for (const char* open_call :
       {"allow openat", "allow openat2", "allow open\n", "allow creat"}) {
    EXPECT_THAT(text, Not(HasSubstr(open_call))) << open_call;
  }
  // And AllowSyscall() still refuses openat and openat2, even in a builder
  // that has AllowOpenBeneathDirectoryFds(): that method is the only way in.
  for (int nr : {SCMP_SYS(openat), SCMP_SYS(openat2)}) {
    SeccompPolicyBuilder plain;
    plain.AllowSyscall(nr);
    EXPECT_EQ(plain.status().code(), absl::StatusCode::kPermissionDenied);
    SeccompPolicyBuilder with_open;
    with_open.AllowOpenBeneathDirectoryFds().AllowSyscall(nr);
    EXPECT_EQ(with_open.status().code(), absl::StatusCode::kPermissionDenied);
    // Not even with conditions.
    SeccompArgCondition dirfd_at_least_zero;
    dirfd_at_least_zero.op = SCMP_CMP_GE;
    SeccompPolicyBuilder conditioned;
    conditioned.AllowSyscall(nr, {dirfd_at_least_zero});
    EXPECT_EQ(conditioned.status().code(), absl::StatusCode::kPermissionDenied);
  }
}

TEST(SeccompPolicyBuilderTest, OpenBeneathDirectoryFdsChecksDirfdAndNofollow) {
  SeccompPolicyBuilder builder;
  builder.AllowOpenBeneathDirectoryFds();
  ASSERT_TRUE(builder.status().ok()) << builder.status();
  EXPECT_EQ(builder.Describe(),
            absl::StrFormat(
                "default: kill process\n"
                "allow openat if arg0 & 0x80000000 == 0x0 (dirfd >= 0) and "
                "arg2 & 0x%x == 0x%x (O_NOFOLLOW)\n"
                "allow openat2 if arg0 & 0x80000000 == 0x0 (dirfd >= 0)\n",
                O_NOFOLLOW, O_NOFOLLOW));
  EXPECT_TRUE(builder.Build().ok());
}

TEST(SeccompPolicyBuilderTest, KeepsTheFirstError) {
  SeccompPolicyBuilder builder;
  builder
      .AllowSyscall(SCMP_SYS(ioctl))   // needs conditions
      .AllowSyscall(SCMP_SYS(execve))  // never allowed
      .AllowIoctls({});                // empty set
  EXPECT_EQ(builder.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(builder.status().message(), HasSubstr("ioctl"));
}

TEST(SeccompPolicyBuilderTest, RejectsBadArgumentIndex) {
  SeccompPolicyBuilder builder;
  SeccompArgCondition bad;
  bad.arg = 6;
  builder.AllowSyscall(SCMP_SYS(getrandom), {bad});
  EXPECT_FALSE(builder.status().ok());
}

TEST(SeccompPolicyBuilderTest, VmmPolicyBuilds) {
  absl::StatusOr<SeccompPolicy> policy = VmmPolicy().Build();
  EXPECT_TRUE(policy.ok()) << policy.status();
}

// --- Installed in a forked child -------------------------------------------

// Runs `body` in a child after installing `policy`; returns the raw wait
// status. The child exits 0 if body returns true, 1 if it returns false, and
// 2 if installing failed.
int RunUnderPolicy(const SeccompPolicyBuilder& policy,
                   const std::function<bool()>& body) {
  fflush(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    // A killed child would otherwise try to dump core.
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    if (!policy.Install().ok()) _exit(2);
    _exit(body() ? 0 : 1);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return -1;
  return status;
}

int RunUnderVmmPolicy(const std::function<bool()>& body) {
  return RunUnderPolicy(VmmPolicy(), body);
}

bool KilledBySigsys(int status) {
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS;
}
bool ExitedCleanly(int status) {
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST(SeccompPolicyInstallTest, AllowedCallsWork) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  int status = RunUnderVmmPolicy([&] {
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return false;
    if (syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts) != 0) return false;
    const char msg[] = "hello";
    if (write(fds[1], msg, 5) != 5) return false;
    if (getrandom(&ts, sizeof(ts), 0) != sizeof(ts)) return false;
    struct stat st;
    if (fstat(fds[1], &st) != 0) return false;
    // An fd that is not a terminal: ENOTTY, not a kill.
    struct winsize ws;
    if (ioctl(fds[1], TIOCGWINSZ, &ws) != -1 || errno != ENOTTY) return false;
    return true;
  });
  close(fds[1]);
  char buf[8] = {};
  EXPECT_EQ(read(fds[0], buf, sizeof(buf)), 5);
  close(fds[0]);
  EXPECT_TRUE(ExitedCleanly(status)) << "wait status " << status;
  EXPECT_STREQ(buf, "hello");
}

TEST(SeccompPolicyInstallTest, MallocStillWorks) {
  int status = RunUnderVmmPolicy([] {
    // Small (brk arena), large (mmap threshold) and growing allocations,
    // plus abseil's own string building.
    std::vector<std::unique_ptr<char[]>> blocks;
    for (int i = 0; i < 1000; ++i) {
      blocks.push_back(std::make_unique<char[]>(64 + i));
    }
    auto big = std::make_unique<char[]>(64 << 20);
    std::memset(big.get(), 1, 64 << 20);
    std::vector<int> grow;
    for (int i = 0; i < 1 << 20; ++i) grow.push_back(i);
    std::string s =
        absl::StrCat("x", grow.size(), static_cast<int>(big[12345]));
    blocks.clear();
    big.reset();
    return s == "x10485761";
  });
  EXPECT_TRUE(ExitedCleanly(status)) << "wait status " << status;
}

TEST(SeccompPolicyInstallTest, ThreadsWork) {
  int status = RunUnderVmmPolicy([] {
    pthread_t thread;
    static int value = 0;
    if (pthread_create(
            &thread, nullptr,
            [](void*) -> void* {
              value = 42;
              return nullptr;
            },
            nullptr) != 0) {
      return false;
    }
    pthread_join(thread, nullptr);
    return value == 42;
  });
  EXPECT_TRUE(ExitedCleanly(status)) << "wait status " << status;
}

// What the vCPU threads of a multi-vCPU sandbox do under the filter
// (vmm/vcpu_runner.cc): wait on a condition variable (futex), kick a thread
// blocked in a host call with a signal that interrupts it (tgkill, the
// handler's rt_sigreturn), sched_yield (kYield), and exit and join.
TEST(SeccompPolicyInstallTest, VcpuThreadKicksWork) {
  static int fds[2];  // made here: the policy allows no new pipes
  ASSERT_EQ(pipe(fds), 0);
  int status = RunUnderVmmPolicy([] {
    struct sigaction action = {};
    action.sa_handler = [](int) {};
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGUSR2, &action, nullptr) != 0) return false;  // no SA_RESTART
    static std::mutex mutex;
    static std::condition_variable ready;
    static bool blocked = false;
    static std::atomic<ssize_t> read_result{0};
    static std::atomic<int> read_errno{0};
    std::thread vcpu([] {
      {
        std::lock_guard lock(mutex);
        blocked = true;
      }
      ready.notify_all();
      char byte;
      ssize_t result = read(fds[0], &byte, 1);
      read_errno = errno;
      read_result = result;
    });
    {
      std::unique_lock lock(mutex);
      ready.wait(lock, [] { return blocked; });
    }
    // Kick until the read is interrupted (the thread may not be in it yet).
    for (int i = 0; i < 1000 && vcpu.joinable(); ++i) {
      pthread_kill(vcpu.native_handle(), SIGUSR2);
      sched_yield();
      usleep(1000);
      if (read_result == -1) break;
    }
    vcpu.join();
    return read_result == -1 && read_errno == EINTR;
  });
  close(fds[0]);
  close(fds[1]);
  EXPECT_TRUE(ExitedCleanly(status)) << "wait status " << status;
}

TEST(SeccompPolicyInstallTest, OpenatKills) {
  EXPECT_TRUE(KilledBySigsys(RunUnderVmmPolicy([] {
    syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY);
    return true;
  })));
}

// What the Gofer needs to open files: relative to a real directory fd with
// O_NOFOLLOW works; cwd-relative, following, or plain open() is killed.
SeccompPolicyBuilder OpenBeneathPolicy() {
  SeccompPolicyBuilder builder;
  builder.AllowExit().AllowMemoryAllocation().AllowOpenBeneathDirectoryFds();
  return builder;
}

TEST(SeccompPolicyInstallTest, OpenBeneathDirectoryFdsAllowsOnlyThat) {
  int dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(dir, 0);
  int status = RunUnderPolicy(OpenBeneathPolicy(), [dir] {
    long fd = syscall(SYS_openat, dir, "tmp", O_PATH | O_NOFOLLOW | O_CLOEXEC);
    return fd >= 0;
  });
  EXPECT_TRUE(ExitedCleanly(status)) << "wait status " << status;
  // openat2 with a real dirfd passes the filter (ENOSYS on old kernels is
  // fine: the filter did not kill).
  status = RunUnderPolicy(OpenBeneathPolicy(), [dir] {
    struct open_how how = {};
    how.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH;
    syscall(SYS_openat2, dir, "tmp", &how, sizeof(how));
    return true;
  });
  EXPECT_TRUE(ExitedCleanly(status)) << "wait status " << status;

  struct Probe {
    const char* what;
    std::function<void()> call;
  };
  const std::vector<Probe> killed = {
      {"openat AT_FDCWD",
       [] {
         syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY | O_NOFOLLOW);
       }},
      {"openat without O_NOFOLLOW",
       [dir] { syscall(SYS_openat, dir, "etc", O_PATH); }},
      {"openat2 AT_FDCWD",
       [] {
         struct open_how how = {};
         how.flags = O_RDONLY | O_NOFOLLOW;
         syscall(SYS_openat2, AT_FDCWD, "/etc/passwd", &how, sizeof(how));
       }},
      {"open", [] { syscall(SYS_open, "/etc/passwd", O_RDONLY | O_NOFOLLOW); }},
  };
  for (const Probe& p : killed) {
    status = RunUnderPolicy(OpenBeneathPolicy(), [&] {
      p.call();
      return true;
    });
    EXPECT_TRUE(KilledBySigsys(status)) << p.what << ": wait status " << status;
  }
  close(dir);
}

TEST(SeccompPolicyInstallTest, ExecveKills) {
  EXPECT_TRUE(KilledBySigsys(RunUnderVmmPolicy([] {
    char* argv[] = {const_cast<char*>("/bin/true"), nullptr};
    execve("/bin/true", argv, environ);
    return true;
  })));
}

TEST(SeccompPolicyInstallTest, NonKvmNonTerminalIoctlKills) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  int status = RunUnderVmmPolicy([&] {
    int available = 0;
    ioctl(fds[0], FIONREAD, &available);
    return true;
  });
  close(fds[0]);
  close(fds[1]);
  EXPECT_TRUE(KilledBySigsys(status)) << "wait status " << status;
}

TEST(SeccompPolicyInstallTest, ExecutableMmapKills) {
  EXPECT_TRUE(KilledBySigsys(RunUnderVmmPolicy([] {
    mmap(nullptr, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1,
         0);
    return true;
  })));
}

TEST(SeccompPolicyInstallTest, MprotectToExecutableKills) {
  EXPECT_TRUE(KilledBySigsys(RunUnderVmmPolicy([] {
    void* page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) return false;
    mprotect(page, 4096, PROT_READ | PROT_EXEC);
    return true;
  })));
}

TEST(SeccompPolicyInstallTest, SocketAndForkKill) {
  EXPECT_TRUE(KilledBySigsys(RunUnderVmmPolicy([] {
    socket(AF_INET, SOCK_STREAM, 0);
    return true;
  })));
  EXPECT_TRUE(KilledBySigsys(RunUnderVmmPolicy([] {
    // glibc's fork() is clone(SIGCHLD): not a thread.
    syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    return true;
  })));
}

TEST(SeccompPolicyInstallTest, SignallingAnotherProcessKills) {
  EXPECT_TRUE(KilledBySigsys(RunUnderVmmPolicy([] {
    kill(getppid(), 0);
    return true;
  })));
}

TEST(SeccompPolicyInstallTest, AbortStillAborts) {
  int status = RunUnderVmmPolicy([] {
    abort();
    return true;
  });
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT)
      << "wait status " << status;
}

// The Gofer channel: send() and recvmsg() on the Gofer sockets only, and
// wait4 only for the Gofer's pid.
TEST(SeccompPolicyInstallTest, GoferChannelsOnlyOnTheirSockets) {
  int gofer[2], other[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, gofer), 0);
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, other), 0);
  pid_t child = fork();
  if (child == 0) _exit(7);
  ASSERT_GT(child, 0);
  auto receive = [](int fd) {
    char buf[8];
    struct iovec iov = {buf, sizeof(buf)};
    struct msghdr msg = {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    return recvmsg(fd, &msg, MSG_DONTWAIT);
  };
  SeccompPolicyBuilder policy = VmmPolicy({gofer[0]}, {child});
  // A reply waiting for the child to receive.
  ASSERT_EQ(send(gofer[1], "pong", 4, 0), 4);
  int status = RunUnderPolicy(policy, [&] {
    return send(gofer[0], "ping", 4, MSG_NOSIGNAL) == 4 && receive(gofer[0]) == 4;
  });
  EXPECT_TRUE(ExitedCleanly(status)) << "wait status " << status;
  EXPECT_TRUE(KilledBySigsys(RunUnderPolicy(policy, [&] {
    send(other[0], "x", 1, MSG_NOSIGNAL);
    return true;
  })));
  EXPECT_TRUE(KilledBySigsys(RunUnderPolicy(policy, [&] {
    receive(other[0]);
    return true;
  })));
  // wait4 for the Gofer's pid passes the filter (it is the test's child, not
  // the policy process's, hence ECHILD).
  status = RunUnderPolicy(policy, [&] {
    return waitpid(child, nullptr, WNOHANG) == -1 && errno == ECHILD;
  });
  EXPECT_TRUE(ExitedCleanly(status)) << "wait status " << status;
  // Any child (-1) is refused.
  EXPECT_TRUE(KilledBySigsys(RunUnderPolicy(policy, [] {
    waitpid(-1, nullptr, WNOHANG);
    return true;
  })));
  waitpid(child, nullptr, 0);
  for (int fd : {gofer[0], gofer[1], other[0], other[1]}) close(fd);
}

TEST(SeccompPolicyDescribeTest, VmmPolicyDescribesTheGoferChannel) {
  std::string text = VmmPolicy({10}, {1000}).Describe();
  EXPECT_THAT(text, ::testing::HasSubstr(
                        "allow sendto if arg0 & 0xffffffff == 0xa (gofer socket)"));
  EXPECT_THAT(text, ::testing::HasSubstr(
                        "allow recvmsg if arg0 & 0xffffffff == 0xa (gofer socket)"));
  EXPECT_THAT(text,
              ::testing::HasSubstr("allow wait4 if arg0 & 0xffffffff == 0x3e8 (gofer pid)"));
  // Without Gofers, none of it.
  std::string plain = VmmPolicy().Describe();
  EXPECT_EQ(plain.find("sendto"), std::string::npos);
  EXPECT_EQ(plain.find("recvmsg"), std::string::npos);
  EXPECT_EQ(plain.find("wait4"), std::string::npos);
  EXPECT_FALSE(VmmPolicy({-1}).status().ok());
  EXPECT_FALSE(VmmPolicy({}, {0}).status().ok());
}

}  // namespace
}  // namespace ringfence::vmm
