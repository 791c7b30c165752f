#include "kernel/vfs/file_lock.h"

namespace sentry::vfs {
namespace {

bool Overlaps(uint64_t a_start, uint64_t a_end, uint64_t b_start, uint64_t b_end) {
  return a_start <= b_end && b_start <= a_end;
}

// Whether [b_start, ...] begins right after a range ending at a_end.
bool Adjacent(uint64_t a_end, uint64_t b_start) {
  return a_end != kLockToEnd && a_end + 1 == b_start;
}

LockReleaseListener g_release_listener = nullptr;

// Tells the listener, once the table's lock is dropped (declared before the
// guard), that locks may have gone or weakened.
// Only when `armed`: a failed request changes nothing, and waking waiters
// for it would have them wake each other forever.
struct NotifyReleaseOnExit {
  explicit NotifyReleaseOnExit(bool armed_now = true) : armed(armed_now) {}
  ~NotifyReleaseOnExit() {
    if (armed && g_release_listener != nullptr) g_release_listener();
  }
  bool armed;
};

}  // namespace

void SetLockReleaseListener(LockReleaseListener listener) { g_release_listener = listener; }

bool FileLocks::FindConflictLocked(const RecordLock& wanted, RecordLock* conflict) const {
  for (const RecordLock& held : records_) {
    if (held.owner == wanted.owner) continue;
    if (!held.write && !wanted.write) continue;
    if (!Overlaps(held.start, held.end, wanted.start, wanted.end)) continue;
    if (conflict) *conflict = held;
    return true;
  }
  return false;
}

bool FileLocks::FindConflict(const RecordLock& wanted, RecordLock* conflict) {
  ktl::SpinlockGuard guard(lock_);
  return FindConflictLocked(wanted, conflict);
}

void FileLocks::CarveLocked(const LockOwner& owner, uint64_t start, uint64_t end) {
  for (size_t i = 0; i < records_.size();) {
    RecordLock& held = records_[i];
    if (!(held.owner == owner) || !Overlaps(held.start, held.end, start, end)) {
      ++i;
      continue;
    }
    bool keeps_left = held.start < start;
    bool keeps_right = held.end > end;
    if (keeps_left && keeps_right) {
      RecordLock right = held;
      right.start = end + 1;
      held.end = start - 1;
      (void)records_.PushBack(right);  // the caller reserved room
      ++i;
    } else if (keeps_left) {
      held.end = start - 1;
      ++i;
    } else if (keeps_right) {
      held.start = end + 1;
      ++i;
    } else {
      records_.Erase(i);
    }
  }
}

ktl::Result<void> FileLocks::SetRecord(const RecordLock& lock) {
  NotifyReleaseOnExit notify(false);  // armed once the owner's locks change
  ktl::SpinlockGuard guard(lock_);
  if (FindConflictLocked(lock, nullptr)) return ktl::Errno::kEAGAIN;
  // Room for one split and the new lock, so nothing below can fail.
  if (!records_.ReserveAtLeast(records_.size() + 2).ok()) return ktl::Errno::kENOLCK;
  // Merge with the owner's locks of the same type that touch the range.
  RecordLock merged = lock;
  for (bool grew = true; grew;) {
    grew = false;
    for (const RecordLock& held : records_) {
      if (!(held.owner == lock.owner) || held.write != lock.write) continue;
      bool touches = Overlaps(held.start, held.end, merged.start, merged.end) ||
                     Adjacent(held.end, merged.start) || Adjacent(merged.end, held.start);
      if (!touches) continue;
      if (held.start < merged.start || held.end > merged.end) {
        if (held.start < merged.start) merged.start = held.start;
        if (held.end > merged.end) merged.end = held.end;
        grew = true;
      }
    }
  }
  CarveLocked(lock.owner, merged.start, merged.end);
  (void)records_.PushBack(merged);  // reserved
  notify.armed = true;  // a write lock replaced by a read lock is weaker
  return ktl::Ok();
}

ktl::Result<void> FileLocks::UnlockRecord(const LockOwner& owner, uint64_t start, uint64_t end) {
  NotifyReleaseOnExit notify;
  ktl::SpinlockGuard guard(lock_);
  if (!records_.ReserveAtLeast(records_.size() + 1).ok()) return ktl::Errno::kENOLCK;
  CarveLocked(owner, start, end);
  return ktl::Ok();
}

ktl::Result<void> FileLocks::Flock(const LockOwner& owner, FlockType type) {
  NotifyReleaseOnExit notify(false);  // armed when a conversion drops the old lock
  ktl::SpinlockGuard guard(lock_);
  for (size_t i = 0; i < flocks_.size(); ++i) {
    if (!(flocks_[i].owner == owner)) continue;
    if (flocks_[i].type == type) return ktl::Ok();
    // A conversion drops the old lock first, so a failed non-blocking
    // upgrade leaves none (flock(2): "not atomic").
    flocks_.Erase(i);
    notify.armed = true;
    break;
  }
  for (const FlockEntry& held : flocks_) {
    if (held.type == FlockType::kExclusive || type == FlockType::kExclusive) {
      return ktl::Errno::kEAGAIN;
    }
  }
  if (!flocks_.PushBack(FlockEntry{owner, type}).ok()) return ktl::Errno::kENOLCK;
  return ktl::Ok();
}

void FileLocks::Unflock(const LockOwner& owner) {
  NotifyReleaseOnExit notify;
  ktl::SpinlockGuard guard(lock_);
  for (size_t i = 0; i < flocks_.size(); ++i) {
    if (flocks_[i].owner == owner) {
      flocks_.Erase(i);
      return;
    }
  }
}

void FileLocks::ReleaseRecords(const LockOwner& owner) {
  NotifyReleaseOnExit notify;
  ktl::SpinlockGuard guard(lock_);
  for (size_t i = 0; i < records_.size();) {
    if (records_[i].owner == owner) {
      records_.Erase(i);
    } else {
      ++i;
    }
  }
}

void FileLocks::ReleaseAll(const LockOwner& owner) {
  ReleaseRecords(owner);
  Unflock(owner);
}

size_t FileLocks::record_count() {
  ktl::SpinlockGuard guard(lock_);
  return records_.size();
}

}  // namespace sentry::vfs
