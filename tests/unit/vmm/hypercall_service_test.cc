// Hostile-guest tests of HypercallService: every field of a request comes
// from the guest, so each test places a HypercallRequest (and any iovec
// arrays or buffers) in real memfd-backed guest memory and checks that bad
// values are rejected with the documented errno, nothing reaches the host fd,
// and the VMM never touches memory outside the guest.
#include "vmm/hypercall_service.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "platform_kvm/abi/hypercall.h"
#include "vmm/exit_stats.h"
#include "vmm/guest_memory.h"
#include "vmm/handle_table.h"

namespace ringfence::vmm {
namespace {

using abi::GuestIovec;
using abi::Hypercall;
using abi::HypercallRequest;
using Kind = HypercallOutcome::Kind;

constexpr uint64_t kMemorySize = 32ull << 20;
constexpr uint64_t kRequestGpa = 0x10000;
constexpr uint64_t kIovGpa = 0x20000;
constexpr uint64_t kBufferGpa = 0x100000;
constexpr int64_t kSentinel = 0x5a5a5a5a5a5a5a5a;

// Handles installed by the fixture.
constexpr uint64_t kStdioHandle = 1;      // socketpair end, stdio-like rights minus pread
constexpr uint64_t kFileHandle = 3;       // memfd, pread + stat (like the executable)
constexpr uint64_t kOutHandle = 5;        // pipe write end, write + stat + terminal
constexpr uint64_t kInHandle = 6;         // pipe read end, read + stat
constexpr uint64_t kWriteOnlyHandle = 7;  // pipe write end, write only
constexpr uint64_t kScratchHandle = 8;    // memfd with every right

constexpr char kFileContents[] = "0123456789";

using U64s = std::initializer_list<uint64_t>;

uint32_t Num(Hypercall h) { return static_cast<uint32_t>(h); }

class HypercallServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto memory = GuestMemory::Create(kMemorySize);
    ASSERT_TRUE(memory.ok()) << memory.status();
    memory_.emplace(std::move(*memory));
    service_.emplace(*memory_, handles_, stats_);

    int sockets[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sockets), 0);
    ASSERT_TRUE(
        handles_.Install(kStdioHandle, sockets[0],
                         kRightRead | kRightWrite | kRightPwrite | kRightStat | kRightTerminal,
                         /*owned=*/true));
    stdio_peer_ = sockets[1];

    int file = memfd_create("hypercall-test-file", MFD_CLOEXEC);
    ASSERT_GE(file, 0);
    ASSERT_EQ(write(file, kFileContents, 10), 10);
    ASSERT_TRUE(handles_.Install(kFileHandle, file, kRightPread | kRightStat, true));

    int out[2];
    ASSERT_EQ(pipe2(out, O_NONBLOCK | O_CLOEXEC), 0);
    ASSERT_TRUE(
        handles_.Install(kOutHandle, out[1], kRightWrite | kRightStat | kRightTerminal, true));
    out_read_ = out[0];

    int in[2];
    ASSERT_EQ(pipe2(in, O_NONBLOCK | O_CLOEXEC), 0);
    ASSERT_TRUE(handles_.Install(kInHandle, in[0], kRightRead | kRightStat, true));
    in_write_ = in[1];

    int wo[2];
    ASSERT_EQ(pipe2(wo, O_NONBLOCK | O_CLOEXEC), 0);
    ASSERT_TRUE(handles_.Install(kWriteOnlyHandle, wo[1], kRightWrite, true));
    wo_read_ = wo[0];

    int scratch = memfd_create("hypercall-test-scratch", MFD_CLOEXEC);
    ASSERT_GE(scratch, 0);
    ASSERT_TRUE(handles_.Install(
        kScratchHandle, scratch,
        kRightRead | kRightWrite | kRightPread | kRightPwrite | kRightStat | kRightTerminal, true));
    scratch_fd_ = scratch;
  }

  void TearDown() override {
    for (int fd : {stdio_peer_, out_read_, in_write_, wo_read_}) {
      if (fd >= 0) close(fd);
    }
  }

  // Writes a request at `gpa` with the result slot set to kSentinel.
  void PutRequest(uint64_t gpa, uint32_t number, std::array<uint64_t, 6> args,
                  uint32_t reserved = 0) {
    HypercallRequest request = {};
    request.number = number;
    request.reserved = reserved;
    for (int i = 0; i < 6; ++i) request.args[i] = args[i];
    request.result = kSentinel;
    ASSERT_TRUE(memory_->WriteObject(gpa, request));
  }

  int64_t ResultAt(uint64_t gpa) const {
    int64_t result = 0;
    EXPECT_TRUE(memory_->ReadObject(gpa + offsetof(HypercallRequest, result), &result));
    return result;
  }

  // Places a request at kRequestGpa, serves it and returns its result.
  int64_t Call(uint32_t number, std::array<uint64_t, 6> args,
               HypercallOutcome* outcome_out = nullptr, uint32_t reserved = 0) {
    PutRequest(kRequestGpa, number, args, reserved);
    HypercallOutcome outcome = service_->Handle(kRequestGpa);
    EXPECT_NE(outcome.kind, Kind::kBadRequest) << outcome.message;
    if (outcome_out != nullptr) *outcome_out = outcome;
    return ResultAt(kRequestGpa);
  }
  int64_t Call(Hypercall number, std::array<uint64_t, 6> args,
               HypercallOutcome* outcome_out = nullptr) {
    return Call(Num(number), args, outcome_out);
  }

  void PutIovecs(uint64_t gpa, const std::vector<GuestIovec>& iov) {
    ASSERT_TRUE(memory_->Write(gpa, iov.data(), iov.size() * sizeof(GuestIovec)));
  }
  void PutBytes(uint64_t gpa, const std::string& bytes) {
    ASSERT_TRUE(memory_->Write(gpa, bytes.data(), bytes.size()));
  }
  std::string GetBytes(uint64_t gpa, uint64_t length) const {
    std::string out(length, '\0');
    EXPECT_TRUE(memory_->Read(gpa, out.data(), length));
    return out;
  }

  // Everything currently in the (non-blocking) pipe or socket behind `fd`.
  static std::string Drain(int fd) {
    std::string out;
    char buffer[65536];
    for (;;) {
      ssize_t n = read(fd, buffer, sizeof(buffer));
      if (n <= 0) break;
      out.append(buffer, static_cast<size_t>(n));
    }
    return out;
  }

  std::optional<GuestMemory> memory_;
  HandleTable handles_;
  ExitStats stats_;
  std::optional<HypercallService> service_;
  int stdio_peer_ = -1;
  int out_read_ = -1;
  int in_write_ = -1;
  int wo_read_ = -1;
  int scratch_fd_ = -1;
};

