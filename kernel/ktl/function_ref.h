// ktl::FunctionRef<R(Args...)>: a non-owning reference to a callable, for
// callbacks that must not allocate (std::function may). The referenced
// callable must outlive the call it is passed to; never store one.
#ifndef RINGFENCE_KERNEL_KTL_FUNCTION_REF_H_
#define RINGFENCE_KERNEL_KTL_FUNCTION_REF_H_

#include <type_traits>
#include <utility>

namespace ktl {

template <typename Signature>
class FunctionRef;

template <typename R, typename... Args>
class FunctionRef<R(Args...)> {
 public:
  template <typename F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, FunctionRef> &&
             std::is_invocable_r_v<R, F&, Args...>)
  FunctionRef(F&& f)  // NOLINT: implicit so lambdas pass directly
      : object_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* object, Args... args) -> R {
          // object_ is the address of an F, taken in the constructor.
          return (*static_cast<std::remove_reference_t<F>*>(object))(std::forward<Args>(args)...);
        }) {}

  R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

 private:
  void* object_;
  R (*call_)(void*, Args...);
};

}  // namespace ktl

#endif  // RINGFENCE_KERNEL_KTL_FUNCTION_REF_H_
