// Pipes, poll/select, epoll, eventfd and timerfd: tests/programs/ipc_*.c
// under `ringfence do` in both link modes and, with
// RINGFENCE_TEST_NATIVE=1, on Linux itself.
#include <string>

#include "gtest/gtest.h"
#include "tests/integration/program_modes.h"

namespace ringfence::testing {
namespace {

class IpcPipeTest : public ProgramModeTest {
 protected:
  IpcPipeTest() : ProgramModeTest("ipc_pipe") {}
};

TEST_P(IpcPipeTest, FlagsStatAndErrors) { ExpectModePasses("basic"); }
TEST_P(IpcPipeTest, NonblockingCapacityAndFionread) { ExpectModePasses("nonblock"); }
TEST_P(IpcPipeTest, MegabyteBetweenThreads) { ExpectModePasses("threads"); }
TEST_P(IpcPipeTest, PipeBufWritesAreAtomic) { ExpectModePasses("atomic"); }
TEST_P(IpcPipeTest, EpipeWithSigpipeIgnored) { ExpectModePasses("epipe"); }
TEST_P(IpcPipeTest, PipeSizeFcntls) { ExpectModePasses("size"); }
TEST_P(IpcPipeTest, NamedFifo) { ExpectModePasses("fifo"); }

INSTANTIATE_TEST_SUITE_P(LinkModes, IpcPipeTest, kLinkModes, LinkModeName);

class IpcPollTest : public ProgramModeTest {
 protected:
  IpcPollTest() : ProgramModeTest("ipc_poll") {}
};

TEST_P(IpcPollTest, Poll) { ExpectModePasses("poll"); }
TEST_P(IpcPollTest, Select) { ExpectModePasses("select"); }
TEST_P(IpcPollTest, PpollAndPselect6) { ExpectModePasses("ppoll"); }

INSTANTIATE_TEST_SUITE_P(LinkModes, IpcPollTest, kLinkModes, LinkModeName);

class IpcEpollTest : public ProgramModeTest {
 protected:
  IpcEpollTest() : ProgramModeTest("ipc_epoll") {}
};

TEST_P(IpcEpollTest, Errors) { ExpectModePasses("errors"); }
TEST_P(IpcEpollTest, LevelTriggered) { ExpectModePasses("level"); }
TEST_P(IpcEpollTest, EdgeTriggered) { ExpectModePasses("edge"); }
TEST_P(IpcEpollTest, Oneshot) { ExpectModePasses("oneshot"); }
TEST_P(IpcEpollTest, ClosingTheLastFdRemovesTheEntry) { ExpectModePasses("close"); }
TEST_P(IpcEpollTest, WaitAcrossThreads) { ExpectModePasses("threads"); }
TEST_P(IpcEpollTest, Nested) { ExpectModePasses("nested"); }

INSTANTIATE_TEST_SUITE_P(LinkModes, IpcEpollTest, kLinkModes, LinkModeName);

class IpcEventsTest : public ProgramModeTest {
 protected:
  IpcEventsTest() : ProgramModeTest("ipc_events") {}
};

TEST_P(IpcEventsTest, Eventfd) { ExpectModePasses("eventfd"); }
TEST_P(IpcEventsTest, Timerfd) { ExpectModePasses("timerfd"); }

INSTANTIATE_TEST_SUITE_P(LinkModes, IpcEventsTest, kLinkModes, LinkModeName);

}  // namespace
}  // namespace ringfence::testing
