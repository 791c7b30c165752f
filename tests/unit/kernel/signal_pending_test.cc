// Pending signal sets (coalescing, real-time queueing, dequeue order) and
// the default-action table.
#include "gtest/gtest.h"
#include "kernel/signal/pending.h"
#include "kernel/signal/signal_set.h"

namespace sentry::signal {
namespace {

linux_abi::SigInfo Info(int signal, int32_t pid = 0, uint64_t value = 0) {
  linux_abi::SigInfo info = {};
  info.signo = signal;
  info.sender.pid = pid;
  info.sender.value = value;
  return info;
}

TEST(PendingSignalsTest, StandardSignalsCoalesceKeepingTheFirstSiginfo) {
  PendingSignals pending;
  EXPECT_EQ(pending.Enqueue(Info(linux_abi::kSigUsr1, 10)), EnqueueResult::kQueued);
  EXPECT_EQ(pending.Enqueue(Info(linux_abi::kSigUsr1, 20)), EnqueueResult::kCoalesced);
  EXPECT_EQ(pending.set(), Bit(linux_abi::kSigUsr1));
  linux_abi::SigInfo out;
  ASSERT_TRUE(pending.Dequeue(~0ull, &out));
  EXPECT_EQ(out.sender.pid, 10);
  EXPECT_FALSE(pending.Dequeue(~0ull, &out));
  EXPECT_TRUE(pending.empty());
}

TEST(PendingSignalsTest, RealtimeSignalsQueueInOrder) {
  PendingSignals pending;
  for (uint64_t v = 1; v <= 3; ++v) {
    EXPECT_EQ(pending.Enqueue(Info(kSigRtMin + 1, 0, v)), EnqueueResult::kQueued);
  }
  EXPECT_EQ(pending.Enqueue(Info(kSigRtMin, 0, 9)), EnqueueResult::kQueued);
  linux_abi::SigInfo out;
  ASSERT_TRUE(pending.Dequeue(~0ull, &out));  // lowest number first
  EXPECT_EQ(out.signo, kSigRtMin);
  for (uint64_t v = 1; v <= 3; ++v) {
    ASSERT_TRUE(pending.Dequeue(~0ull, &out));
    EXPECT_EQ(out.sender.value, v);
    EXPECT_EQ(pending.set() & Bit(kSigRtMin + 1), v < 3 ? Bit(kSigRtMin + 1) : 0) << v;
  }
}

TEST(PendingSignalsTest, RealtimeQueueHasALimit) {
  PendingSignals pending;
  for (size_t i = 0; i < PendingSignals::kMaxQueued; ++i) {
    ASSERT_EQ(pending.Enqueue(Info(kSigRtMin)), EnqueueResult::kQueued);
  }
  EXPECT_EQ(pending.Enqueue(Info(kSigRtMin + 3)), EnqueueResult::kFull);
  EXPECT_EQ(pending.set(), Bit(kSigRtMin));
}

TEST(PendingSignalsTest, DequeueHonoursTheAllowedMaskAndPrefersFaults) {
  PendingSignals pending;
  pending.Enqueue(Info(linux_abi::kSigHup));
  pending.Enqueue(Info(linux_abi::kSigSegv));
  pending.Enqueue(Info(linux_abi::kSigUsr1));
  linux_abi::SigInfo out;
  ASSERT_TRUE(pending.Dequeue(~0ull, &out));
  EXPECT_EQ(out.signo, linux_abi::kSigSegv);  // synchronous before lower numbers
  ASSERT_TRUE(pending.Dequeue(~Bit(linux_abi::kSigHup), &out));
  EXPECT_EQ(out.signo, linux_abi::kSigUsr1);
  EXPECT_FALSE(pending.Dequeue(~Bit(linux_abi::kSigHup), &out));
  EXPECT_EQ(pending.set(), Bit(linux_abi::kSigHup));
}

TEST(PendingSignalsTest, DiscardDropsEveryInstance) {
  PendingSignals pending;
  pending.Enqueue(Info(linux_abi::kSigStop));
  pending.Enqueue(Info(kSigRtMin));
  pending.Enqueue(Info(kSigRtMin + 1));
  pending.Enqueue(Info(kSigRtMin));
  pending.Discard(kStopSignals | Bit(kSigRtMin));
  EXPECT_EQ(pending.set(), Bit(kSigRtMin + 1));
  linux_abi::SigInfo out;
  ASSERT_TRUE(pending.Dequeue(~0ull, &out));
  EXPECT_EQ(out.signo, kSigRtMin + 1);
  EXPECT_FALSE(pending.Dequeue(~0ull, &out));
}

TEST(SignalSetTest, DefaultActionsFollowSignal7) {
  EXPECT_EQ(DefaultActionOf(linux_abi::kSigTerm), DefaultAction::kTerminate);
  EXPECT_EQ(DefaultActionOf(linux_abi::kSigAlrm), DefaultAction::kTerminate);
  EXPECT_EQ(DefaultActionOf(kSigRtMin + 5), DefaultAction::kTerminate);
  EXPECT_EQ(DefaultActionOf(linux_abi::kSigQuit), DefaultAction::kCore);
  EXPECT_EQ(DefaultActionOf(linux_abi::kSigSys), DefaultAction::kCore);
  EXPECT_EQ(DefaultActionOf(linux_abi::kSigChld), DefaultAction::kIgnore);
  EXPECT_EQ(DefaultActionOf(kSigWinch), DefaultAction::kIgnore);
  EXPECT_EQ(DefaultActionOf(kSigTtin), DefaultAction::kStop);
  EXPECT_EQ(DefaultActionOf(linux_abi::kSigCont), DefaultAction::kContinue);
  EXPECT_TRUE(IsRealtime(kSigRtMin));
  EXPECT_FALSE(IsRealtime(31));
}

}  // namespace
}  // namespace sentry::signal
