#include "kernel/loader/shebang.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace sentry::loader {
namespace {

struct Line {
  ktl::Errno error = ktl::Errno{0};
  std::string interpreter;
  std::optional<std::string> argument;
};

Line Parse(const std::string& head) {
  auto parsed = ParseShebang({head.data(), head.size()});
  Line line;
  if (!parsed.ok()) {
    line.error = parsed.error();
    return line;
  }
  const Shebang& s = parsed.value();
  line.interpreter.assign(s.interpreter.data(), s.interpreter.size());
  if (s.argument) line.argument = std::string(s.argument->data(), s.argument->size());
  return line;
}

TEST(ShebangTest, InterpreterOnly) {
  Line l = Parse("#!/bin/sh\necho hi\n");
  EXPECT_EQ(l.error, ktl::Errno{0});
  EXPECT_EQ(l.interpreter, "/bin/sh");
  EXPECT_FALSE(l.argument);
}

TEST(ShebangTest, OneArgumentKeepsInnerSpaces) {
  Line l = Parse("#!  /usr/bin/env   python3 -u  -B \t\nprint(1)\n");
  EXPECT_EQ(l.interpreter, "/usr/bin/env");
  ASSERT_TRUE(l.argument);
  EXPECT_EQ(*l.argument, "python3 -u  -B");
}

TEST(ShebangTest, TabSeparatesTheArgument) {
  Line l = Parse("#!/bin/sh\t-e\n");
  EXPECT_EQ(l.interpreter, "/bin/sh");
  ASSERT_TRUE(l.argument);
  EXPECT_EQ(*l.argument, "-e");
}

TEST(ShebangTest, TrailingBlanksAreNoArgument) {
  Line l = Parse("#!/bin/sh   \t\n");
  EXPECT_EQ(l.interpreter, "/bin/sh");
  EXPECT_FALSE(l.argument);
}

TEST(ShebangTest, NoNewlineInShortFile) {
  Line l = Parse("#!/bin/true");
  EXPECT_EQ(l.error, ktl::Errno{0});
  EXPECT_EQ(l.interpreter, "/bin/true");
  EXPECT_FALSE(l.argument);
  Line with_argument = Parse("#!/bin/echo one two");
  EXPECT_EQ(with_argument.interpreter, "/bin/echo");
  EXPECT_EQ(with_argument.argument.value_or("<none>"), "one two");
}

TEST(ShebangTest, RelativeInterpreter) {
  Line l = Parse("#!interp\n");
  EXPECT_EQ(l.interpreter, "interp");
}

TEST(ShebangTest, NotAScript) {
  EXPECT_EQ(Parse("").error, ktl::Errno::kENOEXEC);
  EXPECT_EQ(Parse("#").error, ktl::Errno::kENOEXEC);
  EXPECT_EQ(Parse("# !/bin/sh\n").error, ktl::Errno::kENOEXEC);
  EXPECT_EQ(Parse("\x7f" "ELF").error, ktl::Errno::kENOEXEC);
}

TEST(ShebangTest, NoInterpreterName) {
  EXPECT_EQ(Parse("#!\n").error, ktl::Errno::kENOEXEC);
  EXPECT_EQ(Parse("#!   \t \n/bin/sh\n").error, ktl::Errno::kENOEXEC);
  EXPECT_EQ(Parse(std::string("#!  ") + std::string(300, ' ')).error, ktl::Errno::kENOEXEC);
}

TEST(ShebangTest, NulRightAfterTheBlanksIsAnEmptyName) {
  // Without a newline the name only has to end before the window does; a
  // NUL (the file's end) right away makes it empty, as Linux parses it.
  for (const std::string& head : {std::string("#!"), std::string("#!  \t"),
                                  std::string("#! \0 x\n", 7)}) {
    Line l = Parse(head);
    EXPECT_EQ(l.error, ktl::Errno{0});
    EXPECT_EQ(l.interpreter, "");
    EXPECT_FALSE(l.argument);
  }
}

TEST(ShebangTest, LongLineIsCutBeforeTheLastByte) {
  // No newline within 256 bytes: the line is bytes [0, 255).
  std::string head = "#!/bin/sh " + std::string(300, 'a');
  Line l = Parse(head);
  EXPECT_EQ(l.error, ktl::Errno{0});
  EXPECT_EQ(l.interpreter, "/bin/sh");
  ASSERT_TRUE(l.argument);
  EXPECT_EQ(*l.argument, std::string(255 - 10, 'a'));
}

TEST(ShebangTest, NewlineAtTheLastByteEndsTheLine) {
  std::string head = "#!/bin/sh " + std::string(245, 'b') + "\n" + "more";
  ASSERT_EQ(head.find('\n'), 255u);
  Line l = Parse(head);
  ASSERT_TRUE(l.argument);
  EXPECT_EQ(*l.argument, std::string(245, 'b'));
}

TEST(ShebangTest, TruncatedInterpreterNameIsRefused) {
  // The name runs past the 256-byte window: it might be cut, so ENOEXEC.
  EXPECT_EQ(Parse("#!/" + std::string(400, 'x')).error, ktl::Errno::kENOEXEC);
  // A name that ends inside the window, even with a long argument after it,
  // is fine.
  EXPECT_EQ(Parse("#!/" + std::string(100, 'x') + " " + std::string(400, 'y')).error,
            ktl::Errno{0});
}

TEST(ShebangTest, EmbeddedNulEndsTheName) {
  Line l = Parse(std::string("#!/bin/sh\0 -x\n", 14));
  EXPECT_EQ(l.error, ktl::Errno{0});
  EXPECT_EQ(l.interpreter, "/bin/sh");
  EXPECT_FALSE(l.argument);
}

TEST(ShebangTest, EmbeddedNulEndsTheArgument) {
  Line l = Parse(std::string("#!/bin/sh -x\0-y\n", 16));
  EXPECT_EQ(l.interpreter, "/bin/sh");
  EXPECT_EQ(l.argument.value_or("<none>"), "-x");
}

}  // namespace
}  // namespace sentry::loader
