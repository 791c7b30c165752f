// The sandbox's one mount namespace and the file systems mounted at boot.
//
// Boot builds the tree before the first process starts: a root file system
// and the standard mount points under it (/tmp, /dev, /proc, /sys, ...).
// Each file system that joins the tree adds its mount in MountFileSystems.
#ifndef RINGFENCE_KERNEL_FS_MOUNT_NAMESPACE_H_
#define RINGFENCE_KERNEL_FS_MOUNT_NAMESPACE_H_

#include "kernel/fs/tmpfs/page_source.h"
#include "kernel/ktl/result.h"
#include "kernel/vfs/types.h"
#include "kernel/vfs/vfs.h"
#include "platform_kvm/abi/boot_info.h"

namespace sentry::fs {

// The namespace every process sees (there is no CLONE_NEWNS yet).
vfs::Vfs& MountNamespace();

// File-system timestamps: CLOCK_REALTIME.
vfs::Clock& SentryClock();
// tmpfs data pages from the physical page allocator (mappable frames).
tmpfs::PageSource& SentryPageSource();

// A new, empty tmpfs (for /tmp, /dev/shm, an overlay's upper layer...).
ktl::Result<vfs::RefPtr<vfs::Inode>> NewTmpfs(uint32_t root_mode);

// Boot only: builds the mount tree. Panics if the tree cannot be built
// (nothing an app does reaches this).
void MountFileSystems(const ringfence::abi::BootInfo& boot);

// Boot only, after MountFileSystems: the first process's working directory
// (BootInfo::cwd if it names a directory, else the root).
vfs::Path InitialWorkingDirectory(const ringfence::abi::BootInfo& boot);

}  // namespace sentry::fs

#endif  // RINGFENCE_KERNEL_FS_MOUNT_NAMESPACE_H_
