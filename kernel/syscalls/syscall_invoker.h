// Calls a typed syscall handler from raw registers. Each raw 64-bit register
// is narrowed to the handler's declared parameter type the way Linux's
// syscall wrappers do (an `int` sees only the low 32 bits), and a Result is
// turned into the value or -errno: the one place that conversion happens.
#ifndef RINGFENCE_KERNEL_SYSCALLS_SYSCALL_INVOKER_H_
#define RINGFENCE_KERNEL_SYSCALLS_SYSCALL_INVOKER_H_

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "kernel/ktl/result.h"
#include "kernel/syscalls/user_address.h"

namespace sentry::syscalls {

template <typename T>
T FromRegister(uint64_t raw) {
  if constexpr (std::is_same_v<T, UserAddress>) {
    return UserAddress{raw};
  } else {
    static_assert(std::is_integral_v<T>, "syscall parameters are integers or user addresses");
    return static_cast<T>(raw);
  }
}

template <typename Signature>
struct Invoker;

template <typename... Params>
struct Invoker<ktl::Result<int64_t>(Params...)> {
  static constexpr size_t kArity = sizeof...(Params);
  static_assert(kArity <= 6, "x86-64 passes at most six arguments");

  template <ktl::Result<int64_t> (*Handler)(Params...), size_t... Index>
  static int64_t Call(const uint64_t* args, std::index_sequence<Index...>) {
    ktl::Result<int64_t> result = Handler(FromRegister<Params>(args[Index])...);
    return result.ok() ? result.value() : -static_cast<int64_t>(result.error());
  }

  // Has the signature the dispatch table stores.
  template <ktl::Result<int64_t> (*Handler)(Params...)>
  static int64_t Invoke(const uint64_t* args) {
    return Call<Handler>(args, std::index_sequence_for<Params...>{});
  }
};

}  // namespace sentry::syscalls

#endif  // RINGFENCE_KERNEL_SYSCALLS_SYSCALL_INVOKER_H_
