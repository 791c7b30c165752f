#include "kernel/ktl/format.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "kernel/ktl/errno.h"

namespace ktl {
namespace {

template <typename... Args>
std::string F(const char* fmt, const Args&... args) {
  char buf[256];
  size_t n = FormatTo(buf, sizeof(buf), fmt, args...);
  EXPECT_EQ(n, std::string(buf).size());
  return buf;
}

TEST(FormatTest, Integers) {
  EXPECT_EQ(F("%d", 0), "0");
  EXPECT_EQ(F("%d %d", -42, 17), "-42 17");
  EXPECT_EQ(F("%ld", std::numeric_limits<int64_t>::min()), "-9223372036854775808");
  EXPECT_EQ(F("%lu", std::numeric_limits<uint64_t>::max()), "18446744073709551615");
  EXPECT_EQ(F("%u", 3000000000u), "3000000000");
  EXPECT_EQ(F("%x", 0xdeadbeefu), "deadbeef");
  EXPECT_EQ(F("%X", 0xdeadbeefu), "DEADBEEF");
  EXPECT_EQ(F("%lx", uint64_t{0x123456789abcdef0}), "123456789abcdef0");
  EXPECT_EQ(F("%x", -1), "ffffffffffffffff");  // sign-extended, as int64
  EXPECT_EQ(F("%d", static_cast<int8_t>(-5)), "-5");
  EXPECT_EQ(F("%d", true), "1");
}

TEST(FormatTest, WidthAndPadding) {
  EXPECT_EQ(F("[%5d]", 42), "[   42]");
  EXPECT_EQ(F("[%-5d]", 42), "[42   ]");
  EXPECT_EQ(F("[%05d]", 42), "[00042]");
  EXPECT_EQ(F("[%05d]", -42), "[-0042]");
  EXPECT_EQ(F("[%016lx]", uint64_t{0xabc}), "[0000000000000abc]");
  EXPECT_EQ(F("[%2d]", 12345), "[12345]");
  EXPECT_EQ(F("[%8s]", "ab"), "[      ab]");
  EXPECT_EQ(F("[%-8s]", "ab"), "[ab      ]");
  EXPECT_EQ(F("[%.3s]", "abcdef"), "[abc]");
  EXPECT_EQ(F("[%c%c]", 'o', 'k'), "[ok]");
}

TEST(FormatTest, StringsPointersPercent) {
  EXPECT_EQ(F("%s=%s", "a", StringView("bcd", 2)), "a=bc");
  EXPECT_EQ(F("%s", static_cast<const char*>(nullptr)), "(null)");
  EXPECT_EQ(F("%p", reinterpret_cast<void*>(0x7fff1000)), "0x7fff1000");
  EXPECT_EQ(F("%p", nullptr), "0x0");
  EXPECT_EQ(F("%p", uint64_t{0x1000}), "0x1000");
  EXPECT_EQ(F("100%%"), "100%");
  EXPECT_EQ(F("%s", ErrnoName(Errno::kENOENT)), "ENOENT");
}

TEST(FormatTest, TypeMismatchesAreVisibleNotUndefined) {
  EXPECT_EQ(F("%s", 42), "<?>");
  EXPECT_EQ(F("%d", "str"), "<?>");
  EXPECT_EQ(F("%d %d", 1), "1 <?>");
  EXPECT_EQ(F("%d", 1, 2), "1");
  EXPECT_EQ(F("%q", 1), "%q");
  EXPECT_EQ(F("trailing %"), "trailing ");
}

TEST(FormatTest, TruncationKeepsNulAndReportsWantedLength) {
  char buf[8];
  size_t n = FormatTo(buf, sizeof(buf), "%s-%d", "abcdef", 12345);
  EXPECT_EQ(n, 12u);
  EXPECT_STREQ(buf, "abcdef-");
  EXPECT_EQ(FormatTo(buf, 1, "xyz"), 3u);
  EXPECT_STREQ(buf, "");
  EXPECT_EQ(FormatTo(nullptr, 0, "%d", 123), 3u);  // size 0: nothing written
}

TEST(FormatTest, BuilderApi) {
  char buf[64];
  Formatter f(buf, sizeof(buf));
  f.AppendString("read(").AppendDec(3).AppendString(", ").AppendPointer(
      reinterpret_cast<void*>(0x1000));
  f.AppendString(", ").AppendUnsigned(4096).AppendChar(')').AppendString(" = ").AppendHex(
      0xff, 4, true, true);
  EXPECT_STREQ(f.c_str(), "read(3, 0x1000, 4096) = 00FF");
  EXPECT_FALSE(f.truncated());
  AppendFormat(f, " %s", "[ok]");
  EXPECT_STREQ(buf, "read(3, 0x1000, 4096) = 00FF [ok]");
}

enum class Color : uint8_t { kRed = 2 };

TEST(FormatTest, EnumsPrintAsTheirValue) { EXPECT_EQ(F("%d", Color::kRed), "2"); }

TEST(ErrnoTest, Names) {
  EXPECT_STREQ(ErrnoName(Errno::kEPERM), "EPERM");
  EXPECT_STREQ(ErrnoName(Errno::kENOEXEC), "ENOEXEC");
  EXPECT_STREQ(ErrnoName(Errno::kERESTARTSYS), "ERESTARTSYS");
  EXPECT_STREQ(ErrnoName(static_cast<Errno>(9999)), "E?");
}

}  // namespace
}  // namespace ktl
