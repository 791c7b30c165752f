// Typed user pointers. A user address is never a dereferenceable pointer:
// reads and writes go through the current task's address space, which
// checks the mapping and its protection and turns failures into EFAULT.
#ifndef RINGFENCE_KERNEL_SYSCALLS_USER_POINTER_H_
#define RINGFENCE_KERNEL_SYSCALLS_USER_POINTER_H_

#include <cstdint>
#include <type_traits>

#include "kernel/ktl/result.h"
#include "kernel/syscalls/user_address.h"
#include "kernel/task/task.h"

namespace sentry {

template <typename T>
class UserPointer {
  static_assert(std::is_trivially_copyable_v<T>, "user data must be plain bytes");

 public:
  explicit UserPointer(uint64_t address) : address_(address) {}
  uint64_t address() const { return address_; }
  bool null() const { return address_ == 0; }

  ktl::Result<T> Read() const {
    T value;
    TRY(CurrentTask().address_space().CopyIn(address_, &value, sizeof(T)));
    return value;
  }
  ktl::Result<void> Write(const T& value) const {
    return CurrentTask().address_space().CopyOut(address_, &value, sizeof(T));
  }
  // The `index`th element, with the offset computed overflow-safely.
  ktl::Result<UserPointer<T>> At(uint64_t index) const {
    uint64_t offset;
    if (__builtin_mul_overflow(index, sizeof(T), &offset) ||
        __builtin_add_overflow(address_, offset, &offset)) {
      return ktl::Errno::kEFAULT;
    }
    return UserPointer<T>(offset);
  }

 private:
  uint64_t address_;
};

}  // namespace sentry

#endif  // RINGFENCE_KERNEL_SYSCALLS_USER_POINTER_H_
