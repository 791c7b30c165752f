// EventPoll: an epoll(7) instance, the file epoll_create1 returns. Portable
// (the interest list and ready list logic are unit-tested hosted); the
// syscalls in kernel/syscalls/sys_epoll.cc do the blocking.
//
// Each watched (file, fd) pair is an Item with two waiters: one on the
// file's readiness queue, which puts the item on the ready list when the
// file signals an event of interest (Linux's ep_poll_callback), and one on
// the file's release watchers, which drops the item when the file's last
// reference goes (closing the last fd of the description).
//
// Harvest reports each ready item whose file is still ready for one of its
// events: a level-triggered item stays on the ready list (reported again
// while ready), an edge-triggered one leaves it until the next
// notification, and an EPOLLONESHOT one is disabled until EPOLL_CTL_MOD.
#ifndef RINGFENCE_KERNEL_IPC_EVENT_POLL_H_
#define RINGFENCE_KERNEL_IPC_EVENT_POLL_H_

#include <cstdint>
#include <span>

#include "kernel/ipc/anon_file.h"
#include "kernel/ktl/intrusive_list.h"
#include "kernel/ktl/result.h"
#include "kernel/vfs/poll.h"

namespace sentry::ipc {

// epoll_ctl operations and event flags beyond the poll bits.
inline constexpr int kEpollCtlAdd = 1, kEpollCtlDel = 2, kEpollCtlMod = 3;
inline constexpr uint32_t kEpollExclusive = 1u << 28;
inline constexpr uint32_t kEpollWakeup = 1u << 29;
inline constexpr uint32_t kEpollOneshot = 1u << 30;
inline constexpr uint32_t kEpollEt = 1u << 31;
// Bits that configure an item rather than name events (EP_PRIVATE_BITS).
inline constexpr uint32_t kEpollPrivateBits = kEpollExclusive | kEpollWakeup | kEpollOneshot |
                                              kEpollEt;
// Nesting depth of epoll instances (EP_MAX_NESTS).
inline constexpr int kEpollMaxNests = 4;

// struct epoll_event: packed on x86-64.
struct __attribute__((packed)) EpollEvent {
  uint32_t events;
  uint64_t data;
};
static_assert(sizeof(EpollEvent) == 12);

class EventPoll final : public AnonFile {
 public:
  EventPoll(uint32_t flags, const AnonIdentity& identity);
  ~EventPoll() override;

  // epoll_ctl on (`file`, `fd`), checked in Linux's order after the fds
  // were resolved: EPERM for files without readiness notifications,
  // EINVAL for this instance itself and misused EPOLLEXCLUSIVE, ELOOP for
  // cycles or nesting too deep, then EEXIST / ENOENT.
  ktl::Result<void> Control(int op, fs::File& file, int fd, EpollEvent event);
  // Moves up to out.size() ready events into `out`; returns the count.
  size_t Harvest(std::span<EpollEvent> out);

  // fs::File.
  uint32_t Readiness() override;
  vfs::WaiterQueue* waiter_queue() override { return &waiters_; }
  int64_t ReadinessDeadline() override;
  EventPoll* event_poll() override { return this; }

  size_t item_count() const { return items_.size(); }

 private:
  struct Item;
  // Puts the item on the ready list (once) and wakes the instance's waiters.
  class ReadyWatch final : public vfs::Waiter {
   public:
    explicit ReadyWatch(Item& item) : item_(item) {}
    void Notify(uint32_t events) override;

   private:
    Item& item_;
  };
  // Drops the item when its file is released.
  class ReleaseWatch final : public vfs::Waiter {
   public:
    explicit ReleaseWatch(Item& item) : item_(item) {}
    void Notify(uint32_t events) override;

   private:
    Item& item_;
  };
  struct Item {
    Item(EventPoll& owner, fs::File& file, int fd) : owner(owner), file(file), fd(fd) {}
    EventPoll& owner;
    fs::File& file;
    int fd;
    uint32_t events = 0;  // with kPollAlways and the private bits
    uint64_t data = 0;
    ReadyWatch ready_watch{*this};
    ReleaseWatch release_watch{*this};
    ktl::IntrusiveListNode all_node;
    ktl::IntrusiveListNode ready_node;
  };

  Item* Find(fs::File& file, int fd);
  // The events the item's file reports now among those it watches.
  static uint32_t Pending(Item& item);
  void MarkReady(Item& item);
  void RemoveItem(Item& item);
  // Files whose readiness changes with the clock (timerfd) notice their
  // expiry only when looked at: looks at them before reporting.
  void CheckClockDriven();
  // Whether `target` is this instance or reaches it through nested
  // instances (a cycle), or nests deeper than kEpollMaxNests.
  bool WouldLoop(EventPoll& target);
  bool Reaches(EventPoll& target, int depth);

  ktl::IntrusiveList<Item, &Item::all_node> items_;
  ktl::IntrusiveList<Item, &Item::ready_node> ready_;
  vfs::WaiterQueue waiters_;  // epoll_wait sleepers, and instances watching this one
};

}  // namespace sentry::ipc

#endif  // RINGFENCE_KERNEL_IPC_EVENT_POLL_H_
