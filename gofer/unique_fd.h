// An owned host file descriptor for the Gofer and its client.
//
// The VMM has its own in vmm/kvm_vm.h, but that header drags in the KVM
// definitions; the Gofer and the client must not depend on the VMM library.
#ifndef RINGFENCE_GOFER_UNIQUE_FD_H_
#define RINGFENCE_GOFER_UNIQUE_FD_H_

#include <unistd.h>

#include <utility>

namespace ringfence::gofer {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    // close() errors are not actionable here: the descriptor is gone either
    // way on Linux, even after EINTR.
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace ringfence::gofer

#endif  // RINGFENCE_GOFER_UNIQUE_FD_H_
