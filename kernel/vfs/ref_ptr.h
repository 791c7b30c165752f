// vfs::RefPtr<T>: an owning pointer to an intrusively reference-counted T
// (anything with Ref() and Unref(), Unref deleting at zero).
//
// Nullable by design: a RefPtr is how the VFS says "maybe an object".
// Allocation goes through MakeRef, which returns a null RefPtr when the heap
// is out of memory (callers turn that into ENOMEM).
#ifndef RINGFENCE_KERNEL_VFS_REF_PTR_H_
#define RINGFENCE_KERNEL_VFS_REF_PTR_H_

#include <new>
#include <utility>

namespace sentry::vfs {

template <typename T>
class RefPtr {
 public:
  RefPtr() = default;
  RefPtr(std::nullptr_t) {}  // NOLINT: `return nullptr;`
  // Takes a new reference on `object` (may be null).
  explicit RefPtr(T* object) : object_(object) {
    if (object_) object_->Ref();
  }
  // Adopts the reference the caller already holds (a freshly constructed
  // object starts with one).
  static RefPtr Adopt(T* object) {
    RefPtr p;
    p.object_ = object;
    return p;
  }
  RefPtr(const RefPtr& other) : RefPtr(other.object_) {}
  template <typename U>
    requires std::is_convertible_v<U*, T*>
  RefPtr(const RefPtr<U>& other) : RefPtr(static_cast<T*>(other.get())) {}  // NOLINT
  template <typename U>
    requires std::is_convertible_v<U*, T*>
  RefPtr(RefPtr<U>&& other) : object_(other.Leak()) {}  // NOLINT
  RefPtr(RefPtr&& other) : object_(other.object_) { other.object_ = nullptr; }
  RefPtr& operator=(const RefPtr& other) {
    RefPtr copy(other);
    Swap(copy);
    return *this;
  }
  RefPtr& operator=(RefPtr&& other) {
    RefPtr moved(std::move(other));
    Swap(moved);
    return *this;
  }
  ~RefPtr() { reset(); }

  void reset() {
    T* old = object_;
    object_ = nullptr;
    if (old) old->Unref();
  }
  // Gives up ownership of the reference without dropping it.
  T* Leak() { return std::exchange(object_, nullptr); }
  void Swap(RefPtr& other) { std::swap(object_, other.object_); }

  T* get() const { return object_; }
  T* operator->() const { return object_; }
  T& operator*() const { return *object_; }
  explicit operator bool() const { return object_ != nullptr; }
  bool operator==(const RefPtr& other) const { return object_ == other.object_; }
  bool operator==(const T* other) const { return object_ == other; }

 private:
  T* object_ = nullptr;
};

// Allocates a T (reference count 1, adopted); null when out of memory.
template <typename T, typename... Args>
RefPtr<T> MakeRef(Args&&... args) {
  return RefPtr<T>::Adopt(new (std::nothrow) T(std::forward<Args>(args)...));
}

}  // namespace sentry::vfs

#endif  // RINGFENCE_KERNEL_VFS_REF_PTR_H_
