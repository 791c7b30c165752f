// AnonFile: the base of the IPC files that have no name in any file system
// (pipes, eventfd, timerfd, epoll): what fstat(2) shows for them.
//
// Linux keeps pipes on pipefs (S_IFIFO, a fresh inode each) and the rest on
// one anonymous inode (type bits 0, mode 0600, "anon_inode:[eventfd]" in
// /proc/PID/fd); st_dev is the pseudo file system's anonymous device.
#ifndef RINGFENCE_KERNEL_IPC_ANON_FILE_H_
#define RINGFENCE_KERNEL_IPC_ANON_FILE_H_

#include <cstdint>

#include "kernel/abi/linux.h"
#include "kernel/fs/file.h"

namespace sentry::ipc {

// Who made the file and when: the owner and times stat(2) reports.
struct AnonIdentity {
  uint64_t ino = 0;
  uint32_t uid = 0, gid = 0;
  linux_abi::Timespec time = {};
};

class AnonFile : public fs::File {
 public:
  // `mode`: type and permission bits stat reports. `name`: the
  // "anon_inode:[name]" of /proc/PID/fd, or null for a pipe ("pipe:[ino]").
  AnonFile(uint32_t flags, uint32_t mode, const AnonIdentity& identity, const char* name)
      : File(flags), mode_(mode), identity_(identity), name_(name) {}

  ktl::Result<void> Stat(linux_abi::Stat* out) override;
  bool seekable() const override { return false; }
  const char* AnonymousName() const override { return name_; }
  uint64_t ino() const { return identity_.ino; }

  // Default I/O of the anonymous inode: EINVAL.
  ktl::Result<size_t> Read(mm::AddressSpace& memory, std::span<const fs::UserSegment> segments,
                           int64_t offset) override {
    return ktl::Errno::kEINVAL;
  }
  ktl::Result<size_t> Write(mm::AddressSpace& memory, std::span<const fs::UserSegment> segments,
                            int64_t offset) override {
    return ktl::Errno::kEINVAL;
  }

 private:
  uint32_t mode_;
  AnonIdentity identity_;
  const char* name_;
};

// st_dev of every anonymous IPC file (anon_inodefs and pipefs are both
// kernel-internal mounts with an anonymous device of major 0).
inline constexpr uint64_t kAnonDevice = 0xe;

}  // namespace sentry::ipc

#endif  // RINGFENCE_KERNEL_IPC_ANON_FILE_H_