// --- HandleTable -------------------------------------------------------------

bool FdIsOpen(int fd) { return fcntl(fd, F_GETFD) >= 0; }

TEST(HandleTableTest, InstallRejectsBadHandlesAndFds) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  {
    HandleTable table;
    EXPECT_FALSE(table.Install(abi::kMaxHandles, fds[0], kRightRead, false));
    EXPECT_FALSE(table.Install(UINT32_MAX, fds[0], kRightRead, false));
    EXPECT_FALSE(table.Install(0, -1, kRightRead, false));
    EXPECT_TRUE(table.Install(abi::kMaxHandles - 1, fds[0], kRightRead, false));
    EXPECT_FALSE(table.Install(abi::kMaxHandles - 1, fds[1], kRightRead, false));  // in use
    EXPECT_EQ(table.Lookup(abi::kMaxHandles - 1, kRightRead), fds[0]);
  }
  // Not owned: still open after the table is gone.
  EXPECT_TRUE(FdIsOpen(fds[0]));
  close(fds[0]);
  close(fds[1]);
}

TEST(HandleTableTest, LookupChecksRangeAndEveryRight) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  {
    HandleTable table;
    ASSERT_TRUE(table.Install(2, fds[1], kRightWrite | kRightStat, /*owned=*/true));
    EXPECT_EQ(table.Lookup(2, kRightWrite), fds[1]);
    EXPECT_EQ(table.Lookup(2, kRightWrite | kRightStat), fds[1]);
    EXPECT_EQ(table.Lookup(2, kRightWrite | kRightRead), -1);  // one right missing
    EXPECT_EQ(table.Lookup(2, kRightPread), -1);
    EXPECT_EQ(table.Lookup(1, kRightWrite), -1);  // empty slot
    for (uint64_t handle : U64s{abi::kMaxHandles, (1ull << 32) + 2, 1ull << 63, UINT64_MAX}) {
      EXPECT_EQ(table.Lookup(handle, kRightWrite), -1) << handle;
    }
  }
  // Owned: closed with the table.
  EXPECT_FALSE(FdIsOpen(fds[1]));
  close(fds[0]);
}

// --- The request block itself ----------------------------------------------

TEST_F(HypercallServiceTest, MisalignedRequestIsBadRequestAndNothingWritten) {
  for (uint64_t offset : U64s{1ull, 4ull, 8ull, 16ull, 32ull, 63ull}) {
    uint64_t gpa = kRequestGpa + offset;
    PutRequest(gpa, Num(Hypercall::kExit), {0});
    std::string before = GetBytes(kRequestGpa, 256);
    HypercallOutcome outcome = service_->Handle(gpa);
    EXPECT_EQ(outcome.kind, Kind::kBadRequest) << "offset " << offset;
    EXPECT_FALSE(outcome.message.empty());
    EXPECT_EQ(GetBytes(kRequestGpa, 256), before) << "offset " << offset;
  }
  EXPECT_EQ(stats_.Hypercalls(Hypercall::kExit), 0u);
  EXPECT_EQ(stats_.InvalidHypercalls(), 0u);
}

TEST_F(HypercallServiceTest, RequestAtOrPastEndOfMemoryIsBadRequest) {
  for (uint64_t gpa :
       U64s{kMemorySize, kMemorySize + 64, kMemorySize * 2, 1ull << 32, 1ull << 63,
            UINT64_MAX & ~63ull, (UINT64_MAX & ~63ull) - 64, -kMemorySize & ~63ull}) {
    HypercallOutcome outcome = service_->Handle(gpa);
    EXPECT_EQ(outcome.kind, Kind::kBadRequest) << std::hex << gpa;
  }
  // UINT64_MAX and its neighbours are misaligned as well as out of range.
  for (uint64_t gpa : U64s{UINT64_MAX, UINT64_MAX - 1, UINT64_MAX - 62, UINT64_MAX - 64}) {
    EXPECT_EQ(service_->Handle(gpa).kind, Kind::kBadRequest) << std::hex << gpa;
  }
  EXPECT_EQ(stats_.InvalidHypercalls(), 0u);

  // The very last slot is usable.
  uint64_t last = kMemorySize - sizeof(HypercallRequest);
  PutRequest(last, Num(Hypercall::kExit), {9});
  HypercallOutcome outcome = service_->Handle(last);
  EXPECT_EQ(outcome.kind, Kind::kExit);
  EXPECT_EQ(outcome.exit_status, 9);
  EXPECT_EQ(ResultAt(last), 0);
}

TEST_F(HypercallServiceTest, ReservedFieldMustBeZero) {
  for (uint32_t reserved : {1u, 0x80000000u, 0xffffffffu}) {
    HypercallOutcome outcome;
    EXPECT_EQ(Call(Num(Hypercall::kExit), {0}, &outcome, reserved), -EINVAL);
    // The handler did not run: no exit.
    EXPECT_EQ(outcome.kind, Kind::kResume);
  }
  // A writev with a non-zero reserved field writes nothing.
  PutBytes(kBufferGpa, "data");
  PutIovecs(kIovGpa, {{kBufferGpa, 4}});
  EXPECT_EQ(Call(Num(Hypercall::kWritev), {kOutHandle, kIovGpa, 1}, nullptr, 1), -EINVAL);
  EXPECT_EQ(Drain(out_read_), "");
}

TEST_F(HypercallServiceTest, UnknownNumbersAreEnosysAndCountedInvalid) {
  for (uint32_t number : {0u, abi::kHypercallCount, abi::kHypercallCount + 1, 0x7fffffffu, 0xffffffffu}) {
    HypercallOutcome outcome;
    EXPECT_EQ(Call(number, {kOutHandle, kIovGpa, 1}, &outcome), -ENOSYS) << number;
    EXPECT_EQ(outcome.kind, Kind::kResume);
  }
  EXPECT_EQ(stats_.InvalidHypercalls(), 5u);
  EXPECT_NE(stats_.Format().find("hypercall.invalid 5"), std::string::npos) << stats_.Format();
}

TEST_F(HypercallServiceTest, GoferWithoutARelayIsEnosys) {
  EXPECT_EQ(Call(Hypercall::kGofer, {kBufferGpa, kBufferGpa + 256}), -ENOSYS);
}

// --- kStartCpu and kYield ----------------------------------------------------

