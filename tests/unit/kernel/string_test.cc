#include "kernel/ktl/string.h"

#include <gtest/gtest.h>

#include <string>

#include "kernel/ktl/panic.h"

namespace ktl {
namespace {

TEST(StringTest, Basics) {
  EXPECT_EQ(StrLen(""), 0u);
  EXPECT_EQ(StrLen("abc"), 3u);
  EXPECT_EQ(StrNLen("abcdef", 4), 4u);
  EXPECT_EQ(StrNLen("ab", 4), 2u);
  EXPECT_EQ(StrCmp("abc", "abc"), 0);
  EXPECT_LT(StrCmp("abc", "abd"), 0);
  EXPECT_GT(StrCmp("abc", "ab"), 0);
  EXPECT_GT(StrCmp("\xff", "a"), 0);  // unsigned comparison
  EXPECT_EQ(MemCmp("abc", "abd", 2), 0);
  EXPECT_LT(MemCmp("abc", "abd", 3), 0);
  EXPECT_GT(MemCmp("\x80", "\x01", 1), 0);
}

TEST(StringTest, CopyMoveSet) {
  char buf[16];
  MemSet(buf, 'x', sizeof(buf));
  EXPECT_EQ(buf[15], 'x');
  MemCopy(buf, "hello", 6);
  EXPECT_STREQ(buf, "hello");
  MemMove(buf + 1, buf, 5);  // overlapping, forward
  EXPECT_EQ(std::string(buf, 6), "hhello");
  MemMove(buf, buf + 1, 5);  // overlapping, backward
  EXPECT_EQ(std::string(buf, 5), "hello");
  EXPECT_EQ(StrCopy(buf, "truncate me", 5), 11u);
  EXPECT_STREQ(buf, "trun");
}

TEST(StringViewTest, Operations) {
  StringView v("/usr/lib/ld.so");
  EXPECT_EQ(v.size(), 14u);
  EXPECT_TRUE(v.StartsWith("/usr"));
  EXPECT_FALSE(v.StartsWith("/lib"));
  EXPECT_TRUE(v.EndsWith(".so"));
  EXPECT_EQ(v.Find('/'), 0u);
  EXPECT_EQ(v.Find('/', 1), 4u);
  EXPECT_EQ(v.RFind('/'), 8u);
  EXPECT_EQ(v.Find('z'), StringView::kNpos);
  EXPECT_TRUE(v.Substr(9) == StringView("ld.so"));
  EXPECT_TRUE(v.Substr(100).empty());
  EXPECT_TRUE(v.Substr(1, 3) == StringView("usr"));
  EXPECT_TRUE(StringView() == StringView(""));
  EXPECT_TRUE(StringView("a") != StringView("b"));
}

TEST(PanicDeathTest, AssertPanicsWithLocation) {
  EXPECT_DEATH(KTL_ASSERT(1 + 1 == 3), "assertion failed: 1 \\+ 1 == 3");
  EXPECT_DEATH(Panic("boom"), "ktl::Panic: boom");
}

}  // namespace
}  // namespace ktl
