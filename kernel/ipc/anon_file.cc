#include "kernel/ipc/anon_file.h"

namespace sentry::ipc {

ktl::Result<void> AnonFile::Stat(linux_abi::Stat* out) {
  *out = {};
  out->dev = kAnonDevice;
  out->ino = identity_.ino;
  out->nlink = 1;
  out->mode = mode_;
  out->uid = identity_.uid;
  out->gid = identity_.gid;
  out->blksize = 4096;
  out->atime = out->mtime = out->ctime = identity_.time;
  return ktl::Ok();
}

}  // namespace sentry::ipc