struct RecordingStarter : CpuStarter {
  int64_t StartCpu(uint64_t index, uint64_t rip, uint64_t rsp) override {
    calls.push_back({index, rip, rsp});
    return index == 1 ? 0 : -EINVAL;
  }
  std::vector<std::array<uint64_t, 3>> calls;
};

TEST_F(HypercallServiceTest, StartCpuWithOneVcpuIsEinval) {
  EXPECT_EQ(Call(Hypercall::kStartCpu, {1, 0x1000, 0x2000}), -EINVAL);
}

TEST_F(HypercallServiceTest, StartCpuHandsTheRequestToTheStarter) {
  RecordingStarter starter;
  HypercallService service(*memory_, handles_, stats_, nullptr, &starter);
  PutRequest(kRequestGpa, Num(Hypercall::kStartCpu), {1, 0xffffffff80001000ull, 0x123000});
  EXPECT_EQ(service.Handle(kRequestGpa).kind, Kind::kResume);
  EXPECT_EQ(ResultAt(kRequestGpa), 0);
  PutRequest(kRequestGpa, Num(Hypercall::kStartCpu), {7, 0, 0});
  EXPECT_EQ(service.Handle(kRequestGpa).kind, Kind::kResume);
  EXPECT_EQ(ResultAt(kRequestGpa), -EINVAL);
  ASSERT_EQ(starter.calls.size(), 2u);
  EXPECT_EQ(starter.calls[0], (std::array<uint64_t, 3>{1, 0xffffffff80001000ull, 0x123000}));
}

TEST_F(HypercallServiceTest, YieldSucceedsAndIsCounted) {
  EXPECT_EQ(Call(Hypercall::kYield, {}), 0);
  EXPECT_EQ(stats_.Hypercalls(Hypercall::kYield), 1u);
}

TEST_F(HypercallServiceTest, ValidCallsAreCountedByNumber) {
  Call(Hypercall::kGetTime, {kBufferGpa});
  Call(Hypercall::kGetTime, {kBufferGpa});
  Call(Hypercall::kFstat, {kFileHandle, kBufferGpa});
  EXPECT_EQ(stats_.Hypercalls(Hypercall::kGetTime), 2u);
  EXPECT_EQ(stats_.Hypercalls(Hypercall::kFstat), 1u);
  EXPECT_EQ(stats_.InvalidHypercalls(), 0u);
}

// --- kExit -----------------------------------------------------------------

TEST_F(HypercallServiceTest, ExitRejectsOutOfRangeStatus) {
  for (uint64_t status :
       U64s{256ull, 257ull, 1ull << 31, 1ull << 32, (1ull << 32) + 1, 1ull << 63, UINT64_MAX}) {
    HypercallOutcome outcome;
    EXPECT_EQ(Call(Hypercall::kExit, {status}, &outcome), -EINVAL) << status;
    EXPECT_EQ(outcome.kind, Kind::kResume) << status;
  }
}

TEST_F(HypercallServiceTest, ExitWithValidStatus) {
  for (uint64_t status : U64s{0ull, 1ull, 42ull, 255ull}) {
    HypercallOutcome outcome;
    EXPECT_EQ(Call(Hypercall::kExit, {status}, &outcome), 0);
    EXPECT_EQ(outcome.kind, Kind::kExit);
    EXPECT_EQ(outcome.exit_status, static_cast<int>(status));
  }
}

// --- I/O ---------------------------------------------------------------------

TEST_F(HypercallServiceTest, WritevOneSegment) {
  PutBytes(kBufferGpa, "hello, host");
  PutIovecs(kIovGpa, {{kBufferGpa, 11}});
  EXPECT_EQ(Call(Hypercall::kWritev, {kOutHandle, kIovGpa, 1}), 11);
  EXPECT_EQ(Drain(out_read_), "hello, host");
}

TEST_F(HypercallServiceTest, WritevManySegmentsWritesExactlyTheBytes) {
  std::mt19937_64 rng(1);
  std::vector<GuestIovec> iov;
  std::string expected;
  uint64_t gpa = kBufferGpa;
  for (uint32_t i = 0; i < abi::kMaxHypercallIovecs; ++i) {
    uint64_t length = i % 17 == 0 ? 0 : rng() % 200;
    std::string bytes;
    for (uint64_t j = 0; j < length; ++j) bytes.push_back(static_cast<char>(rng()));
    PutBytes(gpa, bytes);
    iov.push_back({gpa, length});
    expected += bytes;
    gpa += length + 1 + rng() % 4096;  // non-contiguous, unaligned segments
  }
  // Segments may also be given out of address order and overlap.
  std::swap(iov[3], iov[200]);
  expected.clear();
  for (const GuestIovec& seg : iov) expected += GetBytes(seg.gpa, seg.length);
  ASSERT_LT(expected.size(), 65536u);  // fits the pipe buffer in one go
  PutIovecs(kIovGpa, iov);
  EXPECT_EQ(Call(Hypercall::kWritev, {kOutHandle, kIovGpa, abi::kMaxHypercallIovecs}),
            static_cast<int64_t>(expected.size()));
  EXPECT_EQ(Drain(out_read_), expected);
}

TEST_F(HypercallServiceTest, WritevSegmentAtVeryEndOfMemory) {
  PutBytes(kMemorySize - 3, "end");
  PutIovecs(kIovGpa, {{kMemorySize - 3, 3}, {kMemorySize, 0}});
  EXPECT_EQ(Call(Hypercall::kWritev, {kOutHandle, kIovGpa, 2}), 3);
  EXPECT_EQ(Drain(out_read_), "end");
}

TEST_F(HypercallServiceTest, CountZeroDoesNothing) {
  // Even with an iovec pointer that is nowhere.
  for (uint64_t iov_gpa : U64s{kIovGpa, kMemorySize, UINT64_MAX}) {
    EXPECT_EQ(Call(Hypercall::kWritev, {kOutHandle, iov_gpa, 0}), 0);
    EXPECT_EQ(Call(Hypercall::kReadv, {kInHandle, iov_gpa, 0}), 0);
  }
  EXPECT_EQ(Drain(out_read_), "");
}

