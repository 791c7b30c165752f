// Extended attributes at the VFS level (xattr(7)): which namespaces exist,
// who may read or change them, and read-only mounts. File systems store
// the attributes (Inode::Getxattr and friends); the syscall layer copies
// names and values and checks their sizes.
//
//   user.*      regular files and directories only (others: ENODATA on
//               reads, EPERM on writes); read/write permission on the file;
//               in a sticky directory only its owner (or CAP_FOWNER) writes.
//   trusted.*   CAP_SYS_ADMIN (else ENODATA on reads, EPERM on writes;
//               list hides them).
//   security.*, system.*, anything else: EOPNOTSUPP (no LSM, no ACLs yet).
#ifndef RINGFENCE_KERNEL_VFS_XATTR_H_
#define RINGFENCE_KERNEL_VFS_XATTR_H_

#include <span>

#include "kernel/ktl/result.h"
#include "kernel/ktl/string.h"
#include "kernel/ktl/vector.h"
#include "kernel/vfs/mount.h"
#include "kernel/vfs/types.h"

namespace sentry::vfs {

// Appends the value of `name` to `value` (ENODATA if there is none).
ktl::Result<void> GetXattr(const Path& path, ktl::StringView name, const Credentials& creds,
                           ktl::Vector<char>* value);
// `flags`: kXATTR_CREATE, kXATTR_REPLACE (EINVAL for others).
ktl::Result<void> SetXattr(const Path& path, ktl::StringView name, std::span<const char> value,
                           uint32_t flags, const Credentials& creds);
// Appends the NUL-terminated names the caller may see.
ktl::Result<void> ListXattr(const Path& path, const Credentials& creds, ktl::Vector<char>* names);
ktl::Result<void> RemoveXattr(const Path& path, ktl::StringView name, const Credentials& creds);

}  // namespace sentry::vfs

#endif  // RINGFENCE_KERNEL_VFS_XATTR_H_
