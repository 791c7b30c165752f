// pipe, pipe2.
#include "kernel/ipc/pipe.h"
#include "kernel/syscalls/handlers.h"
#include "kernel/syscalls/ipc_support.h"

namespace sentry::syscalls {
namespace {

// O_NOTIFICATION_PIPE (== O_EXCL) and O_DIRECT (packet mode) are refused:
// EINVAL, as a kernel built without them.
constexpr uint32_t kPipeFlags = linux_abi::kO_CLOEXEC | linux_abi::kO_NONBLOCK;

}  // namespace

ktl::Result<int64_t> sys_pipe2(UserAddress fds, int flags) {
  if (static_cast<uint32_t>(flags) & ~kPipeFlags) return ktl::Errno::kEINVAL;
  ipc::PipeEnds ends = TRY(ipc::CreatePipe(static_cast<uint32_t>(flags)));
  bool cloexec = (flags & linux_abi::kO_CLOEXEC) != 0;
  fs::FdTable& files = CurrentTask().process().files();
  int pair[2];
  pair[0] = TRY(InstallFile(*ends.read_end, cloexec));
  auto write_fd = InstallFile(*ends.write_end, cloexec);
  if (!write_fd.ok()) {
    (void)files.Close(pair[0]);
    return write_fd.error();
  }
  pair[1] = write_fd.value();
  auto copied = CurrentTask().address_space().CopyOut(fds.value, pair, sizeof(pair));
  if (!copied.ok()) {
    (void)files.Close(pair[0]);
    (void)files.Close(pair[1]);
    return copied.error();
  }
  return 0;
}

ktl::Result<int64_t> sys_pipe(UserAddress fds) { return sys_pipe2(fds, 0); }

}  // namespace sentry::syscalls
