// The wire codec on its own: round trips, strict bounds, name validation.
#include "gofer/protocol.h"

#include <cerrno>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace ringfence::gofer {
namespace {

template <typename M>
int RoundTrip(const M& in, M* out) {
  std::vector<uint8_t> bytes = EncodeMessage(1, 7, in);
  Header h;
  if (int err = ParseHeader(bytes, &h); err != 0) return err;
  EXPECT_EQ(h.tag, 7u);
  return DecodePayload(absl::Span<const uint8_t>(bytes).subspan(kHeaderSize),
                       out);
}

TEST(ProtocolTest, NameValidation) {
  EXPECT_TRUE(IsValidName("a"));
  EXPECT_TRUE(IsValidName("..."));
  EXPECT_TRUE(IsValidName(".hidden"));
  EXPECT_TRUE(IsValidName(std::string(255, 'x')));
  EXPECT_FALSE(IsValidName(""));
  EXPECT_FALSE(IsValidName("."));
  EXPECT_FALSE(IsValidName(".."));
  EXPECT_FALSE(IsValidName("a/b"));
  EXPECT_FALSE(IsValidName("/"));
  EXPECT_FALSE(IsValidName(std::string("a\0", 2)));
  EXPECT_FALSE(IsValidName(std::string(256, 'x')));
}

TEST(ProtocolTest, HeaderLayoutIsLittleEndian) {
  std::vector<uint8_t> bytes = EncodeMessage(
      static_cast<uint16_t>(Opcode::kStat), 0x01020304, FidRequest{0xaabbccdd});
  ASSERT_EQ(bytes.size(), kHeaderSize + 4);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 4), "RFG1");
  EXPECT_EQ(bytes[4], 1);  // version
  EXPECT_EQ(bytes[6], 3);  // opcode
  EXPECT_EQ(bytes[8], 0x04);
  EXPECT_EQ(bytes[12], 4);  // payload length
  EXPECT_EQ(bytes[16], 0xdd);
}

TEST(ProtocolTest, HeaderChecks) {
  std::vector<uint8_t> good = EncodeMessage(1, 9, FidRequest{1});
  Header h;
  EXPECT_EQ(ParseHeader(good, &h), 0);
  EXPECT_EQ(ParseHeader(absl::Span<const uint8_t>(good).subspan(0, 15), &h),
            EBADMSG);
  std::vector<uint8_t> bad = good;
  bad[0] ^= 1;
  EXPECT_EQ(ParseHeader(bad, &h), EBADMSG);
  bad = good;
  bad[4] = 2;
  EXPECT_EQ(ParseHeader(bad, &h), EPROTONOSUPPORT);
  EXPECT_EQ(h.tag, 9u);  // still echoed
  bad = good;
  bad[12] = 5;  // claims one byte more than sent
  EXPECT_EQ(ParseHeader(bad, &h), EBADMSG);
  bad = good;
  bad.push_back(0);  // one byte more than claimed
  EXPECT_EQ(ParseHeader(bad, &h), EBADMSG);
}

TEST(ProtocolTest, WalkRoundTripAndLimits) {
  WalkRequest in{.fid = 3, .names = {"a", "b", std::string(255, 'c')}};
  WalkRequest out;
  ASSERT_EQ(RoundTrip(in, &out), 0);
  EXPECT_EQ(out.fid, 3u);
  EXPECT_EQ(out.names, in.names);

  in.names.assign(kMaxWalkNames + 1, "x");
  EXPECT_EQ(RoundTrip(in, &out), EBADMSG);
  in.names = {".."};
  EXPECT_EQ(RoundTrip(in, &out), EINVAL);
  in.names = {"a/b"};
  EXPECT_EQ(RoundTrip(in, &out), EINVAL);
  in.names = {std::string(256, 'x')};
  EXPECT_EQ(RoundTrip(in, &out), EINVAL);
}