TEST_F(HypercallServiceTest, TooManySegmentsIsEinval) {
  PutBytes(kBufferGpa, "x");
  std::vector<GuestIovec> iov(abi::kMaxHypercallIovecs + 1, GuestIovec{kBufferGpa, 1});
  PutIovecs(kIovGpa, iov);
  for (uint64_t count : U64s{uint64_t{abi::kMaxHypercallIovecs} + 1, 1024ull, 1ull << 32,
                             (1ull << 32) + 1, 1ull << 60, UINT64_MAX}) {
    EXPECT_EQ(Call(Hypercall::kWritev, {kOutHandle, kIovGpa, count}), -EINVAL) << count;
    EXPECT_EQ(Call(Hypercall::kReadv, {kInHandle, kIovGpa, count}), -EINVAL) << count;
    EXPECT_EQ(Call(Hypercall::kPreadv, {kFileHandle, kIovGpa, count, 0}), -EINVAL) << count;
    EXPECT_EQ(Call(Hypercall::kPwritev, {kScratchHandle, kIovGpa, count, 0}), -EINVAL) << count;
  }
  EXPECT_EQ(Drain(out_read_), "");
}

TEST_F(HypercallServiceTest, IovecArrayOutsideMemoryIsEfault) {
  PutBytes(kBufferGpa, "abcd");
  // An array that starts inside but runs past the end (2 entries, 1 fits).
  PutIovecs(kMemorySize - sizeof(GuestIovec), {{kBufferGpa, 4}});
  struct Case {
    uint64_t gpa, count;
  };
  for (Case c :
       {Case{kMemorySize, 1}, Case{kMemorySize - 8, 1}, Case{kMemorySize - sizeof(GuestIovec), 2},
        Case{kMemorySize - 100 * sizeof(GuestIovec), 256}, Case{1ull << 40, 1}, Case{UINT64_MAX, 1},
        Case{UINT64_MAX - 15, 1}, Case{UINT64_MAX - 15, 256},
        Case{-uint64_t{sizeof(GuestIovec)} * 16, 32}}) {
    EXPECT_EQ(Call(Hypercall::kWritev, {kOutHandle, c.gpa, c.count}), -EFAULT)
        << std::hex << c.gpa << " " << c.count;
  }
  EXPECT_EQ(Drain(out_read_), "");
  // The entry that fits is fine on its own.
  EXPECT_EQ(Call(Hypercall::kWritev, {kOutHandle, kMemorySize - sizeof(GuestIovec), 1}), 4);
  EXPECT_EQ(Drain(out_read_), "abcd");
}

TEST_F(HypercallServiceTest, BadSegmentWritesNothing) {
  PutBytes(kBufferGpa, "valid-first-segment");
  const GuestIovec good = {kBufferGpa, 19};
  struct Case {
    GuestIovec bad;
    int64_t error;
  };
  const Case cases[] = {
      {{kMemorySize, 1}, -EFAULT},             // starts at the end
      {{kMemorySize - 4, 5}, -EFAULT},         // straddles the end
      {{kMemorySize + 4096, 16}, -EFAULT},     // past the end
      {{UINT64_MAX, 1}, -EFAULT},              // gpa + length wraps to 0
      {{UINT64_MAX - 4, 10}, -EFAULT},         // gpa + length wraps
      {{-(1ull << 20), 1ull << 20}, -EFAULT},  // gpa + length == 2^64
      {{kBufferGpa, UINT64_MAX}, -EINVAL},     // length alone too large
      {{16, UINT64_MAX - 15}, -EINVAL},        // gpa + length wraps to 0
      {{0, abi::kMaxHypercallIoBytes + 1}, -EINVAL},
  };
  for (const Case& c : cases) {
    for (int position = 0; position < 3; ++position) {
      std::vector<GuestIovec> iov = {good, good, good};
      iov[position] = c.bad;
      PutIovecs(kIovGpa, iov);
      EXPECT_EQ(Call(Hypercall::kWritev, {kOutHandle, kIovGpa, 3}), c.error)
          << std::hex << c.bad.gpa << " " << c.bad.length << " at " << position;
      EXPECT_EQ(Call(Hypercall::kPwritev, {kScratchHandle, kIovGpa, 3, 0}), c.error);
      EXPECT_EQ(Drain(out_read_), "");
      struct stat st;
      ASSERT_EQ(fstat(scratch_fd_, &st), 0);
      EXPECT_EQ(st.st_size, 0);
    }
  }
}

TEST_F(HypercallServiceTest, TotalLengthOverLimitWritesNothing) {
  // Each segment is inside memory; together they exceed kMaxHypercallIoBytes.
  const uint64_t half = abi::kMaxHypercallIoBytes / 2;
  std::vector<std::vector<GuestIovec>> cases = {
      {{0, half}, {0, half}, {0, 1}},
      {{0, abi::kMaxHypercallIoBytes}, {0, 1}},
      {{0, 1}, {0, abi::kMaxHypercallIoBytes}},
      {{0, 9ull << 20}, {kMemorySize - (9ull << 20), 9ull << 20}},
      {{0, UINT64_MAX}, {0, UINT64_MAX}},
      // Lengths that sum to 2^64 + small if added naively.
      {{0, 1ull << 63}, {0, 1ull << 63}, {0, 4}},
  };
  for (const auto& iov : cases) {
    PutIovecs(kIovGpa, iov);
    EXPECT_EQ(Call(Hypercall::kWritev, {kOutHandle, kIovGpa, iov.size()}), -EINVAL);
    EXPECT_EQ(Call(Hypercall::kReadv, {kInHandle, kIovGpa, iov.size()}), -EINVAL);
    EXPECT_EQ(Drain(out_read_), "");
  }
  // Exactly the limit is allowed (a non-blocking pipe takes what fits).
  PutIovecs(kIovGpa, {{0, half}, {half, half}});
  int64_t result = Call(Hypercall::kWritev, {kOutHandle, kIovGpa, 2});
  EXPECT_GT(result, 0);
  EXPECT_EQ(Drain(out_read_).size(), static_cast<size_t>(result));
}

TEST_F(HypercallServiceTest, BadHandlesAreEbadf) {
  PutBytes(kBufferGpa, "x");
  PutIovecs(kIovGpa, {{kBufferGpa, 1}});
  for (uint64_t handle : U64s{uint64_t{abi::kMaxHandles}, 65ull, 1ull << 32,
                              (1ull << 32) + kOutHandle, 1ull << 63, UINT64_MAX,
                              // in range but not installed
                              0ull, 2ull, 4ull, 63ull}) {
    EXPECT_EQ(Call(Hypercall::kWritev, {handle, kIovGpa, 1}), -EBADF) << handle;
    EXPECT_EQ(Call(Hypercall::kReadv, {handle, kIovGpa, 1}), -EBADF) << handle;
    EXPECT_EQ(Call(Hypercall::kPreadv, {handle, kIovGpa, 1, 0}), -EBADF) << handle;
    EXPECT_EQ(Call(Hypercall::kPwritev, {handle, kIovGpa, 1, 0}), -EBADF) << handle;
    EXPECT_EQ(Call(Hypercall::kFstat, {handle, kBufferGpa}), -EBADF) << handle;
    EXPECT_EQ(Call(Hypercall::kTerminalIoctl,
                   {handle, static_cast<uint64_t>(abi::TerminalRequest::kTcgets), kBufferGpa}),
              -EBADF)
        << handle;
  }
  EXPECT_EQ(Drain(out_read_), "");
}

