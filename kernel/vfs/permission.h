// Linux's discretionary access checks (generic_permission and friends), as
// path_resolution(7) and capabilities(7) describe them.
#ifndef RINGFENCE_KERNEL_VFS_PERMISSION_H_
#define RINGFENCE_KERNEL_VFS_PERMISSION_H_

#include "kernel/ktl/result.h"
#include "kernel/vfs/types.h"

namespace sentry::vfs {

// Whether `creds` may access a file with attributes `attr` for `may`
// (kMayRead | kMayWrite | kMayExec). The owner class applies if fsuid is the
// owner, else the group class if fsgid or a supplementary group matches,
// else other. CAP_DAC_OVERRIDE grants read and write always and execute
// when the object is a directory or has at least one execute bit;
// CAP_DAC_READ_SEARCH grants read, and execute (search) on directories.
// EACCES otherwise. (Read-only mounts are the caller's check: EROFS.)
ktl::Result<void> CheckPermission(const Credentials& creds, const Attr& attr, uint32_t may);

// Owner of the file, or CAP_FOWNER (chmod, utimes with explicit times, ...).
bool OwnerOrFowner(const Credentials& creds, const Attr& attr);

// The sticky-directory rule for removing or renaming `victim` out of `dir`:
// with S_ISVTX on dir, only the victim's owner, the directory's owner or
// CAP_FOWNER may (EPERM).
ktl::Result<void> CheckSticky(const Credentials& creds, const Attr& dir, const Attr& victim);

}  // namespace sentry::vfs

#endif  // RINGFENCE_KERNEL_VFS_PERMISSION_H_
