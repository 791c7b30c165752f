#include "kernel/fs/mount_namespace.h"

#include "kernel/fs/gofer/gofer_fs.h"
#include "kernel/fs/gofer/hypercall_transport.h"
#include "kernel/fs/tmpfs/tmpfs.h"
#include "kernel/ktl/panic.h"
#include "kernel/mm/physical_memory.h"
#include "kernel/time/clock.h"
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
// one, read-only unless the user made it writable; else an empty tmpfs.
// (The overlay's tmpfs upper layer over a read-only Gofer root goes here.)
ktl::Result<vfs::RefPtr<vfs::Inode>> NewRootFileSystem(const ringfence::abi::BootInfo& boot,
                                                       uint32_t* mount_flags) {
  *mount_flags = 0;
  if (boot.gofer_mount_count == 0) return NewTmpfs(0755);
  *mount_flags = GoferMountFlags(boot.gofer_mounts[0]);
  return gofer::Attach(gofer::HypercallTransport(), 0);
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
    auto tree = gofer::Attach(gofer::HypercallTransport(), i);
    if (path.empty() || !tree.ok() ||
        !vfs.Mount(caller, path, std::move(tree).value(), GoferMountFlags(boot.gofer_mounts[i]))
             .ok()) {
      Warn("ringfence: a volume could not be mounted\n");
    }
  }
}

bool IsDirectory(vfs::Vfs& vfs, const vfs::Caller& caller, const char* path) {
  auto attr = vfs.Stat(caller, path, 0);
  return attr.ok() && vfs::IsDirMode(attr.value().mode);
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