TEST_F(HypercallServiceTest, MissingRightsAreEbadf) {
  PutBytes(kBufferGpa, "x");
  PutIovecs(kIovGpa, {{kBufferGpa, 1}});
  // readv on a write-only handle.
  EXPECT_EQ(Call(Hypercall::kReadv, {kWriteOnlyHandle, kIovGpa, 1}), -EBADF);
  EXPECT_EQ(Call(Hypercall::kReadv, {kOutHandle, kIovGpa, 1}), -EBADF);
  EXPECT_EQ(Call(Hypercall::kFstat, {kWriteOnlyHandle, kBufferGpa}), -EBADF);
  EXPECT_EQ(Call(Hypercall::kTerminalIoctl, {kWriteOnlyHandle, 1, kBufferGpa}), -EBADF);
  // preadv on the stdio-style handle that lacks kRightPread.
  EXPECT_EQ(Call(Hypercall::kPreadv, {kStdioHandle, kIovGpa, 1, 0}), -EBADF);
  // The executable-style handle: pread and stat only.
  EXPECT_EQ(Call(Hypercall::kReadv, {kFileHandle, kIovGpa, 1}), -EBADF);
  EXPECT_EQ(Call(Hypercall::kWritev, {kFileHandle, kIovGpa, 1}), -EBADF);
  EXPECT_EQ(Call(Hypercall::kPwritev, {kFileHandle, kIovGpa, 1, 0}), -EBADF);
  EXPECT_EQ(Call(Hypercall::kTerminalIoctl, {kFileHandle, 1, kBufferGpa}), -EBADF);
  // The read end of a pipe cannot be written.
  EXPECT_EQ(Call(Hypercall::kWritev, {kInHandle, kIovGpa, 1}), -EBADF);
  // Nothing happened to the files.
  char c;
  EXPECT_EQ(read(wo_read_, &c, 1), -1);
  EXPECT_EQ(pread(scratch_fd_, &c, 1, 0), 0);
  // The handle check comes before any other validation.
  EXPECT_EQ(Call(Hypercall::kReadv, {kWriteOnlyHandle, UINT64_MAX, UINT64_MAX}), -EBADF);
}

TEST_F(HypercallServiceTest, PreadvOffsetAboveInt64MaxIsEinval) {
  PutIovecs(kIovGpa, {{kBufferGpa, 4}});
  for (uint64_t offset : U64s{uint64_t{INT64_MAX} + 1, 1ull << 63 | 5, UINT64_MAX}) {
    EXPECT_EQ(Call(Hypercall::kPreadv, {kFileHandle, kIovGpa, 1, offset}), -EINVAL);
    EXPECT_EQ(Call(Hypercall::kPwritev, {kScratchHandle, kIovGpa, 1, offset}), -EINVAL);
  }
  struct stat st;
  ASSERT_EQ(fstat(scratch_fd_, &st), 0);
  EXPECT_EQ(st.st_size, 0);
}

TEST_F(HypercallServiceTest, PreadvReadsAtOffset) {
  PutBytes(kBufferGpa, std::string(16, '.'));
  PutIovecs(kIovGpa, {{kBufferGpa, 2}, {kBufferGpa + 8, 2}});
  EXPECT_EQ(Call(Hypercall::kPreadv, {kFileHandle, kIovGpa, 2, 3}), 4);
  EXPECT_EQ(GetBytes(kBufferGpa, 16), "34......56......");
  // At and past the end of the file: 0 bytes.
  EXPECT_EQ(Call(Hypercall::kPreadv, {kFileHandle, kIovGpa, 2, 10}), 0);
  EXPECT_EQ(Call(Hypercall::kPreadv, {kFileHandle, kIovGpa, 2, 1ull << 40}), 0);
}

TEST_F(HypercallServiceTest, PwritevWritesAtOffset) {
  PutBytes(kBufferGpa, "abcdef");
  PutIovecs(kIovGpa, {{kBufferGpa, 3}, {kBufferGpa + 3, 3}});
  EXPECT_EQ(Call(Hypercall::kPwritev, {kScratchHandle, kIovGpa, 2, 100}), 6);
  char data[6];
  ASSERT_EQ(pread(scratch_fd_, data, 6, 100), 6);
  EXPECT_EQ(std::string(data, 6), "abcdef");
}

TEST_F(HypercallServiceTest, ReadvReadsIntoGuestMemory) {
  ASSERT_EQ(write(in_write_, "payload!", 8), 8);
  PutBytes(kBufferGpa, std::string(32, '-'));
  PutIovecs(kIovGpa, {{kBufferGpa, 3}, {kBufferGpa + 10, 0}, {kBufferGpa + 20, 10}});
  EXPECT_EQ(Call(Hypercall::kReadv, {kInHandle, kIovGpa, 3}), 8);
  EXPECT_EQ(GetBytes(kBufferGpa, 32), "pay-----------------load!-------");
  // Empty non-blocking pipe: the host errno comes back.
  EXPECT_EQ(Call(Hypercall::kReadv, {kInHandle, kIovGpa, 3}), -EAGAIN);
  // Data for an out-of-range segment stays in the pipe.
  ASSERT_EQ(write(in_write_, "more", 4), 4);
  PutIovecs(kIovGpa, {{kBufferGpa, 2}, {kMemorySize - 1, 2}});
  EXPECT_EQ(Call(Hypercall::kReadv, {kInHandle, kIovGpa, 2}), -EFAULT);
  PutIovecs(kIovGpa, {{kBufferGpa, 4}});
  EXPECT_EQ(Call(Hypercall::kReadv, {kInHandle, kIovGpa, 1}), 4);
  EXPECT_EQ(GetBytes(kBufferGpa, 4), "more");
}

TEST_F(HypercallServiceTest, PreadvOnPipeReturnsHostErrno) {
  int pipes[2];
  ASSERT_EQ(pipe2(pipes, O_NONBLOCK | O_CLOEXEC), 0);
  ASSERT_TRUE(handles_.Install(20, pipes[0], kRightPread, true));
  close(pipes[1]);
  PutIovecs(kIovGpa, {{kBufferGpa, 4}});
  EXPECT_EQ(Call(Hypercall::kPreadv, {20, kIovGpa, 1, 0}), -ESPIPE);
}

