// epoll's interest and ready lists: level- and edge-triggered reporting,
// EPOLLONESHOT, EPOLL_CTL_MOD/DEL, the errors of epoll_ctl, release of a
// watched file, and nesting (readiness of an epoll, ELOOP).
#include "gtest/gtest.h"
#include "kernel/ipc/event_poll.h"

namespace sentry::ipc {
namespace {

// A file whose readiness the test sets, notifying like a real one.
class FakeFile final : public AnonFile {
 public:
  FakeFile() : AnonFile(linux_abi::kO_RDWR, 0600, AnonIdentity{}, "fake") {}
  uint32_t Readiness() override { return ready_; }
  vfs::WaiterQueue* waiter_queue() override { return &waiters_; }
  void Set(uint32_t events) {
    ready_ = events;
    waiters_.Notify(events);
  }

 private:
  uint32_t ready_ = 0;
  vfs::WaiterQueue waiters_;
};

// A file that never notifies (a regular file): epoll refuses it.
class QuietFile final : public AnonFile {
 public:
  QuietFile() : AnonFile(linux_abi::kO_RDWR, 0600, AnonIdentity{}, "quiet") {}
};

EpollEvent Event(uint32_t events, uint64_t data) { return EpollEvent{events, data}; }

class EventPollTest : public ::testing::Test {
 protected:
  EventPollTest() : poll_(new EventPoll(linux_abi::kO_RDWR, AnonIdentity{})) {}
  ~EventPollTest() override { poll_->Unref(); }

  size_t Harvest(EpollEvent* out, size_t room) { return poll_->Harvest({out, room}); }
  size_t Harvest() {
    EpollEvent out[8];
    return Harvest(out, 8);
  }

