// Malformed and random messages: each gets an error reply (or, for an empty
// packet, a clean close), the server stays alive, and nothing outside the
// root changes. Seeded, so failures reproduce.
#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gofer/client.h"
#include "gofer/protocol.h"
#include "gofer/server.h"
#include "gtest/gtest.h"
#include "tests/unit/gofer/test_util.h"

namespace ringfence::gofer::testing {
namespace {

std::vector<uint8_t> Packet(uint32_t magic, uint16_t version, uint16_t opcode,
                            uint32_t tag, const std::vector<uint8_t>& payload,
                            int64_t length_delta = 0) {
  std::vector<uint8_t> bytes(kHeaderSize);
  Header h{.magic = magic,
           .version = version,
           .opcode = opcode,
           .tag = tag,
           .length = static_cast<uint32_t>(payload.size() + length_delta)};
  WriteHeader(h, bytes.data());
  bytes.insert(bytes.end(), payload.begin(), payload.end());
  return bytes;
}

// Valid requests of every kind, as mutation seeds.
std::vector<std::vector<uint8_t>> Seeds(Fid root) {
  auto op = [](Opcode o) { return static_cast<uint16_t>(o); };
  std::vector<std::vector<uint8_t>> s;
  s.push_back(EncodeMessage(op(Opcode::kAttach), 1, EmptyMessage{}));
  s.push_back(
      EncodeMessage(op(Opcode::kWalk), 1, WalkRequest{root, {"dir", "inner"}}));
  s.push_back(EncodeMessage(op(Opcode::kStat), 1, FidRequest{root}));
  s.push_back(EncodeMessage(op(Opcode::kOpen), 1, OpenRequest{root, O_RDONLY}));
  s.push_back(EncodeMessage(op(Opcode::kCreate), 1,
                            CreateRequest{root, "fz", O_RDWR, 0644}));
  s.push_back(
      EncodeMessage(op(Opcode::kMkdir), 1, MkdirRequest{root, "fzd", 0755}));
  s.push_back(EncodeMessage(op(Opcode::kMknod), 1,
                            MknodRequest{root, "fzp", S_IFIFO | 0644}));
  s.push_back(EncodeMessage(op(Opcode::kSymlink), 1,
                            SymlinkRequest{root, "fzl", "/etc/passwd"}));
  s.push_back(
      EncodeMessage(op(Opcode::kLink), 1, LinkRequest{root, root, "x"}));
  s.push_back(
      EncodeMessage(op(Opcode::kUnlink), 1, UnlinkRequest{root, "fz", 0}));
  s.push_back(EncodeMessage(op(Opcode::kRename), 1,
                            RenameRequest{root, "fzd", root, "fze", 0}));
  s.push_back(EncodeMessage(op(Opcode::kReadlink), 1, FidRequest{root}));
  s.push_back(
      EncodeMessage(op(Opcode::kGetdents), 1, GetdentsRequest{root, 0, 0}));
  s.push_back(EncodeMessage(op(Opcode::kSetattr), 1,
                            SetattrRequest{.fid = root,
                                           .mask = kSetattrAtime,
                                           .mode = 0,
                                           .uid = kNoId,
                                           .gid = kNoId,
                                           .size = 0,
                                           .atime = {},
                                           .mtime = {}}));
  s.push_back(EncodeMessage(op(Opcode::kStatfs), 1, FidRequest{root}));
  s.push_back(EncodeMessage(op(Opcode::kGetxattr), 1,
                            GetxattrRequest{root, "user.x", 10}));
  s.push_back(EncodeMessage(op(Opcode::kSetxattr), 1,
                            SetxattrRequest{root, "user.x", "v", 0}));
  s.push_back(
      EncodeMessage(op(Opcode::kListxattr), 1, ListxattrRequest{root, 100}));
  s.push_back(EncodeMessage(op(Opcode::kRemovexattr), 1,
                            RemovexattrRequest{root, "user.x"}));
  s.push_back(EncodeMessage(op(Opcode::kClunk), 1, FidRequest{12345}));
  return s;
}

// Checks a reply to a packet the server should have answered: well-formed,
// and either an error or the matching reply opcode.
void CheckReply(const RawReply& reply, uint16_t request_opcode) {
  EXPECT_LE(reply.header.length, kMaxPayloadSize);
  if (reply.header.opcode == kErrorReply) {
    ErrorReply error;
    ASSERT_EQ(DecodePayload(reply.payload, &error), 0);
    EXPECT_GT(error.error, 0u);
    EXPECT_LT(error.error, 4096u);
  } else {
    EXPECT_EQ(reply.header.opcode, request_opcode | kReplyBit);
  }
}

std::vector<std::string> ListDir(const std::string& path) {
  std::vector<std::string> names;
  DIR* d = opendir(path.c_str());
  if (d == nullptr) return names;
  while (struct dirent* e = readdir(d)) names.push_back(e->d_name);
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

TEST_F(GoferTest, MalformedTable) {
  struct Case {
    const char* what;
    std::vector<uint8_t> packet;
  };
  std::vector<uint8_t> stat_payload = {1, 0, 0, 0};
  std::vector<uint8_t> walk_huge_count = {1, 0, 0, 0, 0xff, 0xff};
  std::vector<uint8_t> walk_long_string = {1, 0, 0, 0, 1, 0, 0xff, 0xff, 'a'};
  std::vector<uint8_t> create_no_nul = {1, 0, 0, 0, 3, 0, 'a', 0, 'b'};
  std::vector<Case> cases = {
      {"one byte", {0x52}},
      {"header minus one", std::vector<uint8_t>(kHeaderSize - 1, 0)},
      {"bad magic", Packet(0xdeadbeef, kVersion, 3, 1, stat_payload)},
      {"bad version", Packet(kMagic, 77, 3, 1, stat_payload)},
      {"length past end", Packet(kMagic, kVersion, 3, 1, stat_payload, 100)},
      {"length short", Packet(kMagic, kVersion, 3, 1, stat_payload, -2)},
      {"length huge", Packet(kMagic, kVersion, 3, 1, stat_payload, 1ll << 31)},
      {"opcode zero", Packet(kMagic, kVersion, 0, 1, {})},
      {"opcode past end", Packet(kMagic, kVersion, kLastOpcode + 1, 1, {})},
      {"reply opcode",
       Packet(kMagic, kVersion, 3 | kReplyBit, 1, stat_payload)},
      {"error opcode", Packet(kMagic, kVersion, kErrorReply, 1, stat_payload)},
      {"truncated stat", Packet(kMagic, kVersion, 3, 1, {1, 0})},
      {"trailing byte", Packet(kMagic, kVersion, 3, 1, {1, 0, 0, 0, 9})},
      {"walk huge count", Packet(kMagic, kVersion, 2, 1, walk_huge_count)},
      {"walk long string", Packet(kMagic, kVersion, 2, 1, walk_long_string)},
      {"name with NUL", Packet(kMagic, kVersion, 5, 1, create_no_nul)},
      {"attach with payload", Packet(kMagic, kVersion, 1, 1, {0})},
  };
  for (const Case& c : cases) {
    absl::StatusOr<RawReply> reply = client().RoundTrip(c.packet);
    ASSERT_TRUE(reply.ok()) << c.what << ": " << reply.status();
    EXPECT_EQ(reply->header.opcode, kErrorReply) << c.what;
    EXPECT_TRUE(reply->fds.empty()) << c.what;
  }
  // The server is still serving normally.
  EXPECT_TRUE(client().GetStat(root_fid_).ok());
}

TEST_F(GoferTest, OversizedPacketGetsEmsgsize) {
  std::vector<uint8_t> big =
      Packet(kMagic, kVersion, 3, 42, std::vector<uint8_t>(kMaxMessageSize, 0));
  absl::StatusOr<RawReply> reply = client().RoundTrip(big);
  ASSERT_TRUE(reply.ok()) << reply.status();
  ASSERT_EQ(reply->header.opcode, kErrorReply);
  ErrorReply error;
  ASSERT_EQ(DecodePayload(reply->payload, &error), 0);
  EXPECT_EQ(error.error, static_cast<uint32_t>(EMSGSIZE));
  EXPECT_EQ(reply->header.tag, 42u);
  EXPECT_TRUE(client().GetStat(root_fid_).ok());
}

TEST_F(GoferTest, RequestCarryingFdsIsRefusedAndFdsClosed) {
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  std::vector<uint8_t> packet = EncodeMessage(
      static_cast<uint16_t>(Opcode::kStat), 5, FidRequest{root_fid_});
  struct iovec iov = {packet.data(), packet.size()};
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &pipe_fds[1], sizeof(int));
  ASSERT_EQ(sendmsg(client_socket(), &msg, 0),
            static_cast<ssize_t>(packet.size()));
  close(pipe_fds[1]);
  char buf[256];
  ssize_t n = recv(client_socket(), buf, sizeof(buf), 0);
  ASSERT_GE(n, static_cast<ssize_t>(kHeaderSize));
  Header h;
  ASSERT_EQ(
      ParseHeader(absl::Span<const uint8_t>(reinterpret_cast<uint8_t*>(buf), n),
                  &h),
      0);
  EXPECT_EQ(h.opcode, kErrorReply);
  // The server closed its copy of the write end: the pipe reports EOF.
  char byte;
  EXPECT_EQ(read(pipe_fds[0], &byte, 1), 0);
  close(pipe_fds[0]);
}

TEST_F(GoferTest, EmptyPacketClosesCleanly) {
  ASSERT_EQ(send(client_socket(), "", 0, 0), 0);
  char buf[64];
  EXPECT_EQ(recv(client_socket(), buf, sizeof(buf), 0), 0);  // hung up
  StopServer();  // expects Serve() to have returned OK
}

TEST_F(GoferTest, RandomAndMutatedMessages) {
  std::vector<std::string> outside_before = ListDir(outside_);
  std::mt19937_64 rng(0x60fe5);
  std::vector<std::vector<uint8_t>> seeds = Seeds(root_fid_);
  auto rand = [&](uint64_t n) { return n == 0 ? 0 : rng() % n; };
  constexpr int kIterations = 6000;
  for (int i = 0; i < kIterations; ++i) {
    std::vector<uint8_t> packet;
    switch (i % 6) {
      case 0: {  // pure noise
        packet.resize(rand(128) + 1);
        for (uint8_t& b : packet) b = static_cast<uint8_t>(rng());
        break;
      }
      case 1: {  // valid header, random opcode and payload
        std::vector<uint8_t> payload(rand(96));
        for (uint8_t& b : payload) b = static_cast<uint8_t>(rng());
        packet = Packet(kMagic, kVersion, static_cast<uint16_t>(rand(24)),
                        static_cast<uint32_t>(i), payload);
        break;
      }
      case 2: {  // a seed with random byte flips in the payload
        packet = seeds[rand(seeds.size())];
        int flips = static_cast<int>(rand(4)) + 1;
        for (int f = 0; f < flips && packet.size() > kHeaderSize; ++f) {
          packet[kHeaderSize + rand(packet.size() - kHeaderSize)] =
              static_cast<uint8_t>(rng());
        }
        break;
      }
      case 3: {  // a truncated seed, header length fixed up or not
        packet = seeds[rand(seeds.size())];
        packet.resize(rand(packet.size()) + 1);
        if (packet.size() >= kHeaderSize && rand(2) == 0) {
          Header h;
          ParseHeader(absl::Span<const uint8_t>(packet).subspan(0, kHeaderSize),
                      &h);
          h.magic = kMagic;
          h.version = kVersion;
          h.length = static_cast<uint32_t>(packet.size() - kHeaderSize);
          WriteHeader(h, packet.data());
        }
        break;
      }
      case 4: {  // a seed with a u16 length/count field set huge
        packet = seeds[rand(seeds.size())];
        if (packet.size() > kHeaderSize + 6) {
          size_t at = kHeaderSize + 4 + rand(packet.size() - kHeaderSize - 5);
          packet[at] = 0xff;
          packet[at + 1] = 0xff;
        }
        break;
      }
      case 5: {  // a seed with a random fid
        packet = seeds[rand(seeds.size())];
        if (packet.size() >= kHeaderSize + 4) {
          uint32_t fid = static_cast<uint32_t>(rng());
          std::memcpy(packet.data() + kHeaderSize, &fid, 4);
        }
        break;
      }
    }
    Header sent;
    bool parseable = ParseHeader(packet, &sent) == 0;
    absl::StatusOr<RawReply> reply = client().RoundTrip(packet);
    ASSERT_TRUE(reply.ok()) << "iteration " << i << ": " << reply.status();
    CheckReply(*reply, sent.opcode);
    if (!parseable) {
      EXPECT_EQ(reply->header.opcode, kErrorReply) << "iteration " << i;
    }
    // Fids that random Attach/Walk requests made are dropped again so the
    // table does not fill up; failures here are fine (EBADF).
    if (reply->header.opcode ==
            (static_cast<uint16_t>(Opcode::kWalk) | kReplyBit) ||
        reply->header.opcode ==
            (static_cast<uint16_t>(Opcode::kAttach) | kReplyBit)) {
      WireReader r(reply->payload);
      Fid fid = r.U32();
      if (fid != root_fid_) (void)client().Clunk(fid);
    }
  }
  EXPECT_TRUE(client().GetStat(root_fid_).ok());
  EXPECT_EQ(ListDir(outside_), outside_before);
}

// The same directly through Handle(), faster, with many more inputs: every
// reply is a well-formed packet within the size limit.
TEST(GoferHandleFuzz, HandleNeverMisbehaves) {
  TempDir temp;
  int root = open(temp.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(root, 0);
  GoferServer server(UniqueFd(root),
                     ServerOptions{.read_only = true, .max_fids = 64});
  std::mt19937_64 rng(1234);
  for (int i = 0; i < 50000; ++i) {
    std::vector<uint8_t> packet(rng() % 80);
    for (uint8_t& b : packet) b = static_cast<uint8_t>(rng());
    if (packet.size() >= kHeaderSize && (i % 2) == 0) {
      Header h{.opcode = static_cast<uint16_t>(rng() % 24),
               .tag = static_cast<uint32_t>(i),
               .length = static_cast<uint32_t>(packet.size() - kHeaderSize)};
      WriteHeader(h, packet.data());
    }
    GoferServer::Response response = server.Handle(packet);
    Header h;
    ASSERT_EQ(ParseHeader(response.bytes, &h), 0) << i;
    EXPECT_LE(response.bytes.size(), kMaxMessageSize);
    EXPECT_LE(server.fid_count(), 64u);
  }
}

}  // namespace
}  // namespace ringfence::gofer::testing