// --- kFstat ------------------------------------------------------------------

TEST_F(HypercallServiceTest, FstatOutOfRangeIsEfault) {
  const std::string before = GetBytes(kMemorySize - 64, 64);
  for (uint64_t gpa : U64s{kMemorySize, kMemorySize - 31, kMemorySize - 1, 1ull << 40, UINT64_MAX,
                           UINT64_MAX - 31, -sizeof(abi::HostStat)}) {
    EXPECT_EQ(Call(Hypercall::kFstat, {kFileHandle, gpa}), -EFAULT) << std::hex << gpa;
  }
  EXPECT_EQ(GetBytes(kMemorySize - 64, 64), before);
}

TEST_F(HypercallServiceTest, FstatFillsModeAndSize) {
  PutBytes(kBufferGpa, std::string(sizeof(abi::HostStat), '\xff'));
  EXPECT_EQ(Call(Hypercall::kFstat, {kFileHandle, kBufferGpa}), 0);
  abi::HostStat st;
  ASSERT_TRUE(memory_->ReadObject(kBufferGpa, &st));
  EXPECT_TRUE(S_ISREG(st.mode)) << std::oct << st.mode;
  EXPECT_EQ(st.size, 10u);
  EXPECT_EQ(st.reserved, 0u);
  EXPECT_GT(st.block_size, 0u);
  EXPECT_GT(st.mtime_ns, 0);

  // The last HostStat-sized slot of memory is fine.
  uint64_t last = kMemorySize - sizeof(abi::HostStat);
  EXPECT_EQ(Call(Hypercall::kFstat, {kOutHandle, last}), 0);
  ASSERT_TRUE(memory_->ReadObject(last, &st));
  EXPECT_TRUE(S_ISFIFO(st.mode)) << std::oct << st.mode;
}

TEST_F(HypercallServiceTest, FstatExtremeMtimeSaturates) {
  // File timestamps are host data the guest may have influenced (e.g. an
  // archive it unpacked); converting them must not overflow.
  int file = memfd_create("hypercall-test-mtime", MFD_CLOEXEC);
  ASSERT_GE(file, 0);
  ASSERT_TRUE(handles_.Install(21, file, kRightStat, true));
  for (time_t seconds : {time_t{INT64_MAX / 1000}, time_t{-(INT64_MAX / 1000)}}) {
    timespec times[2] = {{seconds, 999999999}, {seconds, 999999999}};
    if (futimens(file, times) != 0) GTEST_SKIP() << "futimens: " << strerror(errno);
    struct stat host;
    ASSERT_EQ(fstat(file, &host), 0);
    EXPECT_EQ(Call(Hypercall::kFstat, {21, kBufferGpa}), 0);
    abi::HostStat st;
    ASSERT_TRUE(memory_->ReadObject(kBufferGpa, &st));
    if (host.st_mtim.tv_sec > INT64_MAX / 1000000000ll) {
      EXPECT_EQ(st.mtime_ns, INT64_MAX);
    } else if (host.st_mtim.tv_sec < INT64_MIN / 1000000000ll) {
      EXPECT_EQ(st.mtime_ns, INT64_MIN);
    } else {
      EXPECT_EQ(st.mtime_ns, host.st_mtim.tv_sec * 1000000000ll + host.st_mtim.tv_nsec);
    }
  }
}

// --- kTerminalIoctl ------------------------------------------------------------

TEST_F(HypercallServiceTest, TerminalIoctlOnPipeIsEnotty) {
  PutBytes(kBufferGpa, std::string(64, '#'));
  for (auto request : {abi::TerminalRequest::kTcgets, abi::TerminalRequest::kTiocgwinsz}) {
    EXPECT_EQ(
        Call(Hypercall::kTerminalIoctl, {kOutHandle, static_cast<uint64_t>(request), kBufferGpa}),
        -ENOTTY);
  }
  // A failed ioctl leaves the guest buffer alone.
  EXPECT_EQ(GetBytes(kBufferGpa, 64), std::string(64, '#'));
}

TEST_F(HypercallServiceTest, TerminalIoctlBadRequestIsEinval) {
  for (uint64_t request : U64s{0ull, 3ull, 0x5401ull /* raw TCGETS */, 1ull << 32, UINT64_MAX}) {
    EXPECT_EQ(Call(Hypercall::kTerminalIoctl, {kOutHandle, request, kBufferGpa}), -EINVAL)
        << request;
  }
}

TEST_F(HypercallServiceTest, TerminalIoctlOutOfRangeBufferIsEfault) {
  const uint64_t tcgets = static_cast<uint64_t>(abi::TerminalRequest::kTcgets);
  const uint64_t winsz = static_cast<uint64_t>(abi::TerminalRequest::kTiocgwinsz);
  for (uint64_t gpa :
       U64s{kMemorySize, kMemorySize - 35, UINT64_MAX, UINT64_MAX - 35, 1ull << 63}) {
    EXPECT_EQ(Call(Hypercall::kTerminalIoctl, {kOutHandle, tcgets, gpa}), -EFAULT);
  }
  for (uint64_t gpa : U64s{kMemorySize, kMemorySize - 7, UINT64_MAX, UINT64_MAX - 7}) {
    EXPECT_EQ(Call(Hypercall::kTerminalIoctl, {kOutHandle, winsz, gpa}), -EFAULT);
  }
  // In range but not a terminal: ENOTTY, i.e. the range check passed.
  EXPECT_EQ(Call(Hypercall::kTerminalIoctl, {kOutHandle, winsz, kMemorySize - 8}), -ENOTTY);
}

// --- kGetTime ------------------------------------------------------------------

TEST_F(HypercallServiceTest, GetTimeFillsPlausibleValues) {
  timespec before_rt, before_mono, after_rt, after_mono;
  clock_gettime(CLOCK_REALTIME, &before_rt);
  clock_gettime(CLOCK_MONOTONIC, &before_mono);
  EXPECT_EQ(Call(Hypercall::kGetTime, {kBufferGpa}), 0);
  clock_gettime(CLOCK_REALTIME, &after_rt);
  clock_gettime(CLOCK_MONOTONIC, &after_mono);
  auto ns = [](const timespec& t) { return t.tv_sec * 1000000000ll + t.tv_nsec; };
  abi::TimeSample sample;
  ASSERT_TRUE(memory_->ReadObject(kBufferGpa, &sample));
  EXPECT_GE(sample.realtime_ns, ns(before_rt) - 1000000000ll);  // allow a clock step
  EXPECT_LE(sample.realtime_ns, ns(after_rt) + 1000000000ll);
  EXPECT_GE(sample.monotonic_ns, ns(before_mono));
  EXPECT_LE(sample.monotonic_ns, ns(after_mono));
  EXPECT_GT(sample.realtime_ns, 1500000000ll * 1000000000ll);  // after 2017
}

