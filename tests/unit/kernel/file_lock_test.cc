// FileLocks: record-lock conflicts, splitting and merging, owners, and
// flock's separate namespace and conversions.
#include "kernel/vfs/file_lock.h"

#include "gtest/gtest.h"

namespace sentry::vfs {
namespace {

using ktl::Errno;

const LockOwner kProcessA{1, false};
const LockOwner kProcessB{2, false};
const LockOwner kDescription{0x1000, true};

RecordLock Lock(LockOwner owner, bool write, uint64_t start, uint64_t end) {
  RecordLock lock;
  lock.owner = owner;
  lock.pid = owner.description ? -1 : static_cast<int32_t>(owner.id);
  lock.write = write;
  lock.start = start;
  lock.end = end;
  return lock;
}

Errno ErrorOf(const ktl::Result<void>& result) { return result.ok() ? Errno{0} : result.error(); }

TEST(FileLockTest, ReadersShareWritersExclude) {
  FileLocks locks;
  ASSERT_EQ(ErrorOf(locks.SetRecord(Lock(kProcessA, false, 0, 9))), Errno{0});
  EXPECT_EQ(ErrorOf(locks.SetRecord(Lock(kProcessB, false, 5, 20))), Errno{0});
  EXPECT_EQ(ErrorOf(locks.SetRecord(Lock(kProcessB, true, 9, 9))), Errno::kEAGAIN);
  EXPECT_EQ(ErrorOf(locks.SetRecord(Lock(kDescription, true, 21, kLockToEnd))), Errno{0});
  RecordLock conflict;
  ASSERT_TRUE(locks.FindConflict(Lock(kProcessA, false, 100, 100), &conflict));
  EXPECT_TRUE(conflict.owner == kDescription);
  EXPECT_EQ(conflict.pid, -1);
  EXPECT_EQ(conflict.start, 21u);
  EXPECT_EQ(conflict.end, kLockToEnd);
}

TEST(FileLockTest, OwnLocksNeverConflictAndAreReplaced) {
  FileLocks locks;
  ASSERT_EQ(ErrorOf(locks.SetRecord(Lock(kProcessA, true, 0, 99))), Errno{0});
  // A read lock over the middle splits the write lock in three pieces.
  ASSERT_EQ(ErrorOf(locks.SetRecord(Lock(kProcessA, false, 40, 59))), Errno{0});
  EXPECT_EQ(locks.record_count(), 3u);
  EXPECT_FALSE(locks.FindConflict(Lock(kProcessB, false, 40, 59), nullptr));
  EXPECT_TRUE(locks.FindConflict(Lock(kProcessB, false, 39, 39), nullptr));
  EXPECT_TRUE(locks.FindConflict(Lock(kProcessB, false, 60, 60), nullptr));
  // Writing it back merges everything into one lock again.
  ASSERT_EQ(ErrorOf(locks.SetRecord(Lock(kProcessA, true, 40, 59))), Errno{0});
  EXPECT_EQ(locks.record_count(), 1u);
}

TEST(FileLockTest, AdjacentLocksMergeAndUnlockSplits) {
  FileLocks locks;
  ASSERT_EQ(ErrorOf(locks.SetRecord(Lock(kProcessA, true, 0, 9))), Errno{0});
  ASSERT_EQ(ErrorOf(locks.SetRecord(Lock(kProcessA, true, 20, 29))), Errno{0});
  ASSERT_EQ(ErrorOf(locks.SetRecord(Lock(kProcessA, true, 10, 19))), Errno{0});
  EXPECT_EQ(locks.record_count(), 1u);
  ASSERT_EQ(ErrorOf(locks.UnlockRecord(kProcessA, 5, 24)), Errno{0});
  EXPECT_EQ(locks.record_count(), 2u);
  EXPECT_FALSE(locks.FindConflict(Lock(kProcessB, true, 5, 24), nullptr));
  EXPECT_TRUE(locks.FindConflict(Lock(kProcessB, true, 4, 4), nullptr));
  EXPECT_TRUE(locks.FindConflict(Lock(kProcessB, true, 25, 25), nullptr));
  // Unlocking what is not locked is fine.
  EXPECT_EQ(ErrorOf(locks.UnlockRecord(kProcessB, 0, kLockToEnd)), Errno{0});
  EXPECT_EQ(locks.record_count(), 2u);
}

TEST(FileLockTest, ReleaseByOwner) {
  FileLocks locks;
  ASSERT_EQ(ErrorOf(locks.SetRecord(Lock(kProcessA, true, 0, 9))), Errno{0});
  ASSERT_EQ(ErrorOf(locks.SetRecord(Lock(kDescription, true, 10, 19))), Errno{0});
  ASSERT_EQ(ErrorOf(locks.Flock(kDescription, FlockType::kExclusive)), Errno{0});
  locks.ReleaseRecords(kProcessA);
  EXPECT_EQ(locks.record_count(), 1u);
  locks.ReleaseAll(kDescription);
  EXPECT_EQ(locks.record_count(), 0u);
  EXPECT_EQ(ErrorOf(locks.Flock(LockOwner{0x2000, true}, FlockType::kExclusive)), Errno{0});
}

TEST(FileLockTest, FlockConflictsAndConversions) {
  FileLocks locks;
  const LockOwner a{0x1000, true}, b{0x2000, true};
  ASSERT_EQ(ErrorOf(locks.Flock(a, FlockType::kShared)), Errno{0});
  ASSERT_EQ(ErrorOf(locks.Flock(b, FlockType::kShared)), Errno{0});
  // b's failed upgrade drops its shared lock (not atomic, as on Linux).
  EXPECT_EQ(ErrorOf(locks.Flock(b, FlockType::kExclusive)), Errno::kEAGAIN);
  EXPECT_EQ(ErrorOf(locks.Flock(a, FlockType::kExclusive)), Errno{0});
  EXPECT_EQ(ErrorOf(locks.Flock(a, FlockType::kExclusive)), Errno{0});  // already held
  EXPECT_EQ(ErrorOf(locks.Flock(b, FlockType::kShared)), Errno::kEAGAIN);
  // flock and record locks are separate namespaces.
  EXPECT_EQ(ErrorOf(locks.SetRecord(Lock(b, true, 0, kLockToEnd))), Errno{0});
  locks.Unflock(a);
  EXPECT_EQ(ErrorOf(locks.Flock(b, FlockType::kExclusive)), Errno{0});
}

int g_releases = 0;
void CountRelease() { ++g_releases; }

// Waiters retry on each notification: every release or weakening notifies,
// a refused request never does (waiters would wake each other forever).
TEST(FileLockTest, ReleaseListenerHearsReleasesNotRefusals) {
  SetLockReleaseListener(&CountRelease);
  FileLocks locks;
  g_releases = 0;
  ASSERT_EQ(ErrorOf(locks.SetRecord(Lock(kProcessA, true, 0, 9))), Errno{0});
  int after_grant = g_releases;
  EXPECT_EQ(ErrorOf(locks.SetRecord(Lock(kProcessB, true, 5, 5))), Errno::kEAGAIN);
  EXPECT_EQ(ErrorOf(locks.Flock(kDescription, FlockType::kExclusive)), Errno{0});
  EXPECT_EQ(ErrorOf(locks.Flock(LockOwner{0x2000, true}, FlockType::kShared)), Errno::kEAGAIN);
  EXPECT_EQ(g_releases, after_grant);  // refusals and a new flock: nothing released
  ASSERT_EQ(ErrorOf(locks.SetRecord(Lock(kProcessA, false, 0, 9))), Errno{0});  // downgrade
  EXPECT_EQ(g_releases, after_grant + 1);
  ASSERT_EQ(ErrorOf(locks.UnlockRecord(kProcessA, 0, 4)), Errno{0});
  EXPECT_EQ(g_releases, after_grant + 2);
  locks.ReleaseAll(kDescription);
  EXPECT_GT(g_releases, after_grant + 2);
  SetLockReleaseListener(nullptr);
}

}  // namespace
}  // namespace sentry::vfs
