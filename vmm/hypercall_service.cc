#include "vmm/hypercall_service.h"

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <termios.h>
#include <sched.h>
#include <time.h>

#include <cerrno>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "vmm/exit_stats.h"
#include "vmm/gofer_relay.h"

namespace ringfence::vmm {
namespace {

using abi::GuestIovec;
using abi::Hypercall;

// Linux's struct termios as the TCGETS ioctl writes it (not glibc's larger
// struct of the same name): 4 flag words, c_line, 19 control characters.
constexpr size_t kKernelTermiosSize = 36;
constexpr size_t kWinsizeSize = 8;
constexpr uint64_t kMaxPanicMessage = 4096;

int64_t ErrnoResult() { return -static_cast<int64_t>(errno); }

// Nanoseconds since the epoch, saturated: a host file's timestamp can be set
// to anything (e.g. by an archive), and the product must not overflow.
int64_t SaturatingNanoseconds(const timespec& time) {
  int64_t ns;
  if (__builtin_mul_overflow(static_cast<int64_t>(time.tv_sec), 1000000000ll, &ns) ||
      __builtin_add_overflow(ns, static_cast<int64_t>(time.tv_nsec), &ns)) {
    return time.tv_sec < 0 ? INT64_MIN : INT64_MAX;
  }
  return ns;
}

// The panic message is guest data on its way to the user's terminal: keep
// printable ASCII and escape everything else, so a compromised Sentry cannot
// send terminal control sequences or forge extra crash-report lines.
std::string SanitizePanicMessage(std::span<const uint8_t> text) {
  std::string out;
  out.reserve(text.size());
  for (uint8_t c : text) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppendFormat(&out, "\\x%02x", c);
    }
  }
  return out;
}

}  // namespace

HypercallOutcome HypercallService::Handle(uint64_t request_gpa) {
  HypercallOutcome outcome;
  abi::HypercallRequest request;
  // Copy the request out before looking at it, so the guest cannot change
  // fields between validation and use.
  if (request_gpa % abi::kHypercallRequestAlign != 0 ||
      !memory_.ReadObject(request_gpa, &request)) {
    outcome.kind = HypercallOutcome::Kind::kBadRequest;
    outcome.message = absl::StrFormat(
        "hypercall request at 0x%x is misaligned or outside guest memory",
        request_gpa);
    return outcome;
  }
  stats_.RecordHypercall(request.number);
  int64_t result;
  if (request.reserved != 0) {
    result = -EINVAL;
  } else if (request.number == static_cast<uint32_t>(Hypercall::kYield)) {
    // Outside the lock: a spinning vCPU must not wait for a slow request.
    sched_yield();
    result = 0;
  } else {
    std::lock_guard lock(mutex_);
    result = Dispatch(request, outcome);
  }
  // The result slot lies inside the block validated above.
  memory_.WriteObject(request_gpa + offsetof(abi::HypercallRequest, result), result);
  return outcome;
}

int64_t HypercallService::Dispatch(const abi::HypercallRequest& request,
                                   HypercallOutcome& outcome) {
  const uint64_t* args = request.args;
  switch (static_cast<Hypercall>(request.number)) {
    case Hypercall::kExit:
      if (args[0] > 255) return -EINVAL;
      outcome.kind = HypercallOutcome::Kind::kExit;
      outcome.exit_status = static_cast<int>(args[0]);
      return 0;
    case Hypercall::kWritev:
    case Hypercall::kReadv:
    case Hypercall::kPreadv:
    case Hypercall::kPwritev:
      return TransferIo(static_cast<Hypercall>(request.number), args);
    case Hypercall::kFstat:
      return Fstat(args);
    case Hypercall::kTerminalIoctl:
      return TerminalIoctl(args);
    case Hypercall::kGetTime:
      return GetTime(args);
    case Hypercall::kPanic:
      Panic(args, outcome);
      return 0;
    case Hypercall::kGofer:
      if (gofer_ == nullptr) return -ENOSYS;
      return gofer_->Handle(args[0], args[1]);
    case Hypercall::kCloseHandle:
      return handles_.Close(args[0]) ? 0 : -EBADF;
    case Hypercall::kStartCpu:
      if (cpus_ == nullptr) return -EINVAL;
      return cpus_->StartCpu(args[0], args[1], args[2]);
    case Hypercall::kYield:
      return 0;  // served in Handle()
  }
  return -ENOSYS;
}

