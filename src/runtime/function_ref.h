// runtime/function_ref.h: a non-owning, non-allocating reference to a callable.
// Contract: FunctionRef<R(Args...)> stores a pointer to the callable it was built from; the
// callable must outlive every call (pass lambdas directly as arguments). Never allocates, so
// parallel_for calls in the steady state do not touch the heap.
#pragma once

#include <type_traits>
#include <utility>

namespace lightbert::runtime {

template <typename Signature>
class FunctionRef;

template <typename R, typename... Args>
class FunctionRef<R(Args...)> {
 public:
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FunctionRef>>>
  FunctionRef(F&& f) noexcept  // NOLINT(google-explicit-constructor)
      : object_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* object, Args... args) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(object))(std::forward<Args>(args)...);
        }) {}

  R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

 private:
  void* object_;
  R (*call_)(void*, Args...);
};

}  // namespace lightbert::runtime