TEST(ProtocolTest, CountsAndLengthsPastTheEnd) {
  // Walk: fid, count 0xffff, nothing else.
  WireWriter w;
  w.U32(1);
  w.U16(0xffff);
  WalkRequest out;
  EXPECT_EQ(DecodePayload(w.bytes(), &out), EBADMSG);
  // A string length pointing past the end.
  WireWriter s;
  s.U32(1);
  s.U16(1);
  s.U16(200);
  s.U8('a');
  EXPECT_EQ(DecodePayload(s.bytes(), &out), EBADMSG);
  // Trailing bytes are refused.
  WireWriter t;
  t.U32(1);
  t.U8(0);
  FidRequest fid;
  EXPECT_EQ(DecodePayload(t.bytes(), &fid), EBADMSG);
  // Truncated fixed fields.
  EXPECT_EQ(
      DecodePayload(absl::Span<const uint8_t>(t.bytes()).subspan(0, 3), &fid),
      EBADMSG);
}

TEST(ProtocolTest, StatAndRepliesRoundTrip) {
  Stat st{.mode = 0100644,
          .nlink = 2,
          .uid = 3,
          .gid = 4,
          .size = 5,
          .blocks = 6,
          .blksize = 4096,
          .dev = 1,
          .ino = 99,
          .atime = {1, 2},
          .mtime = {3, 4},
          .ctime = {5, 6}};
  WalkReply in{.fid = 8, .status = WalkStatus::kSymlink, .stats = {st, st}};
  WalkReply out;
  ASSERT_EQ(RoundTrip(in, &out), 0);
  EXPECT_EQ(out.fid, 8u);
  EXPECT_EQ(out.status, WalkStatus::kSymlink);
  ASSERT_EQ(out.stats.size(), 2u);
  EXPECT_EQ(out.stats[1].ino, 99u);
  EXPECT_EQ(out.stats[1].ctime, (Timespec{5, 6}));

  GetdentsReply dents{
      .entries = {{.ino = 1, .next_cookie = 2, .type = 4, .name = "x"}}};
  GetdentsReply dents_out;
  ASSERT_EQ(RoundTrip(dents, &dents_out), 0);
  EXPECT_EQ(dents_out.entries[0].name, "x");

  SetattrRequest sa{.fid = 1,
                    .mask = kSetattrAll,
                    .mode = 0755,
                    .uid = 1,
                    .gid = 2,
                    .size = 3,
                    .atime = {4, 5},
                    .mtime = {6, 7}};
  SetattrRequest sa_out;
  ASSERT_EQ(RoundTrip(sa, &sa_out), 0);
  EXPECT_EQ(sa_out.mtime, (Timespec{6, 7}));

  SymlinkRequest sym{.dir_fid = 1, .name = "l", .target = "../../x"};
  SymlinkRequest sym_out;
  ASSERT_EQ(RoundTrip(sym, &sym_out), 0);
  EXPECT_EQ(sym_out.target, "../../x");
  sym.target = "";
  EXPECT_EQ(RoundTrip(sym, &sym_out), EINVAL);
  sym.target = std::string("a\0b", 3);
  EXPECT_EQ(RoundTrip(sym, &sym_out), EINVAL);
}

TEST(ProtocolTest, XattrNamesAreChecked) {
  GetxattrRequest g{.fid = 1, .name = "user.a", .size = 3};
  GetxattrRequest g_out;
  ASSERT_EQ(RoundTrip(g, &g_out), 0);
  g.name = "";
  EXPECT_EQ(RoundTrip(g, &g_out), EINVAL);
  g.name = std::string(256, 'u');
  EXPECT_EQ(RoundTrip(g, &g_out), EINVAL);
  SetxattrRequest s{.fid = 1,
                    .name = "user.a",
                    .value = std::string(kMaxXattrValue + 1, 'v')};
  SetxattrRequest s_out;
  EXPECT_EQ(RoundTrip(s, &s_out), EBADMSG);
}

TEST(ProtocolTest, OpcodeNames) {
  EXPECT_STREQ(OpcodeName(static_cast<uint16_t>(Opcode::kWalk)), "Walk");
  EXPECT_STREQ(OpcodeName(static_cast<uint16_t>(Opcode::kWalk) | kReplyBit),
               "Walk");
  EXPECT_STREQ(OpcodeName(999), "Unknown");
}

}  // namespace
}  // namespace ringfence::gofer
