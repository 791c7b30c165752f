#include "kernel/fs/mount_namespace.h"

#include "kernel/fs/tmpfs/tmpfs.h"
#include "kernel/ktl/panic.h"
#include "kernel/mm/physical_memory.h"
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
  (void)boot;
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
}

}  // namespace sentry::fs
