#include "kernel/fs/mount_namespace.h"

#include "kernel/fs/devfs/devfs.h"
#include "kernel/fs/host_file.h"
#include "kernel/fs/procfs/procfs.h"
#include "kernel/fs/sysfs/sysfs.h"
#include "kernel/fs/tmpfs/tmpfs.h"
#include "kernel/ktl/panic.h"
#include "kernel/mm/physical_memory.h"
#include "kernel/random/entropy.h"
#include "kernel/time/clock.h"

namespace sentry::fs {
namespace {

class RealtimeClock final : public vfs::Clock {
 public:
  vfs::Timespec Now() override {
    int64_t ns = time::RealtimeNs();
    return {ns / time::kNsPerSecond, ns % time::kNsPerSecond};
  }
};

// The mount points boot creates in the root before mounting on them.
struct StandardDirectory {
  const char* path;
  uint32_t mode;
};
constexpr StandardDirectory kStandardDirectories[] = {
    {"/tmp", 01777}, {"/dev", 0755}, {"/proc", 0555}, {"/sys", 0555},
};

// /dev/tty and /dev/console: the sandbox's stdio on the host.
class StdioTerminals final : public devfs::HostTerminals {
 public:
  void Init(const ringfence::abi::BootInfo& boot) {
    for (int fd = 0; fd < 3; ++fd) stdio_[fd] = boot.stdio[fd];
  }

  // The first stdio file that is a terminal, preferring one open for both
  // reading and writing (a shell's tty fds are).
  fs::File* Terminal() override {
    int chosen = -1;
    for (int fd = 2; fd >= 0; --fd) {
      if (!stdio_[fd].is_open || !stdio_[fd].is_terminal) continue;
      if (chosen < 0 || (stdio_[fd].open_flags & vfs::kO_ACCMODE) == vfs::kO_RDWR) chosen = fd;
    }
    return chosen < 0 ? nullptr : Open(chosen);
  }

  fs::File* Console() override {
    return stdio_[ringfence::abi::kHandleStderr].is_open ? Open(ringfence::abi::kHandleStderr)
                                                         : nullptr;
  }

 private:
  fs::File* Open(int fd) {
    const auto& info = stdio_[fd];
    return new (std::nothrow) HostFile(static_cast<uint32_t>(fd), info.open_flags,
                                       info.file_type, info.is_terminal != 0,
                                       /*inode=*/static_cast<uint64_t>(fd) + 1);
  }

  ringfence::abi::StdioInfo stdio_[3] = {};
};

void FillRandomBytes(std::span<uint8_t> out) { FillRandom(out); }

vfs::Timespec BootTime() { return SentryClock().Now(); }

void MountOrPanic(vfs::Vfs& vfs, const vfs::Caller& caller, const char* path,
                  ktl::Result<vfs::RefPtr<vfs::Inode>> root, uint32_t flags) {
  if (!root.ok() || !vfs.Mount(caller, path, std::move(root).value(), flags).ok()) {
    ktl::Panic("cannot mount a boot file system");
  }
}

// /dev (with /dev/shm), /proc and /sys.
void MountSpecialFileSystems(vfs::Vfs& vfs, const vfs::Caller& caller,
                             const ringfence::abi::BootInfo& boot) {
  static StdioTerminals terminals;
  terminals.Init(boot);
  devfs::Options dev;
  dev.mount_time = BootTime();
  dev.fill_random = FillRandomBytes;
  dev.terminals = &terminals;
  MountOrPanic(vfs, caller, "/dev", devfs::Create(dev), vfs::kMountNoSuid);
  MountOrPanic(vfs, caller, "/dev/shm", NewTmpfs(01777),
               vfs::kMountNoSuid | vfs::kMountNoDev | vfs::kMountNoExec);

  constexpr uint32_t kKernelFsFlags = vfs::kMountNoSuid | vfs::kMountNoDev | vfs::kMountNoExec;
  procfs::Options proc;
  proc.mount_time = BootTime();
  proc.cpu_count = boot.vcpu_count;
  proc.tsc_khz = boot.tsc_khz;
  proc.memory_bytes = boot.memory_bytes;
  proc.mount_namespace = &vfs;
  MountOrPanic(vfs, caller, "/proc", procfs::Create(proc), kKernelFsFlags);

  sysfs::Options sys;
  sys.mount_time = BootTime();
  sys.cpu_count = boot.vcpu_count;
  MountOrPanic(vfs, caller, "/sys", sysfs::Create(sys), kKernelFsFlags | vfs::kMountReadOnly);
}

}  // namespace

// Function-local statics: built on first use, after boot has set up the heap.
vfs::Vfs& MountNamespace() {
  static vfs::Vfs mount_namespace;
  return mount_namespace;
}

vfs::Clock& SentryClock() {
  static RealtimeClock clock;
  return clock;
}

tmpfs::PageSource& SentryPageSource() {
  static tmpfs::PageAllocatorPageSource source(&mm::PhysicalPages());
  return source;
}

ktl::Result<vfs::RefPtr<vfs::Inode>> NewTmpfs(uint32_t root_mode) {
  tmpfs::Options options;
  options.clock = &SentryClock();
  options.pages = &SentryPageSource();
  options.root_mode = root_mode;
  return tmpfs::Create(options);
}

void MountFileSystems(const ringfence::abi::BootInfo& boot) {
  vfs::Vfs& vfs = MountNamespace();
  auto root = NewTmpfs(0755);
  if (!root.ok() || !vfs.MountRoot(std::move(root).value(), 0).ok()) {
    ktl::Panic("cannot mount the root file system");
  }
  vfs::Path root_path = vfs.root();
  vfs::Credentials boot_creds;  // root with every capability
  vfs::Caller caller{root_path, root_path, boot_creds, 0};
  for (const auto& dir : kStandardDirectories) {
    if (!vfs.Mkdir(caller, dir.path, dir.mode).ok()) ktl::Panic("cannot create a mount point");
  }
  auto tmp = NewTmpfs(01777);
  if (!tmp.ok() || !vfs.Mount(caller, "/tmp", std::move(tmp).value(), 0).ok()) {
    ktl::Panic("cannot mount /tmp");
  }
  MountSpecialFileSystems(vfs, caller, boot);
}

}  // namespace sentry::fs
