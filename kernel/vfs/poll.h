// Readiness of open files for poll(2), select(2) and epoll(7): the event
// bits, and the queue a file notifies when its readiness may have changed.
//
// A file reports what it is ready for with fs::File::Readiness() and names
// the WaiterQueue it notifies with fs::File::waiter_queue(). A waiter (a
// thread in poll, an epoll entry, a reader blocked on a pipe) links a
// Waiter on that queue, re-checks readiness, and is called back through
// Waiter::Notify when the file's state changes. Notify runs in the context
// of whoever changed the state, so it must only record and wake, never
// block or call back into the file.
//
// Locking: the queues rely on the Sentry lock (one CPU runs Sentry code at
// a time); a waiter checks readiness and links itself with no Sentry code
// running in between, so a notification cannot be lost.
#ifndef RINGFENCE_KERNEL_VFS_POLL_H_
#define RINGFENCE_KERNEL_VFS_POLL_H_

#include <cstdint>

#include "kernel/ktl/intrusive_list.h"

namespace sentry::vfs {

// poll(2)/epoll(7) event bits (the x86-64 values; EPOLLIN == POLLIN...).
inline constexpr uint32_t kPollIn = 0x001;
inline constexpr uint32_t kPollPri = 0x002;
inline constexpr uint32_t kPollOut = 0x004;
inline constexpr uint32_t kPollErr = 0x008;
inline constexpr uint32_t kPollHup = 0x010;
inline constexpr uint32_t kPollNval = 0x020;
inline constexpr uint32_t kPollRdNorm = 0x040;
inline constexpr uint32_t kPollRdBand = 0x080;
inline constexpr uint32_t kPollWrNorm = 0x100;
inline constexpr uint32_t kPollWrBand = 0x200;
inline constexpr uint32_t kPollMsg = 0x400;
inline constexpr uint32_t kPollRdHup = 0x2000;
// What a file without a poll operation always reports (DEFAULT_POLLMASK).
inline constexpr uint32_t kDefaultPollMask = kPollIn | kPollOut | kPollRdNorm | kPollWrNorm;
// Reported whether asked for or not.
inline constexpr uint32_t kPollAlways = kPollErr | kPollHup;
// A pseudo-event for Notify: the file is being released (its last
// reference went); an epoll entry watching it removes itself.
inline constexpr uint32_t kPollFree = 0x4000;

class WaiterQueue;

// One registration on a WaiterQueue.
class Waiter {
 public:
  Waiter() = default;
  Waiter(const Waiter&) = delete;
  Waiter& operator=(const Waiter&) = delete;
  virtual ~Waiter();

  // The watched file's readiness may have changed; `events` says which
  // events (a hint: receivers re-check Readiness). May unlink this waiter
  // (and only this one) from its queue.
  virtual void Notify(uint32_t events) = 0;
  bool queued() const { return queue_ != nullptr; }

 private:
  friend class WaiterQueue;
  ktl::IntrusiveListNode node_;
  WaiterQueue* queue_ = nullptr;
};

class WaiterQueue {
 public:
  WaiterQueue() = default;
  WaiterQueue(const WaiterQueue&) = delete;
  WaiterQueue& operator=(const WaiterQueue&) = delete;
  // Unlinks the waiters still queued (their owner outlives the file only
  // by mistake; unlinking keeps that from corrupting memory).
  ~WaiterQueue();

  bool empty() const { return list_.empty(); }
  // Links `waiter` (not on any queue) at the back.
  void Add(Waiter& waiter);
  // Unlinks `waiter` if it is on this queue.
  void Remove(Waiter& waiter);
  // Calls Notify(events) on every waiter, oldest first.
  void Notify(uint32_t events);

 private:
  ktl::IntrusiveList<Waiter, &Waiter::node_> list_;
};

// Links a waiter for the duration of a scope.
class ScopedWait {
 public:
  ScopedWait(WaiterQueue* queue, Waiter& waiter) : queue_(queue), waiter_(waiter) {
    if (queue_ != nullptr) queue_->Add(waiter_);
  }
  ~ScopedWait() {
    if (queue_ != nullptr) queue_->Remove(waiter_);
  }
  ScopedWait(const ScopedWait&) = delete;
  ScopedWait& operator=(const ScopedWait&) = delete;

 private:
  WaiterQueue* queue_;
  Waiter& waiter_;
};

}  // namespace sentry::vfs

#endif  // RINGFENCE_KERNEL_VFS_POLL_H_
