// Advisory locks: flock(2) and fcntl's record locks (F_GETLK, F_SETLK,
// F_SETLKW and the open-file-description F_OFD_* forms). The lock table is
// kernel/vfs/file_lock.h, one per inode.
//
// Waiting: F_SETLKW, F_OFD_SETLKW and flock without LOCK_NB sleep until
// the request can be granted, retrying whenever a lock table reports a
// release (vfs::SetLockReleaseListener); a signal interrupts them
// (ERESTARTSYS: EINTR, or a restart with SA_RESTART). A POSIX (process)
// lock wait that would close a cycle of processes each waiting for the
// next one's lock fails with EDEADLK instead, as Linux's
// posix_locks_deadlock; OFD and flock waits are never checked, as on Linux.
#include "kernel/ktl/intrusive_list.h"
#include "kernel/sched/scheduler.h"
#include "kernel/syscalls/fs_support.h"
#include "kernel/syscalls/handlers.h"

namespace sentry::syscalls {
namespace {

using ktl::Errno;

constexpr int kFcntlGetlk = 5, kFcntlSetlk = 6, kFcntlSetlkw = 7;
constexpr int kFcntlOfdGetlk = 36, kFcntlOfdSetlk = 37, kFcntlOfdSetlkw = 38;
constexpr int16_t kFRdlck = 0, kFWrlck = 1, kFUnlck = 2;
constexpr int kLockSh = 1, kLockEx = 2, kLockNb = 4, kLockUn = 8;

// struct flock (x86-64).
struct Flock {
  int16_t type;
  int16_t whence;
  int32_t pad0;
  int64_t start;
  int64_t length;
  int32_t pid;
  int32_t pad1;
};
static_assert(sizeof(Flock) == 32);

// The absolute byte range [*start, *end] a struct flock describes.
ktl::Result<void> LockRange(vfs::FileDescription& file, const Flock& request, uint64_t* start,
                            uint64_t* end) {
  int64_t base;
  switch (request.whence) {
    case vfs::kSEEK_SET:
      base = 0;
      break;
    case vfs::kSEEK_CUR:
      base = file.position();
      break;
    case vfs::kSEEK_END:
      base = static_cast<int64_t>(file.inode().Getattr().size);
      break;
    default:
      return Errno::kEINVAL;
  }
  int64_t first;
  if (__builtin_add_overflow(base, request.start, &first)) return Errno::kEOVERFLOW;
  int64_t last;
  if (request.length > 0) {
    if (__builtin_add_overflow(first, request.length - 1, &last)) return Errno::kEOVERFLOW;
  } else if (request.length < 0) {
    // A negative length covers the bytes before `first`.
    last = first - 1;
    if (__builtin_add_overflow(first, request.length, &first)) return Errno::kEINVAL;
  } else {
    last = -1;  // to the end, however far the file grows
  }
  if (first < 0) return Errno::kEINVAL;
  *start = static_cast<uint64_t>(first);
  *end = request.length == 0 ? vfs::kLockToEnd : static_cast<uint64_t>(last);
  return ktl::Ok();
}

sched::WaitQueue& LockWaiters() {
  static sched::WaitQueue waiters;
  return waiters;
}

void WakeLockWaiters() {
  LockWaiters().WakeAll([](sched::Thread& thread) { sched::MakeRunnable(thread); });
}

// A process sleeping in F_SETLKW: what it waits for, for deadlock checks.
struct BlockedPosixLock {
  vfs::FileLocks* locks;
  vfs::RecordLock wanted;
  ktl::IntrusiveListNode node;
};

ktl::IntrusiveList<BlockedPosixLock, &BlockedPosixLock::node>& BlockedPosixLocks() {
  static ktl::IntrusiveList<BlockedPosixLock, &BlockedPosixLock::node> blocked;
  return blocked;
}

// Linux's posix_locks_deadlock: from the lock `wanted` conflicts with,
// follow "its owner waits for a lock held by..." (POSIX owners only, at
// most 10 steps, as MAX_DEADLK_ITERATIONS); reaching the caller is a cycle.
bool WouldDeadlock(vfs::FileLocks& locks, const vfs::RecordLock& wanted) {
  constexpr int kMaxSteps = 10;
  vfs::FileLocks* table = &locks;
  vfs::RecordLock request = wanted;
  for (int step = 0; step < kMaxSteps; ++step) {
    vfs::RecordLock holder;
    if (!table->FindConflict(request, &holder)) return false;
    if (holder.owner == wanted.owner) return true;
    if (holder.owner.description) return false;
    BlockedPosixLock* next = nullptr;
    for (BlockedPosixLock& blocked : BlockedPosixLocks()) {
      if (blocked.wanted.owner == holder.owner) next = &blocked;
    }
    if (next == nullptr) return false;
    table = next->locks;
    request = next->wanted;
  }
  return false;
}

// Sleeps until a lock table reports a release: false if a signal came.
bool WaitForRelease() {
  vfs::SetLockReleaseListener(&WakeLockWaiters);
  LockWaiters().Add(CurrentTask().thread());
  return sched::Block(0) != sched::WakeReason::kInterrupted;
}

// F_SETLK(W) and F_OFD_SETLK(W) of a read or write lock.
ktl::Result<void> SetRecordLock(vfs::FileLocks& locks, const vfs::RecordLock& lock, bool wait) {
  for (;;) {
    auto granted = locks.SetRecord(lock);
    if (granted.ok() || granted.error() != Errno::kEAGAIN || !wait) return granted;
    bool posix = !lock.owner.description;
    if (posix && WouldDeadlock(locks, lock)) return Errno::kEDEADLK;
    BlockedPosixLock blocked{&locks, lock, {}};
    if (posix) BlockedPosixLocks().PushBack(&blocked);
    bool released = WaitForRelease();
    if (posix) BlockedPosixLocks().Remove(&blocked);
    if (!released) return Errno::kERESTARTSYS;
  }
}

}  // namespace

ktl::Result<int64_t> FcntlLock(int fd, int command, UserAddress address) {
  FdFile file = TRY(GetFile(fd));
  Flock request = TRY(UserPointer<Flock>(address.value).Read());
  bool ofd = command == kFcntlOfdGetlk || command == kFcntlOfdSetlk || command == kFcntlOfdSetlkw;
  if (ofd && request.pid != 0) return Errno::kEINVAL;
  // Host files (stdio) are outside the VFS and have no lock table.
  if (file.description == nullptr) return Errno::kEINVAL;
  vfs::FileDescription& description = *file.description;
  int32_t pid = CurrentTask().process().pid();
  vfs::RecordLock lock;
  lock.owner = ofd ? description.lock_owner() : vfs::LockOwner{static_cast<uint64_t>(pid), false};
  lock.pid = ofd ? -1 : pid;
  TRY(LockRange(description, request, &lock.start, &lock.end));
  vfs::FileLocks& locks = description.inode().locks();

  if (command == kFcntlGetlk || command == kFcntlOfdGetlk) {
    if (request.type != kFRdlck && request.type != kFWrlck) return Errno::kEINVAL;
    lock.write = request.type == kFWrlck;
    vfs::RecordLock conflict;
    Flock reply = request;
    if (locks.FindConflict(lock, &conflict)) {
      reply.type = conflict.write ? kFWrlck : kFRdlck;
      reply.whence = vfs::kSEEK_SET;
      reply.start = static_cast<int64_t>(conflict.start);
      reply.length = conflict.end == vfs::kLockToEnd
                         ? 0
                         : static_cast<int64_t>(conflict.end - conflict.start + 1);
      reply.pid = conflict.pid;
    } else {
      reply.type = kFUnlck;
    }
    TRY(UserPointer<Flock>(address.value).Write(reply));
    return 0;
  }

  switch (request.type) {
    case kFUnlck:
      TRY(locks.UnlockRecord(lock.owner, lock.start, lock.end));
      return 0;
    case kFRdlck:
      if (!file.file->readable()) return Errno::kEBADF;
      break;
    case kFWrlck:
      if (!file.file->writable()) return Errno::kEBADF;
      lock.write = true;
      break;
    default:
      return Errno::kEINVAL;
  }
  TRY(SetRecordLock(locks, lock, command == kFcntlSetlkw || command == kFcntlOfdSetlkw));
  return 0;
}

void ReleasePosixLocks(fs::File& file) {
  vfs::FileDescription* description = file.vfs_description();
  if (description == nullptr) return;
  uint64_t pid = static_cast<uint64_t>(CurrentTask().process().pid());
  description->inode().locks().ReleaseRecords(vfs::LockOwner{pid, false});
}

ktl::Result<int64_t> sys_flock(int fd, int operation) {
  FdFile file = TRY(GetFile(fd));
  int command = operation & ~kLockNb;
  if (command != kLockSh && command != kLockEx && command != kLockUn) return Errno::kEINVAL;
  if (file.description == nullptr) return Errno::kEINVAL;  // host files: no lock table
  vfs::FileLocks& locks = file.description->inode().locks();
  vfs::LockOwner owner = file.description->lock_owner();
  if (command == kLockUn) {
    locks.Unflock(owner);
    return 0;
  }
  vfs::FlockType type = command == kLockEx ? vfs::FlockType::kExclusive : vfs::FlockType::kShared;
  for (;;) {
    auto granted = locks.Flock(owner, type);
    if (granted.ok() || granted.error() != Errno::kEAGAIN || (operation & kLockNb)) {
      TRY(granted);
      return 0;
    }
    if (!WaitForRelease()) return Errno::kERESTARTSYS;
  }
}

}  // namespace sentry::syscalls
