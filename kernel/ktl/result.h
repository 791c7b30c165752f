// Result<T>: a value or a Linux errno, the Sentry's one error type.
//
// Errors propagate with TRY(expr) and become -errno in exactly one place, the
// syscall entry. No exceptions: the Sentry is built with -fno-exceptions.
#ifndef RINGFENCE_KERNEL_KTL_RESULT_H_
#define RINGFENCE_KERNEL_KTL_RESULT_H_

#include <new>
#include <type_traits>
#include <utility>

#include "kernel/ktl/errno.h"

namespace ktl {

template <typename T>
class [[nodiscard]] Result {
 public:
  static_assert(!std::is_reference_v<T>, "Result<T&> is not supported");

  // Implicit on purpose: `return value;` and `return Errno::kEINVAL;` both
  // read naturally in handlers.
  Result(T value) : ok_(true) { new (&storage_) T(std::move(value)); }  // NOLINT
  Result(Errno error) : ok_(false), error_(error) {}                     // NOLINT

  Result(Result&& other) : ok_(other.ok_), error_(other.error_) {
    if (ok_) new (&storage_) T(std::move(other.value_ref()));
  }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  Result& operator=(Result&&) = delete;
  ~Result() {
    if (ok_) value_ref().~T();
  }

  bool ok() const { return ok_; }
  Errno error() const { return error_; }

  // Precondition: ok().
  T& value() & { return value_ref(); }
  const T& value() const& { return value_ref(); }
  T&& value() && { return std::move(value_ref()); }

 private:
  T& value_ref() { return *reinterpret_cast<T*>(&storage_); }  // storage_ holds a live T when ok_
  const T& value_ref() const { return *reinterpret_cast<const T*>(&storage_); }

  bool ok_;
  Errno error_ = Errno{0};
  alignas(T) unsigned char storage_[sizeof(T)];
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Errno error) : ok_(false), error_(error) {}  // NOLINT

  bool ok() const { return ok_; }
  Errno error() const { return error_; }
  void value() const {}

 private:
  bool ok_ = true;
  Errno error_ = Errno{0};
};

// Convenience for `return ktl::Ok();` in Result<void> functions.
inline Result<void> Ok() { return Result<void>(); }

}  // namespace ktl

// Evaluates `expr` (a Result); on error returns the errno from the enclosing
// function, otherwise yields the value. GNU statement expression.
#define TRY(expr)                                   \
  ({                                                \
    auto ktl_try_result_ = (expr);                  \
    if (!ktl_try_result_.ok()) {                    \
      return ktl_try_result_.error();               \
    }                                               \
    std::move(ktl_try_result_).value();             \
  })

#endif  // RINGFENCE_KERNEL_KTL_RESULT_H_