TEST_F(HypercallServiceTest, GetTimeOutOfRangeIsEfault) {
  const std::string before = GetBytes(kMemorySize - 16, 16);
  for (uint64_t gpa : U64s{kMemorySize, kMemorySize - 8, kMemorySize - 15, UINT64_MAX,
                           UINT64_MAX - 15, -sizeof(abi::TimeSample)}) {
    EXPECT_EQ(Call(Hypercall::kGetTime, {gpa}), -EFAULT) << std::hex << gpa;
  }
  EXPECT_EQ(GetBytes(kMemorySize - 16, 16), before);
  EXPECT_EQ(Call(Hypercall::kGetTime, {kMemorySize - 16}), 0);
}

// --- kPanic --------------------------------------------------------------------

TEST_F(HypercallServiceTest, PanicCarriesMessageAndRegisters) {
  PutBytes(kBufferGpa, "assertion failed: x");
  abi::PanicRegisters regs = {};
  regs.rip = 0xffffffff80201234;
  regs.vector = 14;
  ASSERT_TRUE(memory_->WriteObject(kBufferGpa + 0x1000, regs));
  HypercallOutcome outcome;
  EXPECT_EQ(Call(Hypercall::kPanic, {kBufferGpa, 19, kBufferGpa + 0x1000}, &outcome), 0);
  EXPECT_EQ(outcome.kind, Kind::kSentryPanic);
  EXPECT_EQ(outcome.message, "assertion failed: x");
  ASSERT_TRUE(outcome.registers.has_value());
  EXPECT_EQ(outcome.registers->rip, regs.rip);
  EXPECT_EQ(outcome.registers->vector, 14u);

  // No registers block.
  EXPECT_EQ(Call(Hypercall::kPanic, {kBufferGpa, 9, 0}, &outcome), 0);
  EXPECT_EQ(outcome.message, "assertion");
  EXPECT_FALSE(outcome.registers.has_value());
}

TEST_F(HypercallServiceTest, PanicMessageOutOfRangeIsUnreadable) {
  for (uint64_t gpa : U64s{kMemorySize, kMemorySize - 5, UINT64_MAX, UINT64_MAX - 9}) {
    HypercallOutcome outcome;
    Call(Hypercall::kPanic, {gpa, 10, 0}, &outcome);
    EXPECT_EQ(outcome.kind, Kind::kSentryPanic);
    EXPECT_EQ(outcome.message, "(unreadable panic message)") << std::hex << gpa;
  }
}

TEST_F(HypercallServiceTest, PanicMessageLengthIsCappedAt4096) {
  std::string long_message(8192, 'm');
  PutBytes(kBufferGpa, long_message);
  for (uint64_t length : U64s{4097ull, 8192ull, 1ull << 32, 1ull << 63, UINT64_MAX}) {
    HypercallOutcome outcome;
    Call(Hypercall::kPanic, {kBufferGpa, length, 0}, &outcome);
    EXPECT_EQ(outcome.kind, Kind::kSentryPanic);
    EXPECT_EQ(outcome.message, std::string(4096, 'm')) << length;
  }
}

TEST_F(HypercallServiceTest, PanicMessageControlBytesAreEscaped) {
  // A compromised Sentry must not reach the user's terminal with escape
  // sequences or forge crash-report lines.
  const char kHostile[] = "bad\x1b[2J\rringfence: fake\n\0\xff\\";
  const std::string hostile(kHostile, sizeof(kHostile) - 1);
  PutBytes(kBufferGpa, hostile);
  HypercallOutcome outcome;
  Call(Hypercall::kPanic, {kBufferGpa, hostile.size(), 0}, &outcome);
  EXPECT_EQ(outcome.kind, Kind::kSentryPanic);
  EXPECT_EQ(outcome.message, "bad\\x1b[2J\\x0dringfence: fake\\x0a\\x00\\xff\\x5c");
  for (char c : outcome.message) {
    EXPECT_TRUE(c >= 0x20 && c < 0x7f) << static_cast<int>(c);
  }
}

TEST_F(HypercallServiceTest, EmptyPanicMessageIsNotUnreadable) {
  HypercallOutcome outcome;
  Call(Hypercall::kPanic, {kBufferGpa, 0, 0}, &outcome);
  EXPECT_EQ(outcome.kind, Kind::kSentryPanic);
  EXPECT_EQ(outcome.message, "");
  Call(Hypercall::kPanic, {kMemorySize, 0, 0}, &outcome);
  EXPECT_EQ(outcome.message, "");
  Call(Hypercall::kPanic, {kMemorySize + 1, 0, 0}, &outcome);
  EXPECT_EQ(outcome.message, "(unreadable panic message)");
}

TEST_F(HypercallServiceTest, PanicRegistersOutOfRangeAreDropped) {
  PutBytes(kBufferGpa, "boom");
  for (uint64_t regs_gpa : U64s{kMemorySize, kMemorySize - sizeof(abi::PanicRegisters) + 8,
                                UINT64_MAX, UINT64_MAX - 7, 1ull << 63}) {
    HypercallOutcome outcome;
    EXPECT_EQ(Call(Hypercall::kPanic, {kBufferGpa, 4, regs_gpa}, &outcome), 0);
    EXPECT_EQ(outcome.kind, Kind::kSentryPanic);
    EXPECT_EQ(outcome.message, "boom");
    EXPECT_FALSE(outcome.registers.has_value()) << std::hex << regs_gpa;
  }
}

// --- Time of check / time of use ----------------------------------------------

