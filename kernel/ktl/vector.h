// ktl::Vector<T>: a growable array whose growth can fail.
//
// Every operation that may allocate returns Result<void> (ENOMEM when the
// allocator is out or the size computation would overflow); on failure the
// vector is unchanged. Storage comes from operator new(size, std::nothrow),
// which in the Sentry is the kernel heap. Move-only: copying a container is
// an allocation and must be explicit (see Clone()).
#ifndef RINGFENCE_KERNEL_KTL_VECTOR_H_
#define RINGFENCE_KERNEL_KTL_VECTOR_H_

#include <cstddef>
#include <limits>
#include <new>
#include <type_traits>
#include <utility>

#include "kernel/ktl/panic.h"
#include "kernel/ktl/result.h"

namespace ktl {

template <typename T>
class Vector {
 public:
  Vector() = default;
  ~Vector() { Release(); }
  Vector(Vector&& other) : data_(other.data_), size_(other.size_), capacity_(other.capacity_) {
    other.data_ = nullptr;
    other.size_ = other.capacity_ = 0;
  }
  Vector& operator=(Vector&& other) {
    if (this != &other) {
      Release();
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
      capacity_ = std::exchange(other.capacity_, 0);
    }
    return *this;
  }
  Vector(const Vector&) = delete;
  Vector& operator=(const Vector&) = delete;

  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }
  T* data() { return data_; }
  const T* data() const { return data_; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }

  // Bounds-checked: an out-of-range index is a Sentry bug.
  T& operator[](size_t i) {
    KTL_ASSERT(i < size_);
    return data_[i];
  }
  const T& operator[](size_t i) const {
    KTL_ASSERT(i < size_);
    return data_[i];
  }
  T& front() { return (*this)[0]; }
  T& back() { return (*this)[size_ - 1]; }
  const T& front() const { return (*this)[0]; }
  const T& back() const { return (*this)[size_ - 1]; }

  // Ensures capacity() >= n.
  Result<void> Reserve(size_t n) {
    if (n <= capacity_) return Ok();
    if (n > kMaxElements) return Errno::kENOMEM;
    T* fresh = static_cast<T*>(Allocate(n * sizeof(T)));
    if (fresh == nullptr) return Errno::kENOMEM;
    for (size_t i = 0; i < size_; ++i) {
      new (&fresh[i]) T(std::move(data_[i]));
      data_[i].~T();
    }
    Deallocate(data_);
    data_ = fresh;
    capacity_ = n;
    return Ok();
  }

  // Ensures capacity() >= n, growing geometrically like PushBack so that a
  // caller reserving "size() + k" before each step stays amortised O(1).
  Result<void> ReserveAtLeast(size_t n) {
    if (n <= capacity_) return Ok();
    return Grow(n);
  }

  Result<void> PushBack(T value) {
    if (size_ == capacity_) TRY(Grow(size_ + 1));
    new (&data_[size_]) T(std::move(value));
    ++size_;
    return Ok();
  }

  // Inserts before position `index` (0 <= index <= size()).
  Result<void> Insert(size_t index, T value) {
    KTL_ASSERT(index <= size_);
    if (size_ == capacity_) TRY(Grow(size_ + 1));
    if (index == size_) {
      new (&data_[size_]) T(std::move(value));
    } else {
      // Shift [index, size) up by one, starting from the new last slot.
      new (&data_[size_]) T(std::move(data_[size_ - 1]));
      for (size_t i = size_ - 1; i > index; --i) data_[i] = std::move(data_[i - 1]);
      data_[index] = std::move(value);
    }
    ++size_;
    return Ok();
  }

  // Removes elements [first, last).
  void Erase(size_t first, size_t last) {
    KTL_ASSERT(first <= last && last <= size_);
    size_t count = last - first;
    if (count == 0) return;
    for (size_t i = first; i + count < size_; ++i) data_[i] = std::move(data_[i + count]);
    for (size_t i = size_ - count; i < size_; ++i) data_[i].~T();
    size_ -= count;
  }
  void Erase(size_t index) { Erase(index, index + 1); }

  void PopBack() {
    KTL_ASSERT(size_ > 0);
    data_[--size_].~T();
  }

  // Destroys the elements; keeps the capacity.
  void Clear() {
    for (size_t i = 0; i < size_; ++i) data_[i].~T();
    size_ = 0;
  }

  // Grows with value-initialized elements or shrinks.
  Result<void> Resize(size_t n)
    requires std::is_default_constructible_v<T>
  {
    if (n > size_) {
      TRY(Reserve(n));
      for (size_t i = size_; i < n; ++i) new (&data_[i]) T();
      size_ = n;
    } else {
      Erase(n, size_);
    }
    return Ok();
  }

  // Deep copy, fallible.
  Result<Vector> Clone() const
    requires std::is_copy_constructible_v<T>
  {
    Vector copy;
    TRY(copy.Reserve(size_));
    for (size_t i = 0; i < size_; ++i) new (&copy.data_[i]) T(data_[i]);
    copy.size_ = size_;
    return copy;
  }

 private:
  static constexpr size_t kMaxElements = std::numeric_limits<size_t>::max() / 2 / sizeof(T);
  static constexpr bool kOverAligned = alignof(T) > __STDCPP_DEFAULT_NEW_ALIGNMENT__;

  // Doubles the capacity (at least 4, at least `needed`).
  Result<void> Grow(size_t needed) {
    size_t target = capacity_ < 4 ? 4 : capacity_;
    if (capacity_ >= 4) target = capacity_ > kMaxElements / 2 ? kMaxElements : capacity_ * 2;
    if (target < needed) target = needed;
    return Reserve(target);
  }

  static void* Allocate(size_t bytes) {
    if constexpr (kOverAligned) {
      return ::operator new(bytes, std::align_val_t(alignof(T)), std::nothrow);
    } else {
      return ::operator new(bytes, std::nothrow);
    }
  }
  static void Deallocate(T* p) {
    if (p == nullptr) return;
    if constexpr (kOverAligned) {
      ::operator delete(p, std::align_val_t(alignof(T)));
    } else {
      ::operator delete(p);
    }
  }

  void Release() {
    Clear();
    Deallocate(data_);
    data_ = nullptr;
    capacity_ = 0;
  }

  T* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace ktl

#endif  // RINGFENCE_KERNEL_KTL_VECTOR_H_