int64_t HypercallService::TransferIo(Hypercall number, const uint64_t* args) {
  uint32_t rights = 0;
  switch (number) {
    case Hypercall::kReadv: rights = kRightRead; break;
    case Hypercall::kWritev: rights = kRightWrite; break;
    case Hypercall::kPreadv: rights = kRightPread; break;
    default: rights = kRightPwrite; break;
  }
  int fd = handles_.Lookup(args[0], rights);
  if (fd < 0) return -EBADF;
  uint64_t count = args[2];
  if (count > abi::kMaxHypercallIovecs) return -EINVAL;
  if (count == 0) return 0;

  // Copy the iovec array, then check every segment against guest memory.
  std::vector<GuestIovec> guest_iov(count);
  if (!memory_.Read(args[1], guest_iov.data(), count * sizeof(GuestIovec))) {
    return -EFAULT;
  }
  std::vector<iovec> host_iov(count);
  uint64_t total = 0;
  for (uint64_t i = 0; i < count; ++i) {
    const GuestIovec& segment = guest_iov[i];
    if (segment.length > abi::kMaxHypercallIoBytes - total) return -EINVAL;
    total += segment.length;
    auto slice = memory_.Slice(segment.gpa, segment.length);
    if (slice.empty() && segment.length != 0) return -EFAULT;
    host_iov[i] = {slice.data(), segment.length};
  }

  ssize_t done;
  int iovcnt = static_cast<int>(count);
  if (number == Hypercall::kReadv) {
    done = readv(fd, host_iov.data(), iovcnt);
  } else if (number == Hypercall::kWritev) {
    done = writev(fd, host_iov.data(), iovcnt);
  } else {
    if (args[3] > static_cast<uint64_t>(INT64_MAX)) return -EINVAL;
    off_t offset = static_cast<off_t>(args[3]);
    done = number == Hypercall::kPreadv ? preadv(fd, host_iov.data(), iovcnt, offset)
                                        : pwritev(fd, host_iov.data(), iovcnt, offset);
  }
  return done < 0 ? ErrnoResult() : done;
}

int64_t HypercallService::Fstat(const uint64_t* args) {
  int fd = handles_.Lookup(args[0], kRightStat);
  if (fd < 0) return -EBADF;
  if (!memory_.Contains(args[1], sizeof(abi::HostStat))) return -EFAULT;
  struct stat host;
  if (fstat(fd, &host) != 0) return ErrnoResult();
  abi::HostStat out = {};
  out.mode = host.st_mode;
  out.size = static_cast<uint64_t>(host.st_size);
  out.block_size = static_cast<uint64_t>(host.st_blksize);
  out.mtime_ns = SaturatingNanoseconds(host.st_mtim);
  memory_.WriteObject(args[1], out);
  return 0;
}

int64_t HypercallService::TerminalIoctl(const uint64_t* args) {
  int fd = handles_.Lookup(args[0], kRightTerminal);
  if (fd < 0) return -EBADF;
  uint8_t buffer[64] = {};
  unsigned long request;
  size_t size;
  switch (static_cast<abi::TerminalRequest>(args[1])) {
    case abi::TerminalRequest::kTcgets:
      request = TCGETS;
      size = kKernelTermiosSize;
      break;
    case abi::TerminalRequest::kTiocgwinsz:
      request = TIOCGWINSZ;
      size = kWinsizeSize;
      break;
    default:
      return -EINVAL;
  }
  if (!memory_.Contains(args[2], size)) return -EFAULT;
  if (ioctl(fd, request, buffer) != 0) return ErrnoResult();
  memory_.Write(args[2], buffer, size);
  return 0;
}

int64_t HypercallService::GetTime(const uint64_t* args) {
  if (!memory_.Contains(args[0], sizeof(abi::TimeSample))) return -EFAULT;
  timespec realtime, monotonic;
  clock_gettime(CLOCK_REALTIME, &realtime);
  clock_gettime(CLOCK_MONOTONIC, &monotonic);
  abi::TimeSample sample = {
      realtime.tv_sec * 1000000000ll + realtime.tv_nsec,
      monotonic.tv_sec * 1000000000ll + monotonic.tv_nsec};
  memory_.WriteObject(args[0], sample);
  return 0;
}

void HypercallService::Panic(const uint64_t* args, HypercallOutcome& outcome) {
  outcome.kind = HypercallOutcome::Kind::kSentryPanic;
  uint64_t length = args[1] < kMaxPanicMessage ? args[1] : kMaxPanicMessage;
  // Contains(), not Slice().empty(): an empty message is readable.
  outcome.message = memory_.Contains(args[0], length)
                        ? SanitizePanicMessage(memory_.Slice(args[0], length))
                        : "(unreadable panic message)";
  abi::PanicRegisters registers;
  if (args[2] != 0 && memory_.ReadObject(args[2], &registers)) {
    outcome.registers = registers;
  }
}

}  // namespace ringfence::vmm
