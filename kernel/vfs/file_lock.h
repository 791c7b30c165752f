// Advisory file locks of one inode: POSIX record locks (fcntl F_SETLK,
// owned by a process), open-file-description record locks (F_OFD_SETLK,
// owned by a description) and flock(2) locks (owned by a description).
//
// As on Linux, record locks of both kinds share one namespace and conflict
// with each other when their owners differ; flock locks live apart and
// never conflict with record locks. A lock conflicts with another owner's
// lock when their byte ranges overlap and at least one is a write
// (exclusive) lock. An owner's new record lock replaces whatever the owner
// held on that range (splitting or merging its locks, like Linux does).
//
// Waiting (F_SETLKW, flock without LOCK_NB) is the caller's business: this
// table only answers "granted" or "conflicts with X", and tells the release
// listener whenever locks may have gone, for waiters to retry.
//
// Thread safety: every method takes the table's lock.
#ifndef RINGFENCE_KERNEL_VFS_FILE_LOCK_H_
#define RINGFENCE_KERNEL_VFS_FILE_LOCK_H_

#include <cstdint>

#include "kernel/ktl/result.h"
#include "kernel/ktl/spinlock.h"
#include "kernel/ktl/vector.h"

namespace sentry::vfs {

// Who holds a lock: a process (POSIX locks, `id` = its pid) or an open file
// description (OFD and flock locks, `id` = its address).
struct LockOwner {
  uint64_t id = 0;
  bool description = false;
  bool operator==(const LockOwner& other) const {
    return id == other.id && description == other.description;
  }
};

// A byte range [start, end], end inclusive; kLockToEnd: to infinity.
inline constexpr uint64_t kLockToEnd = UINT64_MAX;

struct RecordLock {
  LockOwner owner;
  int32_t pid = 0;  // reported by F_GETLK (-1 for description owners)
  bool write = false;
  uint64_t start = 0;
  uint64_t end = kLockToEnd;
};

enum class FlockType { kShared, kExclusive };

// Called (without any table's lock held) after every change that may have
// released or weakened a lock: the Sentry wakes its lock waiters.
using LockReleaseListener = void (*)();
void SetLockReleaseListener(LockReleaseListener listener);

class FileLocks {
 public:
  FileLocks() = default;
  FileLocks(const FileLocks&) = delete;
  FileLocks& operator=(const FileLocks&) = delete;

  // --- record locks (fcntl) -------------------------------------------------
  // The first lock of another owner that conflicts with `wanted`, if any
  // (F_GETLK); returns false if none.
  bool FindConflict(const RecordLock& wanted, RecordLock* conflict);
  // Grants `lock` (EAGAIN if it conflicts; ENOLCK if out of memory).
  ktl::Result<void> SetRecord(const RecordLock& lock);
  // Drops `owner`'s locks on [start, end] (F_UNLCK).
  ktl::Result<void> UnlockRecord(const LockOwner& owner, uint64_t start, uint64_t end);

  // --- flock -------------------------------------------------------------------
  // EWOULDBLOCK (EAGAIN) if another owner's lock conflicts; replaces the
  // owner's lock.
  ktl::Result<void> Flock(const LockOwner& owner, FlockType type);
  void Unflock(const LockOwner& owner);

  // Every lock `owner` holds, both kinds (close, last reference dropped).
  void ReleaseAll(const LockOwner& owner);
  // Record locks `owner` holds (a process closing any fd of the file).
  void ReleaseRecords(const LockOwner& owner);

  size_t record_count();

 private:
  struct FlockEntry {
    LockOwner owner;
    FlockType type;
  };
  bool FindConflictLocked(const RecordLock& wanted, RecordLock* conflict) const;
  // Removes `owner`'s coverage of [start, end], splitting locks that
  // straddle it. records_ must have room for one more element (a split).
  void CarveLocked(const LockOwner& owner, uint64_t start, uint64_t end);

  ktl::Spinlock lock_;
  ktl::Vector<RecordLock> records_;  // Guarded by lock_.
  ktl::Vector<FlockEntry> flocks_;   // Guarded by lock_.
};

}  // namespace sentry::vfs

#endif  // RINGFENCE_KERNEL_VFS_FILE_LOCK_H_
