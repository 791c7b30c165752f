// Linux x86-64 user ABI: constants and struct layouts the Sentry exchanges
// with applications. Our own definitions (the UAPI headers clash with libc
// in hosted builds); sizes are checked against the kernel's.
#ifndef RINGFENCE_KERNEL_ABI_LINUX_H_
#define RINGFENCE_KERNEL_ABI_LINUX_H_

#include <cstdint>

namespace linux_abi {

struct Timespec {
  int64_t tv_sec;
  int64_t tv_nsec;
};
struct Timeval {
  int64_t tv_sec;
  int64_t tv_usec;
};

struct Iovec {
  uint64_t base;
  uint64_t length;
};
inline constexpr uint64_t kIovMax = 1024;

struct Utsname {
  char sysname[65];
  char nodename[65];
  char release[65];
  char version[65];
  char machine[65];
  char domainname[65];
};
static_assert(sizeof(Utsname) == 390);

// sysinfo(2). Loads are fixed point with 16 fraction bits (SI_LOAD_SHIFT).
struct Sysinfo {
  int64_t uptime;  // seconds since boot
  uint64_t loads[3];
  uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
  uint16_t procs;
  uint16_t pad;
  uint64_t totalhigh, freehigh;
  uint32_t mem_unit;  // the unit of the *ram/*swap/*high fields, in bytes
  char reserved[4];
};
static_assert(sizeof(Sysinfo) == 112);

struct Stat {
  uint64_t dev;
  uint64_t ino;
  uint64_t nlink;
  uint32_t mode;
  uint32_t uid;
  uint32_t gid;
  uint32_t pad0;
  uint64_t rdev;
  int64_t size;
  int64_t blksize;
  int64_t blocks;
  Timespec atime;
  Timespec mtime;
  Timespec ctime;
  int64_t unused[3];
};
static_assert(sizeof(Stat) == 144);

inline constexpr uint32_t kS_IFMT = 0170000;
inline constexpr uint32_t kS_IFCHR = 0020000;

struct Rlimit {
  uint64_t cur;
  uint64_t max;
};
inline constexpr uint64_t kRlimInfinity = ~0ull;
enum RlimitResource : int {
  kRlimitCpu = 0, kRlimitFsize, kRlimitData, kRlimitStack, kRlimitCore,
  kRlimitRss, kRlimitNproc, kRlimitNofile, kRlimitMemlock, kRlimitAs,
  kRlimitLocks, kRlimitSigpending, kRlimitMsgqueue, kRlimitNice,
  kRlimitRtprio, kRlimitRttime, kRlimitCount,
};

// getrusage(2)'s struct rusage, and times(2)'s struct tms (clock ticks).
struct Rusage {
  Timeval utime;
  Timeval stime;
  int64_t maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock, oublock, msgsnd, msgrcv,
      nsignals, nvcsw, nivcsw;
};
static_assert(sizeof(Rusage) == 144);
struct Tms {
  int64_t utime, stime, cutime, cstime;
};
inline constexpr int64_t kClockTicksPerSecond = 100;  // USER_HZ, AT_CLKTCK

// rt_sigaction's struct (the kernel's, not glibc's).
struct SigAction {
  uint64_t handler;
  uint64_t flags;
  uint64_t restorer;
  uint64_t mask;
};
inline constexpr uint64_t kSigDefault = 0;
inline constexpr uint64_t kSigIgnore = 1;
inline constexpr uint64_t kSaSiginfo = 0x4;
inline constexpr uint64_t kSaOnstack = 0x08000000;
inline constexpr uint64_t kSaRestorer = 0x04000000;
inline constexpr uint64_t kSaNocldstop = 0x1;  // SIGCHLD: not for stops and continues
inline constexpr uint64_t kSaNocldwait = 0x2;  // SIGCHLD: children are not zombies
inline constexpr uint64_t kSaRestart = 0x10000000;
inline constexpr uint64_t kSaNodefer = 0x40000000;
inline constexpr uint64_t kSaResethand = 0x80000000;

// siginfo_t (128 bytes): three ints, then a union at offset 16 whose
// layout depends on who raised the signal (si_code).
struct SigInfo {
  int32_t signo;
  int32_t error;
  int32_t code;
  int32_t pad;
  union {
    struct {  // kill, tkill, rt_sigqueueinfo (value: sigqueue's sigval)
      int32_t pid;
      uint32_t uid;
      uint64_t value;
    } sender;
    struct {  // SIGCHLD
      int32_t pid;
      uint32_t uid;
      int32_t status;  // exit code, or the signal (CLD_KILLED/DUMPED/STOPPED/CONTINUED)
      int32_t pad;
      int64_t utime;   // clock ticks
      int64_t stime;
    } child;
    struct {  // POSIX timers
      int32_t timer_id;
      int32_t overrun;
      uint64_t value;
    } timer;
    struct {  // SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP
      uint64_t address;
    } fault;
    struct {  // SIGIO / SIGPOLL
      int64_t band;
      int32_t fd;
    } poll;
    uint8_t raw[112];
  };
};
static_assert(sizeof(SigInfo) == 128);
// si_code values a sender sets (the rest are per-signal, e.g. CLD_*).
inline constexpr int32_t kSiUser = 0;       // kill
inline constexpr int32_t kSiKernel = 0x80;  // the kernel itself
inline constexpr int32_t kSiQueue = -1;     // sigqueue / rt_sigqueueinfo
inline constexpr int32_t kSiTimer = -2;     // POSIX timer expiry
inline constexpr int32_t kSiTkill = -6;     // tkill, tgkill
inline constexpr int32_t kCldExited = 1, kCldKilled = 2, kCldDumped = 3, kCldTrapped = 4,
                         kCldStopped = 5, kCldContinued = 6;

struct SignalStack {
  uint64_t sp;
  int32_t flags;
  int32_t pad;
  uint64_t size;
};
inline constexpr int32_t kSsOnstack = 1;
inline constexpr int32_t kSsDisable = 2;
inline constexpr int32_t kSsAutodisarm = 1 << 31;
inline constexpr uint64_t kMinSigStackSize = 2048;

inline constexpr int kSigHup = 1, kSigInt = 2, kSigQuit = 3, kSigIll = 4,
                     kSigTrap = 5, kSigAbrt = 6, kSigBus = 7, kSigFpe = 8,
                     kSigKill = 9, kSigUsr1 = 10, kSigSegv = 11, kSigUsr2 = 12,
                     kSigPipe = 13, kSigAlrm = 14, kSigTerm = 15, kSigChld = 17,
                     kSigCont = 18, kSigStop = 19, kSigTstp = 20, kSigSys = 31;
inline constexpr int kNumSignals = 64;

// Auxiliary vector tags.
enum AuxvTag : uint64_t {
  kAtNull = 0, kAtPhdr = 3, kAtPhent = 4, kAtPhnum = 5, kAtPagesz = 6,
  kAtBase = 7, kAtFlags = 8, kAtEntry = 9, kAtUid = 11, kAtEuid = 12,
  kAtGid = 13, kAtEgid = 14, kAtPlatform = 15, kAtHwcap = 16, kAtClktck = 17,
  kAtSecure = 23, kAtRandom = 25, kAtHwcap2 = 26, kAtExecfn = 31,
  kAtMinsigstksz = 51,
};

// open(2) flags that matter for stdio.
inline constexpr uint32_t kO_ACCMODE = 03;
inline constexpr uint32_t kO_RDONLY = 0;
inline constexpr uint32_t kO_WRONLY = 1;
inline constexpr uint32_t kO_RDWR = 2;
inline constexpr uint32_t kO_APPEND = 02000;
inline constexpr uint32_t kO_NONBLOCK = 04000;
inline constexpr uint32_t kO_CLOEXEC = 02000000;

}  // namespace linux_abi

#endif  // RINGFENCE_KERNEL_ABI_LINUX_H_
