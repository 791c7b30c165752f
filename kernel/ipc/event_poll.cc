#include "kernel/ipc/event_poll.h"

#include <new>

namespace sentry::ipc {
namespace {

constexpr uint32_t kEpollMode = 0600;
// What EPOLLEXCLUSIVE may be combined with (EPOLLEXCLUSIVE_OK_BITS).
constexpr uint32_t kExclusiveOkBits = vfs::kPollIn | vfs::kPollOut | vfs::kPollRdNorm |
                                      vfs::kPollWrNorm | vfs::kPollRdBand | vfs::kPollWrBand |
                                      vfs::kPollErr | vfs::kPollHup | kEpollWakeup | kEpollEt |
                                      kEpollExclusive;

}  // namespace

EventPoll::EventPoll(uint32_t flags, const AnonIdentity& identity)
    : AnonFile(flags, kEpollMode, identity, "eventpoll") {}

EventPoll::~EventPoll() {
  while (Item* item = items_.front()) RemoveItem(*item);
}

void EventPoll::ReadyWatch::Notify(uint32_t events) {
  if ((events & item_.events & ~kEpollPrivateBits) == 0) return;
  item_.owner.MarkReady(item_);
}

void EventPoll::ReleaseWatch::Notify(uint32_t events) {
  if (events & vfs::kPollFree) item_.owner.RemoveItem(item_);
}

EventPoll::Item* EventPoll::Find(fs::File& file, int fd) {
  for (Item& item : items_) {
    if (&item.file == &file && item.fd == fd) return &item;
  }
  return nullptr;
}

uint32_t EventPoll::Pending(Item& item) {
  uint32_t wanted = item.events & ~kEpollPrivateBits;
  if (wanted == 0) return 0;  // a fired EPOLLONESHOT item
  return item.file.Readiness() & wanted;
}

void EventPoll::MarkReady(Item& item) {
  if (!item.ready_node.InList()) ready_.PushBack(&item);
  waiters_.Notify(vfs::kPollIn | vfs::kPollRdNorm);
}

void EventPoll::RemoveItem(Item& item) {
  if (vfs::WaiterQueue* queue = item.file.waiter_queue()) queue->Remove(item.ready_watch);
  item.file.release_watchers().Remove(item.release_watch);
  if (item.ready_node.InList()) ready_.Remove(&item);
  items_.Remove(&item);
  delete &item;
}

bool EventPoll::Reaches(EventPoll& target, int depth) {
  if (this == &target) return true;
  if (depth > kEpollMaxNests) return true;  // too deep counts as a loop
  for (Item& item : items_) {
    EventPoll* nested = item.file.event_poll();
    if (nested != nullptr && nested->Reaches(target, depth + 1)) return true;
  }
  return false;
}

bool EventPoll::WouldLoop(EventPoll& target) { return target.Reaches(*this, 1); }

ktl::Result<void> EventPoll::Control(int op, fs::File& file, int fd, EpollEvent event) {
  if (op != kEpollCtlAdd && op != kEpollCtlDel && op != kEpollCtlMod) return ktl::Errno::kEINVAL;
  vfs::WaiterQueue* queue = file.waiter_queue();
  if (queue == nullptr) return ktl::Errno::kEPERM;
  if (&file == this) return ktl::Errno::kEINVAL;
  EventPoll* nested = file.event_poll();
  uint32_t events = event.events;
  if (op != kEpollCtlDel && (events & kEpollExclusive)) {
    if (op == kEpollCtlMod) return ktl::Errno::kEINVAL;
    if (nested != nullptr || (events & ~kExclusiveOkBits)) return ktl::Errno::kEINVAL;
  }
  if (op == kEpollCtlAdd && nested != nullptr && WouldLoop(*nested)) return ktl::Errno::kELOOP;
  Item* item = Find(file, fd);
  switch (op) {
    case kEpollCtlAdd: {
      if (item != nullptr) return ktl::Errno::kEEXIST;
      item = new (std::nothrow) Item(*this, file, fd);
      if (item == nullptr) return ktl::Errno::kENOMEM;
      item->events = events | vfs::kPollAlways;
      item->data = event.data;
      items_.PushBack(item);
      queue->Add(item->ready_watch);
      file.release_watchers().Add(item->release_watch);
      break;
    }
    case kEpollCtlMod:
      if (item == nullptr) return ktl::Errno::kENOENT;
      if (item->events & kEpollExclusive) return ktl::Errno::kEINVAL;
      item->events = events | vfs::kPollAlways;
      item->data = event.data;
      break;
    case kEpollCtlDel:
      if (item == nullptr) return ktl::Errno::kENOENT;
      RemoveItem(*item);
      return ktl::Ok();
  }
  // Already ready: report it without waiting for a notification.
  if (Pending(*item) != 0) MarkReady(*item);
  return ktl::Ok();
}

void EventPoll::CheckClockDriven() {
  // Asking such a file for its readiness brings it up to date, and it
  // notifies its queue of expirations it finds (which readies the item
  // through its watch, once per expiry: edge-triggered items see edges).
  for (Item& item : items_) {
    if (item.file.ReadinessDeadline() != 0) (void)item.file.Readiness();
  }
}

size_t EventPoll::Harvest(std::span<EpollEvent> out) {
  CheckClockDriven();
  size_t count = 0;
  // Each item present now is looked at once: level-triggered ones go back
  // to the end of the list, behind the rest.
  for (size_t left = ready_.size(); left > 0 && count < out.size(); --left) {
    Item& item = *ready_.PopFront();
    uint32_t pending = Pending(item);
    if (pending == 0) continue;  // no longer ready: back on the next notification
    out[count].events = pending;
    out[count].data = item.data;
    ++count;
    if (item.events & kEpollOneshot) {
      item.events &= kEpollPrivateBits;
    } else if (!(item.events & kEpollEt)) {
      ready_.PushBack(&item);
    }
  }
  return count;
}

uint32_t EventPoll::Readiness() {
  CheckClockDriven();
  for (Item& item : ready_) {
    if (Pending(item) != 0) return vfs::kPollIn | vfs::kPollRdNorm;
  }
  return 0;
}

int64_t EventPoll::ReadinessDeadline() {
  int64_t earliest = 0;
  for (Item& item : items_) {
    if ((item.events & ~kEpollPrivateBits) == 0) continue;
    int64_t deadline = item.file.ReadinessDeadline();
    if (deadline != 0 && (earliest == 0 || deadline < earliest)) earliest = deadline;
  }
  return earliest;
}

}  // namespace sentry::ipc
