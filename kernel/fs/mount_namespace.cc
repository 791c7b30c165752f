#include "kernel/fs/mount_namespace.h"

#include "kernel/fs/devfs/devfs.h"
#include "kernel/fs/gofer/gofer_fs.h"
#include "kernel/fs/gofer/hypercall_transport.h"
#include "kernel/fs/overlay/overlay.h"
#include "kernel/fs/host_file.h"
#include "kernel/fs/procfs/procfs.h"
#include "kernel/fs/sysfs/sysfs.h"
#include "kernel/fs/tmpfs/tmpfs.h"
#include "kernel/ktl/panic.h"
#include "kernel/mm/physical_memory.h"
#include "kernel/random/entropy.h"
#include "kernel/time/clock.h"
#include "kernel/vfs/idle_page_caches.h"
#include "platform_kvm/guest/hypercall.h"

namespace sentry::fs {
namespace {

class RealtimeClock final : public vfs::Clock {
 public:
  vfs::Timespec Now() override {
    int64_t ns = time::RealtimeNs();
    return {ns / time::kNsPerSecond, ns % time::kNsPerSecond};
  }
};

// The share of guest memory page caches of unmapped read-only files keep.
constexpr uint64_t kIdlePageCacheDivisor = 8;

// The mount points boot creates in the root before mounting on them.
struct StandardDirectory {
  const char* path;
  uint32_t mode;
};
constexpr StandardDirectory kStandardDirectories[] = {
    {"/tmp", 01777}, {"/dev", 0755}, {"/proc", 0555}, {"/sys", 0555},
};

// --- Gofer mounts (issue 3) ---------------------------------------------------

// A BootInfo path as a view, or empty if it is not NUL-terminated in bounds.
ktl::StringView BootPath(const char (&path)[ringfence::abi::kBootPathMax]) {
  for (size_t i = 0; i < ringfence::abi::kBootPathMax; ++i) {
    if (path[i] == '\0') return {path, i};
  }
  return {};
}

void Warn(const char* text) { platform::WriteToStderr(text, ktl::StrLen(text)); }

uint32_t GoferMountFlags(const ringfence::abi::GoferMountInfo& mount) {
  bool read_only = (mount.flags & ringfence::abi::kGoferMountReadOnly) != 0;
  return read_only ? static_cast<uint32_t>(vfs::kMountReadOnly) : 0u;
}

// The root file system: the root Gofer's tree (mount 0) if the sandbox has
// one, else an empty tmpfs. A read-only host tree (the default) is the lower
// layer of an overlay whose tmpfs upper layer takes every change: the
// program may write anywhere and the host never changes. --writable-root
// serves the host tree itself, writable.
ktl::Result<vfs::RefPtr<vfs::Inode>> NewRootFileSystem(const ringfence::abi::BootInfo& boot,
                                                       uint32_t* mount_flags) {
  *mount_flags = 0;
  if (boot.gofer_mount_count == 0) return NewTmpfs(0755);
  bool read_only = GoferMountFlags(boot.gofer_mounts[0]) != 0;
  vfs::RefPtr<vfs::Inode> host = TRY(gofer::Attach(gofer::HypercallTransport(), 0, read_only));
  if (!read_only) return host;
  vfs::RefPtr<vfs::Inode> upper = TRY(NewTmpfs(host->Getattr().mode & vfs::kPermissionBits));
  return overlay::Create(std::move(host), std::move(upper));
}

// Volumes: Gofer mounts 1.. at their guest paths. One that cannot be
// mounted is reported and skipped, not fatal.
void MountVolumes(vfs::Vfs& vfs, const vfs::Caller& caller,
                  const ringfence::abi::BootInfo& boot) {
  uint32_t count = boot.gofer_mount_count;
  if (count > ringfence::abi::kMaxGoferMounts) count = ringfence::abi::kMaxGoferMounts;
  for (uint32_t i = 1; i < count; ++i) {
    ktl::StringView path = BootPath(boot.gofer_mounts[i].guest_path);
    // A mount point missing from the tree is made if its directory allows
    // (e.g. a name in /tmp's tmpfs).
    if (!path.empty() && !vfs.Stat(caller, path, 0).ok()) (void)vfs.Mkdir(caller, path, 0755);
    uint32_t flags = GoferMountFlags(boot.gofer_mounts[i]);
    auto tree = gofer::Attach(gofer::HypercallTransport(), i, flags != 0);
    if (path.empty() || !tree.ok() ||
        !vfs.Mount(caller, path, std::move(tree).value(), flags).ok()) {
      Warn("ringfence: a volume could not be mounted\n");
    }
  }
}

bool IsDirectory(vfs::Vfs& vfs, const vfs::Caller& caller, const char* path) {
  auto attr = vfs.Stat(caller, path, 0);
  return attr.ok() && vfs::IsDirMode(attr.value().mode);
}

// --- /dev, /proc, /sys ------------------------------------------------------------

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

// Mounts `root` on `path` if the tree has a directory there (a host root
// may lack one: then nothing is mounted, as for /tmp).
void MountIfDirectory(vfs::Vfs& vfs, const vfs::Caller& caller, const char* path,
                      ktl::Result<vfs::RefPtr<vfs::Inode>> root, uint32_t flags) {
  if (!IsDirectory(vfs, caller, path)) return;
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
  MountIfDirectory(vfs, caller, "/dev", devfs::Create(dev), vfs::kMountNoSuid);
  MountIfDirectory(vfs, caller, "/dev/shm", NewTmpfs(01777),
                   vfs::kMountNoSuid | vfs::kMountNoDev | vfs::kMountNoExec);

  constexpr uint32_t kKernelFsFlags = vfs::kMountNoSuid | vfs::kMountNoDev | vfs::kMountNoExec;
  procfs::Options proc;
  proc.mount_time = BootTime();
  proc.cpu_count = boot.vcpu_count;
  proc.tsc_khz = boot.tsc_khz;
  proc.memory_bytes = boot.memory_bytes;
  proc.mount_namespace = &vfs;
  MountIfDirectory(vfs, caller, "/proc", procfs::Create(proc), kKernelFsFlags);

  sysfs::Options sys;
  sys.mount_time = BootTime();
  sys.cpu_count = boot.vcpu_count;
  MountIfDirectory(vfs, caller, "/sys", sysfs::Create(sys),
                   kKernelFsFlags | vfs::kMountReadOnly);
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
  // Page caches of read-only files outlive their mappings (so each exec of
  // a program does not re-read it from the host), within an eighth of guest
  // memory, and give way to any allocation that finds no free page.
  vfs::IdlePageCaches::Get().Configure(&mm::PhysicalPages(),
                                       mm::MemoryBytes() / kIdlePageCacheDivisor / mm::kPageSize);
  vfs::Vfs& vfs = MountNamespace();
  uint32_t root_flags;
  auto root = NewRootFileSystem(boot, &root_flags);
  if (!root.ok() || !vfs.MountRoot(std::move(root).value(), root_flags).ok()) {
    ktl::Panic("cannot mount the root file system");
  }
  vfs::Path root_path = vfs.root();
  vfs::Credentials boot_creds;  // root with every capability
  vfs::Caller caller{root_path, root_path, boot_creds, 0};
  // A host root brings its own mount points (or lacks them: then nothing is
  // mounted there); an empty tmpfs root gets them made.
  bool host_root = boot.gofer_mount_count != 0;
  for (const auto& dir : kStandardDirectories) {
    if (!host_root && !vfs.Mkdir(caller, dir.path, dir.mode).ok()) {
      ktl::Panic("cannot create a mount point");
    }
  }
  if (IsDirectory(vfs, caller, "/tmp")) {
    auto tmp = NewTmpfs(01777);
    if (!tmp.ok() || !vfs.Mount(caller, "/tmp", std::move(tmp).value(), 0).ok()) {
      ktl::Panic("cannot mount /tmp");
    }
  }
  MountSpecialFileSystems(vfs, caller, boot);
  MountVolumes(vfs, caller, boot);
}

vfs::Path InitialWorkingDirectory(const ringfence::abi::BootInfo& boot) {
  vfs::Vfs& vfs = MountNamespace();
  vfs::Path root = vfs.root();
  ktl::StringView cwd = BootPath(boot.cwd);
  if (cwd.empty()) return root;
  vfs::Credentials boot_creds;
  vfs::Caller caller{root, root, boot_creds, 0};
  auto path = vfs.Resolve(caller, cwd, 0);
  if (!path.ok() || !path.value().inode().IsDir()) return root;
  return std::move(path).value();
}

}  // namespace sentry::fs