// The service copies the request before acting on it. A readv whose buffer is
// the request block itself rewrites every field while the handler runs (as a
// second vCPU could); the outcome and the result must still follow the
// original request, and the result lands in the original block's result slot.
TEST_F(HypercallServiceTest, RequestRewrittenDuringHandlingDoesNotMatter) {
  HypercallRequest forged = {};
  forged.number = Num(Hypercall::kExit);
  forged.args[0] = 7;
  forged.result = 0x1111111111111111;
  ASSERT_EQ(write(in_write_, &forged, sizeof(forged)), static_cast<ssize_t>(sizeof(forged)));

  PutIovecs(kIovGpa, {{kRequestGpa, sizeof(HypercallRequest)}});
  PutRequest(kRequestGpa, Num(Hypercall::kReadv), {kInHandle, kIovGpa, 1});
  HypercallOutcome outcome = service_->Handle(kRequestGpa);
  EXPECT_EQ(outcome.kind, Kind::kResume);  // the forged kExit was not acted on

  HypercallRequest after;
  ASSERT_TRUE(memory_->ReadObject(kRequestGpa, &after));
  EXPECT_EQ(after.number, forged.number);  // the rewrite did happen
  EXPECT_EQ(after.args[0], 7u);
  // ... but the result is the readv's, written after the handler ran.
  EXPECT_EQ(after.result, static_cast<int64_t>(sizeof(HypercallRequest)));
  EXPECT_EQ(stats_.Hypercalls(Hypercall::kReadv), 1u);
  EXPECT_EQ(stats_.Hypercalls(Hypercall::kExit), 0u);
}

// The same for the iovec array: a readv whose first segment overwrites the
// array makes no difference to where the remaining bytes go.
TEST_F(HypercallServiceTest, IovecArrayRewrittenDuringHandlingDoesNotMatter) {
  std::vector<GuestIovec> forged = {{kMemorySize - 4, 4}, {0, 4}};
  std::string data(reinterpret_cast<const char*>(forged.data()), 2 * sizeof(GuestIovec));
  data += "tail";
  ASSERT_EQ(write(in_write_, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  PutBytes(kBufferGpa, "----");
  PutIovecs(kIovGpa, {{kIovGpa, 2 * sizeof(GuestIovec)}, {kBufferGpa, 4}});
  EXPECT_EQ(Call(Hypercall::kReadv, {kInHandle, kIovGpa, 2}), 36);
  EXPECT_EQ(GetBytes(kBufferGpa, 4), "tail");
}

// --- Fuzzing -------------------------------------------------------------------

class RandomGuest {
 public:
  explicit RandomGuest(uint64_t seed) : rng_(seed) {}
  uint64_t Next() { return rng_(); }
  uint64_t Below(uint64_t n) { return rng_() % n; }
  bool OneIn(uint64_t n) { return Below(n) == 0; }

  // A guest physical address: mostly inside memory, sometimes near or past
  // its end, sometimes arbitrary.
  uint64_t Gpa(uint64_t size) {
    switch (Below(8)) {
      case 0:
        return Next();
      case 1:
        return size - Below(256);
      case 2:
        return size + Below(4096);
      case 3:
        return UINT64_MAX - Below(256);
      case 4:
        return 0;
      default:
        return Below(size);
    }
  }
  uint64_t Length() {
    switch (Below(10)) {
      case 0:
        return Next();
      case 1:
        return abi::kMaxHypercallIoBytes - Below(2);
      case 2:
        return 0;
      case 3:
        return UINT64_MAX - Below(64);
      default:
        return Below(4096);
    }
  }

 private:
  std::mt19937_64 rng_;
};

TEST_F(HypercallServiceTest, RandomRequestsNeverCrash) {
  RandomGuest r(0x5eed);
  const uint64_t handles[] = {kStdioHandle,   kFileHandle, kOutHandle, kInHandle, kWriteOnlyHandle,
                              kScratchHandle, 0,           63,         64,        1ull << 32,
                              UINT64_MAX};
  uint64_t served = 0;
  for (int i = 0; i < 100000; ++i) {
    // A few iovec arrays with random segments somewhere in memory.
    uint64_t iov_gpa = (r.Below(kMemorySize - 4096)) & ~7ull;
    uint64_t segments = r.Below(8);
    for (uint64_t s = 0; s < segments; ++s) {
      GuestIovec seg = {r.Gpa(kMemorySize), r.Length()};
      memory_->WriteObject(iov_gpa + s * sizeof(GuestIovec), seg);
    }

    HypercallRequest request = {};
    request.number = r.OneIn(10) ? static_cast<uint32_t>(r.Next()) : r.Below(12);
    request.reserved = r.OneIn(20) ? static_cast<uint32_t>(r.Next()) : 0;
    for (uint64_t& arg : request.args) {
      switch (r.Below(6)) {
        case 0:
          arg = r.Next();
          break;
        case 1:
          arg = r.Gpa(kMemorySize);
          break;
        case 2:
          arg = iov_gpa;
          break;
        case 3:
          arg = r.Below(abi::kMaxHypercallIovecs + 2);
          break;
        case 4:
          arg = handles[r.Below(std::size(handles))];
          break;
        default:
          arg = r.Below(300);
          break;
      }
    }
    // Shape I/O calls so that many get past validation.
    if (request.number >= 2 && request.number <= 5 && !r.OneIn(4)) {
      request.args[0] = handles[r.Below(6)];
      request.args[1] = iov_gpa;
      request.args[2] = segments;
      if (r.OneIn(2)) request.args[3] = r.Below(1 << 20);
    }
    request.result = kSentinel;

    uint64_t request_gpa = r.OneIn(50) ? r.Gpa(kMemorySize) : (r.Below(kMemorySize) & ~63ull);
    bool placed = request_gpa % 64 == 0 && memory_->WriteObject(request_gpa, request);
    HypercallOutcome outcome = service_->Handle(request_gpa);
    if (!placed) {
      ASSERT_EQ(outcome.kind, Kind::kBadRequest) << std::hex << request_gpa;
      continue;
    }
    ASSERT_NE(outcome.kind, Kind::kBadRequest);
    int64_t result = ResultAt(request_gpa);
    ASSERT_TRUE(result >= 0 || (result >= -4095 && result <= -1))
        << "number " << request.number << " result " << result;
    if (outcome.kind == Kind::kExit) {
      ASSERT_GE(outcome.exit_status, 0);
      ASSERT_LE(outcome.exit_status, 255);
    }
    if (outcome.kind == Kind::kSentryPanic) {
      ASSERT_LE(outcome.message.size(), 4 * 4096u);  // 4096 bytes, maybe escaped
    }
    ++served;

    // Keep pipes and sockets from filling up; feed the input pipe.
    if (i % 16 == 0) {
      Drain(out_read_);
      Drain(stdio_peer_);
      Drain(wo_read_);
      (void)!write(in_write_, "input", 5);
      (void)!write(stdio_peer_, "tty", 3);
      (void)!ftruncate(scratch_fd_, 0);
    }
  }
  EXPECT_GT(served, 90000u);
  EXPECT_GT(stats_.InvalidHypercalls(), 0u);
}

}  // namespace
}  // namespace ringfence::vmm
