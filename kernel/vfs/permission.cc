#include "kernel/vfs/permission.h"

namespace sentry::vfs {

bool Credentials::InGroup(uint32_t group) const {
  if (fsgid == group) return true;
  for (uint32_t g : groups) {
    if (g == group) return true;
  }
  return false;
}

ktl::Result<void> CheckPermission(const Credentials& creds, const Attr& attr, uint32_t may) {
  may &= kMayRead | kMayWrite | kMayExec;
  uint32_t bits;
  if (creds.fsuid == attr.uid) {
    bits = (attr.mode >> 6) & 7;
  } else if (creds.InGroup(attr.gid)) {
    bits = (attr.mode >> 3) & 7;
  } else {
    bits = attr.mode & 7;
  }
  if ((bits & may) == may) return ktl::Ok();

  bool is_dir = IsDirMode(attr.mode);
  if (creds.Has(kCapDacOverride)) {
    if (!(may & kMayExec) || is_dir || (attr.mode & 0111) != 0) return ktl::Ok();
  }
  if (creds.Has(kCapDacReadSearch)) {
    uint32_t rest = may & ~kMayRead;
    if (is_dir) rest &= ~kMayExec;
    if (rest == 0) return ktl::Ok();
  }
  return ktl::Errno::kEACCES;
}

bool OwnerOrFowner(const Credentials& creds, const Attr& attr) {
  return creds.fsuid == attr.uid || creds.Has(kCapFowner);
}

ktl::Result<void> CheckSticky(const Credentials& creds, const Attr& dir, const Attr& victim) {
  if ((dir.mode & kS_ISVTX) == 0) return ktl::Ok();
  if (creds.fsuid == victim.uid || creds.fsuid == dir.uid || creds.Has(kCapFowner)) {
    return ktl::Ok();
  }
  return ktl::Errno::kEPERM;
}

}  // namespace sentry::vfs
