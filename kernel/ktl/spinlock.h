// Spinlock and its RAII guard.
//
// A test-and-test-and-set lock on std::atomic<bool>. It does not disable
// interrupts: code that interrupt handlers also lock needs the platform's
// interrupt-disabling variant. Not recursive; locking it twice on one CPU
// deadlocks. Fields it protects are commented "Guarded by <lock>".
#ifndef RINGFENCE_KERNEL_KTL_SPINLOCK_H_
#define RINGFENCE_KERNEL_KTL_SPINLOCK_H_

#include <atomic>

namespace ktl {

class Spinlock {
 public:
  constexpr Spinlock() = default;
  Spinlock(const Spinlock&) = delete;
  Spinlock& operator=(const Spinlock&) = delete;

  void Lock() {
    for (;;) {
      if (!locked_.exchange(true, std::memory_order_acquire)) return;
      // Spin on a plain load so waiting CPUs share the cache line instead of
      // bouncing it with writes.
      while (locked_.load(std::memory_order_relaxed)) CpuRelax();
    }
  }

  bool TryLock() {
    return !locked_.load(std::memory_order_relaxed) &&
           !locked_.exchange(true, std::memory_order_acquire);
  }

  void Unlock() { locked_.store(false, std::memory_order_release); }

  // For assertions only: another CPU may change it at any moment.
  bool IsLocked() const { return locked_.load(std::memory_order_relaxed); }

 private:
  static void CpuRelax() {
#if defined(__x86_64__)
    __builtin_ia32_pause();  // tells the core (and a hypervisor) we are spinning
#endif
  }

  std::atomic<bool> locked_{false};
};

// Holds `lock` for the guard's lifetime.
class [[nodiscard]] SpinlockGuard {
 public:
  explicit SpinlockGuard(Spinlock& lock) : lock_(lock) { lock_.Lock(); }
  ~SpinlockGuard() { lock_.Unlock(); }
  SpinlockGuard(const SpinlockGuard&) = delete;
  SpinlockGuard& operator=(const SpinlockGuard&) = delete;

 private:
  Spinlock& lock_;
};

}  // namespace ktl

#endif  // RINGFENCE_KERNEL_KTL_SPINLOCK_H_
