#include "kernel/vfs/xattr.h"

#include "kernel/vfs/inode.h"
#include "kernel/vfs/permission.h"

namespace sentry::vfs {
namespace {

constexpr ktl::StringView kUserPrefix("user.", 5);
constexpr ktl::StringView kTrustedPrefix("trusted.", 8);

// xattr_permission, plus EROFS for changes on a read-only mount.
ktl::Result<void> CheckAccess(const Path& path, ktl::StringView name, uint32_t may,
                              const Credentials& creds) {
  bool write = (may & kMayWrite) != 0;
  Inode& inode = path.inode();
  Attr attr = inode.Getattr();
  if (name.StartsWith(kTrustedPrefix) && name.size() > kTrustedPrefix.size()) {
    if (!creds.Has(kCapSysAdmin)) return write ? ktl::Errno::kEPERM : ktl::Errno::kENODATA;
  } else if (name.StartsWith(kUserPrefix) && name.size() > kUserPrefix.size()) {
    if (!inode.IsRegular() && !inode.IsDir()) {
      return write ? ktl::Errno::kEPERM : ktl::Errno::kENODATA;
    }
    if (inode.IsDir() && (attr.mode & kS_ISVTX) && write && !OwnerOrFowner(creds, attr)) {
      return ktl::Errno::kEPERM;
    }
  } else {
    return ktl::Errno::kEOPNOTSUPP;
  }
  if (write && path.mount->read_only()) return ktl::Errno::kEROFS;
  return CheckPermission(creds, attr, may);
}

}  // namespace

ktl::Result<void> GetXattr(const Path& path, ktl::StringView name, const Credentials& creds,
                           ktl::Vector<char>* value) {
  TRY(CheckAccess(path, name, kMayRead, creds));
  return path.inode().Getxattr(name, value);
}

ktl::Result<void> SetXattr(const Path& path, ktl::StringView name, std::span<const char> value,
                           uint32_t flags, const Credentials& creds) {
  if (flags & ~(kXATTR_CREATE | kXATTR_REPLACE)) return ktl::Errno::kEINVAL;
  TRY(CheckAccess(path, name, kMayWrite, creds));
  return path.inode().Setxattr(name, value, flags);
}

ktl::Result<void> ListXattr(const Path& path, const Credentials& creds, ktl::Vector<char>* names) {
  ktl::Vector<char> all;
  TRY(path.inode().Listxattr(&all));
  // Keep what the caller could read: trusted.* only for CAP_SYS_ADMIN.
  for (size_t at = 0; at < all.size();) {
    size_t length = 0;
    while (at + length < all.size() && all[at + length] != '\0') ++length;
    ktl::StringView name(&all[at], length);
    if (creds.Has(kCapSysAdmin) || !name.StartsWith(kTrustedPrefix)) {
      TRY(names->ReserveAtLeast(names->size() + length + 1));
      for (size_t i = 0; i < length; ++i) (void)names->PushBack(name[i]);  // reserved
      (void)names->PushBack('\0');
    }
    at += length + 1;
  }
  return ktl::Ok();
}

ktl::Result<void> RemoveXattr(const Path& path, ktl::StringView name, const Credentials& creds) {
  TRY(CheckAccess(path, name, kMayWrite, creds));
  return path.inode().Removexattr(name);
}

}  // namespace sentry::vfs
