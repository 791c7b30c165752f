// The pipe's buffer without blocking: FIFO order across the ring's wrap,
// PIPE_BUF atomicity, EOF/EPIPE with the ends, F_SETPIPE_SZ's rules,
// readiness, and the notifications blocked readers and writers rely on.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kernel/ipc/pipe_buffer.h"

namespace sentry::ipc {
namespace {

// Counts notifications and remembers the last events.
struct Recorder final : vfs::Waiter {
  int calls = 0;
  uint32_t last = 0;
  void Notify(uint32_t events) override {
    ++calls;
    last = events;
  }
};

size_t WriteBytes(PipeBuffer& pipe, const std::string& data, ktl::Errno* error = nullptr) {
  vfs::KernelIoBuffer src(data.data(), data.size());
  auto done = pipe.Write(src, 0);
  if (!done.ok()) {
    if (error) *error = done.error();
    return 0;
  }
  return done.value();
}

std::string ReadBytes(PipeBuffer& pipe, size_t count, ktl::Errno* error = nullptr) {
  std::string out(count, '\0');
  vfs::KernelIoBuffer dst(out.data(), out.size());
  auto done = pipe.Read(dst);
  if (!done.ok()) {
    if (error) *error = done.error();
    return "";
  }
  out.resize(done.value());
  return out;
}

class PipeBufferTest : public ::testing::Test {
 protected:
  void SetUp() override { pipe_.AddEnd(/*reader=*/true, /*writer=*/true); }
  void TearDown() override {
    if (pipe_.readers() && pipe_.writers()) pipe_.RemoveEnd(true, true);
  }
  PipeBuffer pipe_;
};

TEST_F(PipeBufferTest, ReadsInOrderAcrossTheWrap) {
  ASSERT_EQ(pipe_.capacity(), kDefaultPipeSize);
  std::string chunk(40000, 'a');
  EXPECT_EQ(WriteBytes(pipe_, chunk), chunk.size());
  EXPECT_EQ(ReadBytes(pipe_, 30000), std::string(30000, 'a'));
  // 10000 left; this one wraps around the end of the 64 KiB ring.
  std::string second;
  for (int i = 0; i < 50000; ++i) second.push_back(static_cast<char>('0' + i % 10));
  EXPECT_EQ(WriteBytes(pipe_, second), second.size());
  EXPECT_EQ(pipe_.size(), 60000u);
  EXPECT_EQ(ReadBytes(pipe_, 10000), std::string(10000, 'a'));
  EXPECT_EQ(ReadBytes(pipe_, 60000), second);
  ktl::Errno error{};
  EXPECT_EQ(ReadBytes(pipe_, 10, &error), "");
  EXPECT_EQ(error, ktl::Errno::kEAGAIN);  // empty, a writer left: would block
}

TEST_F(PipeBufferTest, SmallWritesAreAllOrNothing) {
  EXPECT_EQ(WriteBytes(pipe_, std::string(kDefaultPipeSize - 100, 'x')), kDefaultPipeSize - 100);
  ktl::Errno error{};
  // 200 bytes <= PIPE_BUF do not fit in the 100 left: none go in.
  EXPECT_EQ(WriteBytes(pipe_, std::string(200, 'y'), &error), 0u);
  EXPECT_EQ(error, ktl::Errno::kEAGAIN);
  EXPECT_EQ(pipe_.size(), kDefaultPipeSize - 100);
  EXPECT_EQ(WriteBytes(pipe_, std::string(100, 'y')), 100u);
  error = {};
  EXPECT_EQ(WriteBytes(pipe_, "z", &error), 0u);
  EXPECT_EQ(error, ktl::Errno::kEAGAIN);
}

TEST_F(PipeBufferTest, LargeWritesTakeWhatFits) {
  EXPECT_EQ(WriteBytes(pipe_, std::string(kDefaultPipeSize - 100, 'x')), kDefaultPipeSize - 100);
  // More than PIPE_BUF: the first 100 go in, the caller continues later.
  std::string big(kPipeBuf + 1, 'b');
  vfs::KernelIoBuffer src(big.data(), big.size());
  auto done = pipe_.Write(src, 0);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done.value(), 100u);
  ReadBytes(pipe_, kDefaultPipeSize);
  // The rest, from where the first attempt stopped.
  auto rest = pipe_.Write(src, 100);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(rest.value(), big.size() - 100);
}

TEST_F(PipeBufferTest, EofWithoutWritersAndEpipeWithoutReaders) {
  WriteBytes(pipe_, "tail");
  pipe_.RemoveEnd(/*reader=*/false, /*writer=*/true);
  EXPECT_EQ(ReadBytes(pipe_, 10), "tail");  // queued data first
  ktl::Errno error{};
  EXPECT_EQ(ReadBytes(pipe_, 10, &error), "");
  EXPECT_EQ(error, ktl::Errno{});  // 0 bytes: EOF, not EAGAIN
  pipe_.AddEnd(false, true);
  pipe_.RemoveEnd(/*reader=*/true, /*writer=*/false);
  EXPECT_EQ(WriteBytes(pipe_, "x", &error), 0u);
  EXPECT_EQ(error, ktl::Errno::kEPIPE);
  pipe_.RemoveEnd(false, true);
}

TEST_F(PipeBufferTest, ReadinessOfEachEnd) {
  EXPECT_EQ(pipe_.Readiness(true, false), 0u);
  EXPECT_EQ(pipe_.Readiness(false, true), vfs::kPollOut | vfs::kPollWrNorm);
  WriteBytes(pipe_, "x");
  EXPECT_EQ(pipe_.Readiness(true, false), vfs::kPollIn | vfs::kPollRdNorm);
  WriteBytes(pipe_, std::string(kDefaultPipeSize - kPipeBuf, 'x'));
  EXPECT_EQ(pipe_.Readiness(false, true), 0u);  // less than PIPE_BUF free
  pipe_.RemoveEnd(/*reader=*/false, /*writer=*/true);
  EXPECT_EQ(pipe_.Readiness(true, false), vfs::kPollIn | vfs::kPollRdNorm | vfs::kPollHup);
  pipe_.AddEnd(false, true);
  pipe_.RemoveEnd(/*reader=*/true, /*writer=*/false);
  EXPECT_EQ(pipe_.Readiness(false, true) & vfs::kPollErr, vfs::kPollErr);
  pipe_.RemoveEnd(false, true);
}

TEST_F(PipeBufferTest, NotifiesReadersAndWriters) {
  Recorder recorder;
  pipe_.waiters().Add(recorder);
  WriteBytes(pipe_, "abc");
  EXPECT_EQ(recorder.calls, 1);
  EXPECT_TRUE(recorder.last & vfs::kPollIn);
  ReadBytes(pipe_, 3);
  EXPECT_EQ(recorder.calls, 2);
  EXPECT_TRUE(recorder.last & vfs::kPollOut);
  pipe_.RemoveEnd(/*reader=*/false, /*writer=*/true);
  EXPECT_EQ(recorder.calls, 3);
  EXPECT_TRUE(recorder.last & vfs::kPollHup);
  pipe_.waiters().Remove(recorder);
  pipe_.AddEnd(false, true);
}

TEST_F(PipeBufferTest, SetCapacityRoundsAndRefuses) {
  auto size = pipe_.SetCapacity(1);
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(size.value(), kPipePageSize);  // at least a page
  EXPECT_EQ(pipe_.SetCapacity(3 * kPipePageSize).value(), 4 * kPipePageSize);  // power of two
  EXPECT_EQ(pipe_.SetCapacity(kMaxPipeSize).value(), kMaxPipeSize);
  EXPECT_EQ(pipe_.SetCapacity(kMaxPipeSize + 1).error(), ktl::Errno::kEPERM);
  EXPECT_EQ(pipe_.SetCapacity(uint64_t{1} << 32).error(), ktl::Errno::kEINVAL);
  WriteBytes(pipe_, std::string(3 * kPipePageSize, 'q'));
  EXPECT_EQ(pipe_.SetCapacity(2 * kPipePageSize).error(), ktl::Errno::kEBUSY);
  EXPECT_EQ(pipe_.capacity(), kMaxPipeSize);
  // Shrinking keeps the data, in order.
  ReadBytes(pipe_, kPipePageSize);
  WriteBytes(pipe_, "end");
  EXPECT_EQ(pipe_.SetCapacity(4 * kPipePageSize).value(), 4 * kPipePageSize);
  EXPECT_EQ(ReadBytes(pipe_, 2 * kPipePageSize + 3), std::string(2 * kPipePageSize, 'q') + "end");
}

// A buffer whose bytes past `good` cannot be reached (unmapped user memory).
class PartlyMapped final : public vfs::IoBuffer {
 public:
  PartlyMapped(size_t size, size_t good) : size_(size), good_(good) {}
  size_t size() const override { return size_; }
  ktl::Result<void> CopyOut(size_t at, const void* data, size_t length) override {
    return at + length <= good_ ? ktl::Ok() : ktl::Result<void>(ktl::Errno::kEFAULT);
  }
  ktl::Result<void> CopyIn(size_t at, void* out, size_t length) override {
    return CopyOut(at, out, length);
  }

 private:
  size_t size_, good_;
};

TEST_F(PipeBufferTest, FaultsGiveEfaultOrAShortCount) {
  WriteBytes(pipe_, std::string(3 * kPipePageSize, 'd'));
  PartlyMapped unmapped(100, 0);
  auto done = pipe_.Read(unmapped);
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error(), ktl::Errno::kEFAULT);
  EXPECT_EQ(pipe_.size(), 3 * kPipePageSize);  // nothing consumed
  // Copies go a page at a time: the count stops at the first bad page.
  PartlyMapped half(3 * kPipePageSize, kPipePageSize);
  auto partial = pipe_.Read(half);
  ASSERT_TRUE(partial.ok());
  EXPECT_EQ(partial.value(), kPipePageSize);
  EXPECT_EQ(pipe_.size(), 2 * kPipePageSize);
  PartlyMapped source(kPipePageSize * 2, kPipePageSize);
  auto written = pipe_.Write(source, 0);
  ASSERT_TRUE(written.ok());
  EXPECT_EQ(written.value(), kPipePageSize);
}

}  // namespace
}  // namespace sentry::ipc
