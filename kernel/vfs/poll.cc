#include "kernel/vfs/poll.h"

namespace sentry::vfs {

Waiter::~Waiter() {
  if (queue_ != nullptr) queue_->Remove(*this);
}

WaiterQueue::~WaiterQueue() {
  while (Waiter* waiter = list_.PopFront()) waiter->queue_ = nullptr;
}

void WaiterQueue::Add(Waiter& waiter) {
  KTL_ASSERT(waiter.queue_ == nullptr);
  list_.PushBack(&waiter);
  waiter.queue_ = this;
}

void WaiterQueue::Remove(Waiter& waiter) {
  if (waiter.queue_ != this) return;
  list_.Remove(&waiter);
  waiter.queue_ = nullptr;
}

void WaiterQueue::Notify(uint32_t events) {
  // The next element is taken before the call: Notify may unlink the
  // waiter it is called on.
  for (Waiter* waiter = list_.front(); waiter != nullptr;) {
    Waiter* next = list_.Next(waiter);
    waiter->Notify(events);
    waiter = next;
  }
}

}  // namespace sentry::vfs
