// The VMM's Gofer relay against a real Gofer server: every field of a
// request comes from a hostile guest, so malformed requests must get an
// errno (and never reach the Gofer), and random ones must never crash or
// leak.
#include "vmm/gofer_relay.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/unit/gofer/test_util.h"
#include "tests/unit/gofer_fs/loopback_transport.h"

namespace ringfence::testing {
namespace {

using abi::GoferOp;
using abi::GoferReply;
using abi::GoferRequest;
using abi::Hypercall;

class RelayTest : public gofer::testing::GoferTest {
 protected:
  void SetUp() override {
    GoferTest::SetUp();
    guest_ = std::make_unique<LoopbackGuest>(client());
  }
  void TearDown() override {
    guest_.reset();
    GoferTest::TearDown();
  }

  static GoferRequest Request(GoferOp op, uint32_t fid = 0) {
    GoferRequest request = {};
    request.op = static_cast<uint32_t>(op);
    request.fid = fid;
    return request;
  }
  // A name placed at kNameGpa (or kName2Gpa).
  abi::GuestBuffer Name(const std::string& name, uint64_t gpa = kNameGpa) {
    guest_->memory().Write(gpa, name.data(), name.size());
    return {gpa, static_cast<uint32_t>(name.size()), 0};
  }
  uint32_t Attach() {
    GoferReply reply;
    EXPECT_EQ(guest_->Gofer(Request(GoferOp::kAttach), &reply), 0);
    return reply.fid;
  }
  // Walks one name from `dir`: the new fid.
  uint32_t Walk(uint32_t dir, const std::string& name, GoferReply* out = nullptr) {
    GoferRequest request = Request(GoferOp::kWalk, dir);
    request.name = Name(name);
    GoferReply reply = {};
    EXPECT_EQ(guest_->Gofer(request, &reply), 0) << name;
    if (out) *out = reply;
    return reply.fid;
  }
  int64_t Open(uint32_t fid, uint32_t flags, uint32_t* handle) {
    GoferRequest request = Request(GoferOp::kOpen, fid);
    request.flags = flags;
    GoferReply reply;
    int64_t result = guest_->Gofer(request, &reply);
    if (result == 0) *handle = reply.handle;
    return result;
  }
  int64_t Pread(uint32_t handle, std::string* out, size_t length = 64) {
    abi::GuestIovec iov = {kDataGpa, length};
    guest_->memory().WriteObject(kIovGpa, iov);
    int64_t result = guest_->Hypercall(Hypercall::kPreadv, handle, kIovGpa, 1, 0);
    if (result > 0) {
      out->resize(result);
      guest_->memory().Read(kDataGpa, out->data(), result);
    }
    return result;
  }
  int64_t Pwrite(uint32_t handle, const std::string& data) {
    guest_->memory().Write(kDataGpa, data.data(), data.size());
    abi::GuestIovec iov = {kDataGpa, data.size()};
    guest_->memory().WriteObject(kIovGpa, iov);
    return guest_->Hypercall(Hypercall::kPwritev, handle, kIovGpa, 1, 0);
  }

