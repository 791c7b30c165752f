// An untyped user address: a syscall argument naming user memory whose
// length travels separately. Portable, so the syscall list compiles hosted.
#ifndef RINGFENCE_KERNEL_SYSCALLS_USER_ADDRESS_H_
#define RINGFENCE_KERNEL_SYSCALLS_USER_ADDRESS_H_

#include <cstdint>

namespace sentry {

struct UserAddress {
  uint64_t value;
  bool null() const { return value == 0; }
};

}  // namespace sentry

#endif  // RINGFENCE_KERNEL_SYSCALLS_USER_ADDRESS_H_
