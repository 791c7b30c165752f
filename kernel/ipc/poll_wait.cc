#include "kernel/ipc/poll_wait.h"

#include <new>

#include "kernel/ipc/wait.h"
#include "kernel/sched/scheduler.h"
#include "kernel/time/clock.h"

namespace sentry::ipc {
namespace {

// One readiness scan; returns how many requests have events.
size_t Scan(std::span<PollRequest> requests) {
  size_t ready = 0;
  for (PollRequest& request : requests) {
    if (request.ignored) {
      request.revents = 0;
    } else if (request.file == nullptr) {
      request.revents = vfs::kPollNval;
    } else {
      request.revents = request.file->Readiness() & (request.events | vfs::kPollAlways);
    }
    if (request.revents != 0) ++ready;
  }
  return ready;
}

// The earliest of `deadline_ns` and the files' own clock-driven changes;
// 0 (Block's "none") for forever.
int64_t SleepDeadline(std::span<PollRequest> requests, int64_t deadline_ns) {
  int64_t earliest = deadline_ns == kForever ? 0 : deadline_ns;
  for (PollRequest& request : requests) {
    int64_t file_deadline = request.file ? request.file->ReadinessDeadline() : 0;
    if (file_deadline != 0 && (earliest == 0 || file_deadline < earliest)) {
      earliest = file_deadline;
    }
  }
  return earliest;
}

vfs::WaiterQueue* QueueOf(PollRequest& request) {
  return request.file != nullptr ? request.file->waiter_queue() : nullptr;
}

}  // namespace

ktl::Result<size_t> PollFiles(std::span<PollRequest> requests, int64_t deadline_ns) {
  size_t ready = Scan(requests);
  if (ready > 0 || deadline_ns == kNoWait) return ready;
  // One waiter per file, linked for each sleep.
  struct Waiters {
    ThreadWaiter* array;
    ~Waiters() { delete[] array; }
  } waiters{new (std::nothrow) ThreadWaiter[requests.empty() ? 1 : requests.size()]};
  if (waiters.array == nullptr) return ktl::Errno::kENOMEM;
  sched::Thread& self = CurrentTask().thread();
  for (;;) {
    for (size_t i = 0; i < requests.size(); ++i) {
      waiters.array[i].set(self, requests[i].events | vfs::kPollAlways);
      if (vfs::WaiterQueue* queue = QueueOf(requests[i])) queue->Add(waiters.array[i]);
    }
    sched::WakeReason reason = sched::Block(SleepDeadline(requests, deadline_ns));
    for (size_t i = 0; i < requests.size(); ++i) {
      if (vfs::WaiterQueue* queue = QueueOf(requests[i])) queue->Remove(waiters.array[i]);
    }
    ready = Scan(requests);
    if (ready > 0) return ready;
    if (reason == sched::WakeReason::kInterrupted) return ktl::Errno::kEINTR;
    if (deadline_ns != kForever && time::MonotonicNs() >= deadline_ns) return size_t{0};
  }
}

}  // namespace sentry::ipc