  std::unique_ptr<LoopbackGuest> guest_;
};

TEST_F(RelayTest, WalkOpenReadThroughAHandle) {
  uint32_t root = Attach();
  GoferReply walked;
  uint32_t file = Walk(root, "file", &walked);
  EXPECT_TRUE(S_ISREG(walked.stat.mode));
  EXPECT_EQ(walked.stat.size, 11u);
  uint32_t handle = 0;
  ASSERT_EQ(Open(file, O_RDONLY, &handle), 0);
  EXPECT_GE(handle, abi::kFirstDynamicHandle);
  std::string data;
  EXPECT_EQ(Pread(handle, &data), 11);
  EXPECT_EQ(data, "hello gofer");
  // Rights follow the access mode: a read-only handle cannot write.
  EXPECT_EQ(Pwrite(handle, "x"), -EBADF);
  abi::HostStat stat;
  EXPECT_EQ(guest_->Hypercall(Hypercall::kFstat, handle, kOutGpa), 0);
  guest_->memory().ReadObject(kOutGpa, &stat);
  EXPECT_EQ(stat.size, 11u);
  EXPECT_EQ(guest_->Hypercall(Hypercall::kCloseHandle, handle), 0);
  EXPECT_EQ(guest_->Hypercall(Hypercall::kCloseHandle, handle), -EBADF);
  EXPECT_EQ(Pread(handle, &data), -EBADF);
  EXPECT_EQ(guest_->handles().size(), 0u);
}

TEST_F(RelayTest, CreateDonatesAReadWriteHandle) {
  uint32_t root = Attach();
  GoferRequest request = Request(GoferOp::kCreate, root);
  request.name = Name("created");
  request.flags = O_RDWR;
  request.mode = 0640;
  request.uid = request.gid = abi::kGoferNoId;
  GoferReply reply;
  ASSERT_EQ(guest_->Gofer(request, &reply), 0);
  EXPECT_EQ(Pwrite(reply.handle, "abc"), 3);
  std::string data;
  EXPECT_EQ(Pread(reply.handle, &data), 3);
  EXPECT_EQ(data, "abc");
  int fd = open(Host("created").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(gofer::testing::ReadFd(fd), "abc");
  close(fd);
}

TEST_F(RelayTest, StaticHandlesCannotBeClosed) {
  ASSERT_TRUE(guest_->handles().Install(abi::kHandleStdout, dup(1), vmm::kRightWrite, true));
  ASSERT_TRUE(guest_->handles().Install(abi::kHandleLog, dup(1), vmm::kRightWrite, true));
  EXPECT_EQ(guest_->Hypercall(Hypercall::kCloseHandle, abi::kHandleStdout), -EBADF);
  EXPECT_EQ(guest_->Hypercall(Hypercall::kCloseHandle, abi::kHandleLog), -EBADF);
  EXPECT_EQ(guest_->Hypercall(Hypercall::kCloseHandle, abi::kMaxHandles), -EBADF);
  EXPECT_EQ(guest_->Hypercall(Hypercall::kCloseHandle, ~0ull), -EBADF);
  EXPECT_EQ(guest_->handles().size(), 2u);
}

TEST_F(RelayTest, HostileRequestsGetErrnos) {
  uint32_t root = Attach();
  // Each case starts from a valid walk of "file" and breaks one thing.
  struct Case {
    const char* what;
    std::function<void(GoferRequest&)> mutate;
    int error;
  };
  const uint64_t kBeyond = kGuestMemorySize;
  std::vector<Case> cases = {
      {"op 0", [](GoferRequest& r) { r.op = 0; }, EINVAL},
      {"op past the end", [](GoferRequest& r) { r.op = abi::kGoferOpCount; }, EINVAL},
      {"op huge", [](GoferRequest& r) { r.op = ~0u; }, EINVAL},
      {"reserved", [](GoferRequest& r) { r.reserved = 1; }, EINVAL},
      {"name reserved", [](GoferRequest& r) { r.name.reserved = 1; }, EINVAL},
      {"out reserved", [](GoferRequest& r) { r.out.reserved = 1; }, EINVAL},
      {"mount", [](GoferRequest& r) { r.mount = 1; }, EINVAL},
      {"unused flags", [](GoferRequest& r) { r.flags = O_RDONLY | 1; }, EINVAL},
      {"unused fid2", [](GoferRequest& r) { r.fid2 = 7; }, EINVAL},
      {"unused ids", [](GoferRequest& r) { r.uid = abi::kGoferNoId; }, EINVAL},
      {"unused offset", [](GoferRequest& r) { r.offset = 1; }, EINVAL},
      {"unused times", [](GoferRequest& r) { r.mtime.nsec = 1; }, EINVAL},
      {"unused out", [](GoferRequest& r) { r.out = {kOutGpa, 16, 0}; }, EINVAL},
      {"unused name2", [&](GoferRequest& r) { r.name2 = Name("x", kName2Gpa); }, EINVAL},
      {"name too long", [&](GoferRequest& r) { r.name = Name(std::string(256, 'a')); },
       ENAMETOOLONG},
      {"name huge", [](GoferRequest& r) { r.name.length = ~0u; }, ENAMETOOLONG},
      {"empty name", [](GoferRequest& r) { r.name = {}; }, EINVAL},
      {"slash", [&](GoferRequest& r) { r.name = Name("dir/inner"); }, EINVAL},
      {"dot", [&](GoferRequest& r) { r.name = Name("."); }, EINVAL},
      {"dotdot", [&](GoferRequest& r) { r.name = Name(".."); }, EINVAL},
      {"nul", [&](GoferRequest& r) { r.name = Name(std::string("fi\0le", 5)); }, EINVAL},
      {"name beyond memory", [&](GoferRequest& r) { r.name.gpa = kBeyond; }, EFAULT},
      {"name straddles the end", [&](GoferRequest& r) { r.name.gpa = kBeyond - 2; }, EFAULT},
      {"name wraps", [](GoferRequest& r) { r.name.gpa = ~0ull - 1; }, EFAULT},
      {"bad fid", [](GoferRequest& r) { r.fid = 0xdead; }, EBADF},
  };
  for (const Case& c : cases) {
    GoferRequest request = Request(GoferOp::kWalk, root);
    request.name = Name("file");
    c.mutate(request);
    EXPECT_EQ(guest_->Gofer(request), -c.error) << c.what;
  }
  // Request and reply blocks themselves.
  GoferRequest walk = Request(GoferOp::kWalk, root);
  walk.name = Name("file");
  guest_->memory().WriteObject(kRequestGpa, walk);
  EXPECT_EQ(guest_->Hypercall(Hypercall::kGofer, kBeyond, kReplyGpa), -EFAULT);
  EXPECT_EQ(guest_->Hypercall(Hypercall::kGofer, kBeyond - 8, kReplyGpa), -EFAULT);
  EXPECT_EQ(guest_->Hypercall(Hypercall::kGofer, kRequestGpa, kBeyond - 8), -EFAULT);
  EXPECT_EQ(guest_->Hypercall(Hypercall::kGofer, kRequestGpa, ~0ull), -EFAULT);
  EXPECT_EQ(guest_->Hypercall(Hypercall::kGofer, kRequestGpa, kReplyGpa), 0);
}

TEST_F(RelayTest, HostileOperationFieldsGetErrnos) {
  uint32_t root = Attach();
  uint32_t file = Walk(root, "file");
  uint32_t handle;
  EXPECT_EQ(Open(file, O_RDONLY | O_CREAT, &handle), -EINVAL);
  EXPECT_EQ(Open(file, O_ACCMODE, &handle), -EINVAL);
  EXPECT_EQ(Open(file, O_RDONLY | O_PATH, &handle), -EINVAL);

  GoferRequest mknod = Request(GoferOp::kMknod, root);
  mknod.name = Name("dev");
  mknod.mode = S_IFCHR | 0600;
  EXPECT_EQ(guest_->Gofer(mknod), -EINVAL);
  GoferRequest mkdir = Request(GoferOp::kMkdir, root);
  mkdir.name = Name("d");
  mkdir.mode = S_IFREG | 0755;
  EXPECT_EQ(guest_->Gofer(mkdir), -EINVAL);

  GoferRequest setattr = Request(GoferOp::kSetattr, file);
  setattr.mask = abi::kGoferSetMtime;
  setattr.mtime.nsec = 1000000000;
  EXPECT_EQ(guest_->Gofer(setattr), -EINVAL);
  setattr.mtime.nsec = 0;
  setattr.mask = 1u << 20;
  EXPECT_EQ(guest_->Gofer(setattr), -EINVAL);

  GoferRequest symlink = Request(GoferOp::kSymlink, root);
  symlink.name = Name("link");
  symlink.name2 = Name(std::string(4096, 'x'), kName2Gpa);
  EXPECT_EQ(guest_->Gofer(symlink), -ENAMETOOLONG);

  GoferRequest setxattr = Request(GoferOp::kSetxattr, file);
  setxattr.name = Name("user.big");
  setxattr.name2 = {kName2Gpa, abi::kGoferXattrValueMax + 1, 0};
  EXPECT_EQ(guest_->Gofer(setxattr), -EINVAL);

  GoferRequest unlink = Request(GoferOp::kUnlink, root);
  unlink.name = Name("file");
  unlink.flags = 0x1;
  EXPECT_EQ(guest_->Gofer(unlink), -EINVAL);

  GoferRequest readlink = Request(GoferOp::kReadlink, Walk(root, "etc_link"));
  readlink.out = {kOutGpa, abi::kGoferOutMax + 1, 0};
  EXPECT_EQ(guest_->Gofer(readlink), -EINVAL);
  readlink.out = {kGuestMemorySize - 2, 16, 0};
  EXPECT_EQ(guest_->Gofer(readlink), -EFAULT);
  readlink.out = {kOutGpa, 3, 0};  // truncated, as readlink(2)
  GoferReply reply;
  ASSERT_EQ(guest_->Gofer(readlink, &reply), 0);
  EXPECT_EQ(reply.size, 3u);
  // Nothing was created on the host by any of them.
  struct stat st;
  EXPECT_NE(lstat(Host("dev").c_str(), &st), 0);
  EXPECT_NE(lstat(Host("d").c_str(), &st), 0);
  EXPECT_NE(lstat(Host("link").c_str(), &st), 0);
  EXPECT_EQ(lstat(Host("file").c_str(), &st), 0);
}

TEST_F(RelayTest, GetdentsPacksWhatFitsAndResumesByCookie) {
  for (int i = 0; i < 40; ++i) {
    gofer::testing::WriteFile(Host("empty/entry_with_a_longish_name_" + std::to_string(i)), "");
  }
  uint32_t dir = Walk(Attach(), "empty");
  GoferRequest request = Request(GoferOp::kGetdents, dir);
  request.out = {kOutGpa, 16, 0};  // not even one record
  EXPECT_EQ(guest_->Gofer(request), -EINVAL);
  request.out = {kOutGpa, 200, 0};
  std::multiset<std::string> names;
  for (int batches = 0; batches < 100; ++batches) {
    GoferReply reply;
    ASSERT_EQ(guest_->Gofer(request, &reply), 0);
    if (reply.size == 0) break;
    ASSERT_LE(reply.size, 200u);
    std::vector<uint8_t> out(reply.size);
    guest_->memory().Read(kOutGpa, out.data(), out.size());
    for (size_t at = 0; at < out.size();) {
      abi::GoferDirent header;
      std::memcpy(&header, out.data() + at, sizeof(header));
      names.emplace(reinterpret_cast<const char*>(out.data() + at + sizeof(header)),
                    header.name_length);
      request.offset = header.next_cookie;
      at += abi::GoferDirentSize(header.name_length);
    }
  }
  EXPECT_EQ(names.size(), 40u);
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), 40u);
}

// 10,000 random requests: fields drawn from valid and invalid values alike.
// The relay must answer each (0 or -errno), never touch memory outside the
// guest, keep the handle table bounded, and still work afterwards.
TEST_F(RelayTest, RandomRequestsNeverBreakTheRelay) {
  std::mt19937_64 random(20261122);
  auto pick = [&](std::initializer_list<uint64_t> values) {
    std::vector<uint64_t> v(values);
    return v[random() % v.size()];
  };
  uint32_t root = Attach();
  std::vector<uint32_t> fids = {root, Walk(root, "file"), Walk(root, "dir"),
                                Walk(root, "etc_link"), Walk(root, "fifo")};
  // Names: valid ones, and junk.
  const std::vector<std::string> names = {"file", "dir", "new", "x", "..", "a/b",
                                          std::string(255, 'n'), "user.test"};
  auto buffer = [&](uint64_t gpa) -> abi::GuestBuffer {
    switch (random() % 6) {
      case 0: return {};
      case 1: {
        const std::string& name = names[random() % names.size()];
        guest_->memory().Write(gpa, name.data(), name.size());
        return {gpa, static_cast<uint32_t>(name.size()), 0};
      }
      case 2: return {gpa, static_cast<uint32_t>(random() % 70000), 0};
      case 3: return {kGuestMemorySize - random() % 64, static_cast<uint32_t>(random() % 128), 0};
      case 4: return {random(), static_cast<uint32_t>(random()), static_cast<uint32_t>(random() % 2)};
      default: return {gpa, static_cast<uint32_t>(1 + random() % 300), 0};
    }
  };
  // Most fields stay zero, so that a fair share of requests is well-formed
  // enough to reach the Gofer (an operation's unused fields must be zero).
  auto sometimes = [&](auto value) { return random() % 5 == 0 ? value : decltype(value){}; };
  int ok = 0;
  for (int i = 0; i < 10000; ++i) {
    GoferRequest request = {};
    request.op = static_cast<uint32_t>(random() % (abi::kGoferOpCount + 2));
    request.mount = random() % 16 == 0 ? 1 : 0;
    request.fid = random() % 8 == 0 ? static_cast<uint32_t>(random())
                                    : fids[random() % fids.size()];
    request.fid2 = sometimes(fids[random() % fids.size()]);
    request.flags = sometimes(static_cast<uint32_t>(
        pick({O_RDONLY, O_WRONLY, O_RDWR, O_TRUNC, AT_REMOVEDIR, 1, random()})));
    request.mode =
        sometimes(static_cast<uint32_t>(pick({0644, 0755, S_IFIFO | 0600, random()})));
    request.uid = request.gid =
        sometimes(static_cast<uint32_t>(pick({abi::kGoferNoId, random()})));
    request.mask = sometimes(
        static_cast<uint32_t>(pick({abi::kGoferSetMode, abi::kGoferSetSize, random()})));
    request.offset = sometimes(pick({1, 100, random()}));
    request.name = random() % 4 == 0 ? abi::GuestBuffer{} : buffer(kNameGpa);
    request.name2 = sometimes(buffer(kName2Gpa));
    request.out = sometimes(buffer(kOutGpa));
    request.reserved = random() % 32 == 0 ? 1 : 0;
    GoferReply reply;
    int64_t result = guest_->Gofer(request, &reply);
    ASSERT_LE(result, 0);
    ASSERT_GE(result, -4095);
    if (result == 0) {
      ++ok;
      if (reply.fid != 0 && fids.size() < 64) fids.push_back(reply.fid);
      // Close handles now and then, as the Sentry does.
      if (reply.handle != 0 && random() % 2) {
        EXPECT_EQ(guest_->Hypercall(Hypercall::kCloseHandle, reply.handle), 0);
      }
    }
  }
  // The mix did get past the field checks, and some of it succeeded.
  uint64_t reached = 0;
  for (uint64_t count : guest_->relay().op_counts()) reached += count;
  EXPECT_GT(reached, 1000u);
  EXPECT_GT(ok, 10);
  EXPECT_LE(guest_->handles().size(), abi::kMaxHandles);
  // Still serving, and nothing escaped the root.
  uint32_t again = Attach();
  EXPECT_NE(again, 0u);
  struct stat st;
  EXPECT_NE(lstat((outside_ + "/new").c_str(), &st), 0);
  EXPECT_NE(lstat((outside_ + "/x").c_str(), &st), 0);
}

}  // namespace
}  // namespace ringfence::testing
