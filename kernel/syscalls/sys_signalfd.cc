// signalfd, signalfd4: kernel/signal/signal_fd.h.
#include "kernel/abi/linux.h"
#include "kernel/signal/signal_fd.h"
#include "kernel/signal/signal_set.h"
#include "kernel/syscalls/handlers.h"

namespace sentry::syscalls {
namespace {

using ktl::Errno;

constexpr int kSfdNonblock = 04000, kSfdCloexec = 02000000;  // O_NONBLOCK, O_CLOEXEC

}  // namespace

ktl::Result<int64_t> sys_signalfd4(int fd, UserAddress mask_address, uint64_t mask_size,
                                   int flags) {
  if (flags & ~(kSfdNonblock | kSfdCloexec)) return Errno::kEINVAL;
  if (mask_size != sizeof(uint64_t)) return Errno::kEINVAL;
  uint64_t mask = TRY(UserPointer<uint64_t>(mask_address.value).Read()) & ~signal::kUnblockable;
  Process& process = CurrentTask().process();
  if (fd != -1) {
    fs::FileRef file = TRY(process.files().Get(fd));
    signal::SignalFd* existing = signal::SignalFd::From(*file);
    if (existing == nullptr) return Errno::kEINVAL;
    existing->set_mask(mask);
    return fd;
  }
  uint32_t file_flags = linux_abi::kO_RDWR | (flags & kSfdNonblock ? linux_abi::kO_NONBLOCK : 0);
  auto* file = new (std::nothrow) signal::SignalFd(file_flags, mask);
  if (file == nullptr) return Errno::kENOMEM;
  fs::FileRef owner(file);
  return TRY(process.files().Install(file, 0, (flags & kSfdCloexec) != 0,
                                     process.rlimit(linux_abi::kRlimitNofile).cur));
}

ktl::Result<int64_t> sys_signalfd(int fd, UserAddress mask_address, uint64_t mask_size) {
  return sys_signalfd4(fd, mask_address, mask_size, 0);
}

}  // namespace sentry::syscalls