  EventPoll* poll_;
};

TEST_F(EventPollTest, LevelTriggeredReportsWhileReady) {
  FakeFile* file = new FakeFile();
  ASSERT_TRUE(poll_->Control(kEpollCtlAdd, *file, 3, Event(vfs::kPollIn, 42)).ok());
  EXPECT_EQ(Harvest(), 0u);
  EXPECT_EQ(poll_->Readiness(), 0u);
  file->Set(vfs::kPollIn);
  EXPECT_EQ(poll_->Readiness(), vfs::kPollIn | vfs::kPollRdNorm);
  EpollEvent out[4];
  ASSERT_EQ(Harvest(out, 4), 1u);
  EXPECT_EQ(out[0].events, vfs::kPollIn);
  EXPECT_EQ(out[0].data, 42u);
  EXPECT_EQ(Harvest(out, 4), 1u);  // still ready: reported again
  file->Set(0);
  EXPECT_EQ(Harvest(out, 4), 0u);
  file->Unref();
}

TEST_F(EventPollTest, AlreadyReadyFileIsReportedOnAdd) {
  FakeFile* file = new FakeFile();
  file->Set(vfs::kPollOut);
  ASSERT_TRUE(poll_->Control(kEpollCtlAdd, *file, 4, Event(vfs::kPollOut, 1)).ok());
  EXPECT_EQ(Harvest(), 1u);
  file->Unref();
}

TEST_F(EventPollTest, EdgeTriggeredReportsOncePerNotification) {
  FakeFile* file = new FakeFile();
  ASSERT_TRUE(poll_->Control(kEpollCtlAdd, *file, 3, Event(vfs::kPollIn | kEpollEt, 7)).ok());
  file->Set(vfs::kPollIn);
  EXPECT_EQ(Harvest(), 1u);
  EXPECT_EQ(Harvest(), 0u);  // still readable, but no new edge
  file->Set(vfs::kPollIn);   // more data arrived
  EXPECT_EQ(Harvest(), 1u);
  file->Unref();
}

TEST_F(EventPollTest, OneshotDisablesUntilModified) {
  FakeFile* file = new FakeFile();
  ASSERT_TRUE(
      poll_->Control(kEpollCtlAdd, *file, 3, Event(vfs::kPollIn | kEpollOneshot, 7)).ok());
  file->Set(vfs::kPollIn);
  EXPECT_EQ(Harvest(), 1u);
  file->Set(vfs::kPollIn);
  EXPECT_EQ(Harvest(), 0u);  // disarmed
  ASSERT_TRUE(
      poll_->Control(kEpollCtlMod, *file, 3, Event(vfs::kPollIn | kEpollOneshot, 8)).ok());
  EpollEvent out[2];
  ASSERT_EQ(Harvest(out, 2), 1u);  // re-armed while ready: reported at once
  EXPECT_EQ(out[0].data, 8u);
  file->Unref();
}

TEST_F(EventPollTest, ErrorsAndHangupsAreAlwaysReported) {
  FakeFile* file = new FakeFile();
  ASSERT_TRUE(poll_->Control(kEpollCtlAdd, *file, 3, Event(vfs::kPollIn, 0)).ok());
  file->Set(vfs::kPollOut | vfs::kPollHup);
  EpollEvent out[2];
  ASSERT_EQ(Harvest(out, 2), 1u);
  EXPECT_EQ(out[0].events, vfs::kPollHup);  // OUT was not asked for
  file->Unref();
}

TEST_F(EventPollTest, ControlErrors) {
  FakeFile* file = new FakeFile();
  QuietFile* quiet = new QuietFile();
  EpollEvent in = Event(vfs::kPollIn, 0);
  EXPECT_EQ(poll_->Control(kEpollCtlMod, *file, 3, in).error(), ktl::Errno::kENOENT);
  EXPECT_EQ(poll_->Control(kEpollCtlDel, *file, 3, in).error(), ktl::Errno::kENOENT);
  ASSERT_TRUE(poll_->Control(kEpollCtlAdd, *file, 3, in).ok());
  EXPECT_EQ(poll_->Control(kEpollCtlAdd, *file, 3, in).error(), ktl::Errno::kEEXIST);
  // The same description under another fd is another entry (dup).
  EXPECT_TRUE(poll_->Control(kEpollCtlAdd, *file, 5, in).ok());
  EXPECT_EQ(poll_->item_count(), 2u);
  EXPECT_EQ(poll_->Control(kEpollCtlAdd, *quiet, 4, in).error(), ktl::Errno::kEPERM);
  EXPECT_EQ(poll_->Control(kEpollCtlAdd, *poll_, 6, in).error(), ktl::Errno::kEINVAL);
  EXPECT_EQ(poll_->Control(99, *file, 3, in).error(), ktl::Errno::kEINVAL);
  // EPOLLEXCLUSIVE: ADD only, and only with the I/O bits.
  FakeFile* other = new FakeFile();
  EXPECT_EQ(poll_->Control(kEpollCtlAdd, *other, 7, Event(kEpollExclusive | kEpollOneshot, 0))
                .error(),
            ktl::Errno::kEINVAL);
  EXPECT_TRUE(poll_->Control(kEpollCtlAdd, *other, 7, Event(kEpollExclusive | vfs::kPollIn, 0))
                  .ok());
  EXPECT_EQ(poll_->Control(kEpollCtlMod, *other, 7, in).error(), ktl::Errno::kEINVAL);
  EXPECT_TRUE(poll_->Control(kEpollCtlDel, *file, 3, in).ok());
  EXPECT_EQ(poll_->item_count(), 2u);
  file->Unref();
  other->Unref();
  quiet->Unref();
}

TEST_F(EventPollTest, ReleasingTheFileRemovesItsEntries) {
  FakeFile* file = new FakeFile();
  ASSERT_TRUE(poll_->Control(kEpollCtlAdd, *file, 3, Event(vfs::kPollIn, 0)).ok());
  ASSERT_TRUE(poll_->Control(kEpollCtlAdd, *file, 4, Event(vfs::kPollIn, 0)).ok());
  file->Set(vfs::kPollIn);
  file->Ref();
  file->Unref();  // another reference remains: still watched
  EXPECT_EQ(poll_->item_count(), 2u);
  file->Unref();  // the description is released
  EXPECT_EQ(poll_->item_count(), 0u);
  EXPECT_EQ(Harvest(), 0u);
}

TEST_F(EventPollTest, NestedInstanceIsReadyAndLoopsAreRefused) {
  EventPoll* inner = new EventPoll(linux_abi::kO_RDWR, AnonIdentity{});
  FakeFile* file = new FakeFile();
  ASSERT_TRUE(inner->Control(kEpollCtlAdd, *file, 3, Event(vfs::kPollIn, 0)).ok());
  ASSERT_TRUE(poll_->Control(kEpollCtlAdd, *inner, 9, Event(vfs::kPollIn, 99)).ok());
  EXPECT_EQ(Harvest(), 0u);
  file->Set(vfs::kPollIn);  // wakes inner, which wakes the outer instance
  EpollEvent out[2];
  ASSERT_EQ(Harvest(out, 2), 1u);
  EXPECT_EQ(out[0].data, 99u);
  // inner watching the outer instance would be a cycle.
  EXPECT_EQ(inner->Control(kEpollCtlAdd, *poll_, 10, Event(vfs::kPollIn, 0)).error(),
            ktl::Errno::kELOOP);
  file->Unref();
  inner->Unref();
  EXPECT_EQ(poll_->item_count(), 0u);
}

TEST_F(EventPollTest, HarvestRespectsRoomAndRotates) {
  FakeFile* a = new FakeFile();
  FakeFile* b = new FakeFile();
  ASSERT_TRUE(poll_->Control(kEpollCtlAdd, *a, 3, Event(vfs::kPollIn, 1)).ok());
  ASSERT_TRUE(poll_->Control(kEpollCtlAdd, *b, 4, Event(vfs::kPollIn, 2)).ok());
  a->Set(vfs::kPollIn);
  b->Set(vfs::kPollIn);
  EpollEvent out[1];
  ASSERT_EQ(Harvest(out, 1), 1u);
  EXPECT_EQ(out[0].data, 1u);
  ASSERT_EQ(Harvest(out, 1), 1u);
  EXPECT_EQ(out[0].data, 2u);  // the level-triggered a went behind b
  a->Unref();
  b->Unref();
}

}  // namespace
}  // namespace sentry::ipc
