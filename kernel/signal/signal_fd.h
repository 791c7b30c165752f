// signalfd(2): a file whose reads take pending signals of the reading
// thread (in the file's mask) as struct signalfd_siginfo records instead
// of having them delivered.
#ifndef RINGFENCE_KERNEL_SIGNAL_SIGNAL_FD_H_
#define RINGFENCE_KERNEL_SIGNAL_SIGNAL_FD_H_

#include <cstdint>

#include "kernel/fs/file.h"
#include "kernel/ktl/intrusive_list.h"

namespace sentry::signal {

// struct signalfd_siginfo (linux/signalfd.h).
struct SignalfdSiginfo {
  uint32_t signo;
  int32_t error;
  int32_t code;
  uint32_t pid;
  uint32_t uid;
  int32_t fd;
  uint32_t tid;
  uint32_t band;
  uint32_t overrun;
  uint32_t trapno;
  int32_t status;
  int32_t int_value;
  uint64_t ptr;
  uint64_t utime;
  uint64_t stime;
  uint64_t addr;
  uint16_t addr_lsb;
  uint16_t pad2;
  int32_t syscall;
  uint64_t call_addr;
  uint32_t arch;
  uint8_t pad[28];
};
static_assert(sizeof(SignalfdSiginfo) == 128);

// The siginfo fields a signalfd read reports for `info`.
SignalfdSiginfo ToSignalfdSiginfo(const linux_abi::SigInfo& info);

class SignalFd final : public fs::File {
 public:
  SignalFd(uint32_t flags, uint64_t mask);
  ~SignalFd() override;

  // The signalfd behind `file`, or null when it is another kind of file.
  static SignalFd* From(fs::File& file);

  uint64_t mask() const { return mask_; }
  void set_mask(uint64_t mask) { mask_ = mask; }

  // Whole records only: EINVAL below 128 bytes. Blocks (unless O_NONBLOCK:
  // EAGAIN) until one signal in the mask is pending, then takes as many as
  // fit without blocking again.
  ktl::Result<size_t> Read(mm::AddressSpace& memory, std::span<const fs::UserSegment> segments,
                           int64_t offset) override;
  ktl::Result<size_t> Write(mm::AddressSpace&, std::span<const fs::UserSegment>,
                            int64_t) override {
    return ktl::Errno::kEINVAL;
  }
  ktl::Result<void> Stat(linux_abi::Stat* out) override;
  bool seekable() const override { return false; }

  ktl::IntrusiveListNode live_node;

 private:
  uint64_t mask_;
};

}  // namespace sentry::signal

#endif  // RINGFENCE_KERNEL_SIGNAL_SIGNAL_FD_H_
