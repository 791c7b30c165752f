// rename(2)/renameat2(2) edge cases.
#include <string>

#include "tests/unit/kernel/vfs_test_fixture.h"

namespace sentry::vfs::testing {
namespace {

using ktl::Errno;

class RenameTest : public VfsTest {};

TEST_F(RenameTest, FileToNewNameAndOverAnotherFile) {
  ASSERT_EQ(WriteFile("/a", "A"), Errno{0});
  ASSERT_EQ(WriteFile("/b", "B"), Errno{0});
  uint64_t a_ino = StatOf("/a").ino;
  EXPECT_EQ(Rename("/a", "/c"), Errno{0});
  EXPECT_EQ(StatError("/a"), Errno::kENOENT);
  EXPECT_EQ(StatOf("/c").ino, a_ino);
  EXPECT_EQ(Rename("/c", "/b"), Errno{0});
  EXPECT_EQ(ReadFile("/b"), "A");
  EXPECT_EQ(StatError("/c"), Errno::kENOENT);
  EXPECT_EQ(Rename("/missing", "/x"), Errno::kENOENT);
  EXPECT_EQ(Rename("/b", "/nodir/x"), Errno::kENOENT);
}

TEST_F(RenameTest, ReplacedFileStaysReadableWhileOpen) {
  ASSERT_EQ(WriteFile("/old", "old"), Errno{0});
  ASSERT_EQ(WriteFile("/new", "new"), Errno{0});
  auto f = vfs_.Open(AsRoot(), "/old", kO_RDONLY, 0);
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(Rename("/new", "/old"), Errno{0});
  EXPECT_EQ(ReadAll(*f.value()), "old");
  EXPECT_EQ(ReadFile("/old"), "new");
}

TEST_F(RenameTest, DirectoryMovesWithItsContents) {
  ASSERT_EQ(Mkdir("/d"), Errno{0});
  ASSERT_EQ(Mkdir("/d/sub"), Errno{0});
  ASSERT_EQ(WriteFile("/d/sub/f", "deep"), Errno{0});
  ASSERT_EQ(Mkdir("/p"), Errno{0});
  EXPECT_EQ(Rename("/d", "/p/moved"), Errno{0});
  EXPECT_EQ(ReadFile("/p/moved/sub/f"), "deep");
  EXPECT_EQ(StatOf("/p").nlink, 3u);
  EXPECT_EQ(StatOf("/").nlink, 3u);  // lost /d, still has /p
  EXPECT_EQ(StatOf("/p/moved/..").ino, StatOf("/p").ino);
  // getdents' ".." follows the move too.
  auto names = List("/p/moved");
  EXPECT_EQ(names.size(), 3u);
}

TEST_F(RenameTest, DirectoryIntoItsOwnSubdirectoryIsEinval) {
  ASSERT_EQ(Mkdir("/d"), Errno{0});
  ASSERT_EQ(Mkdir("/d/sub"), Errno{0});
  EXPECT_EQ(Rename("/d", "/d/sub/x"), Errno::kEINVAL);
  EXPECT_EQ(Rename("/d", "/d/x"), Errno::kEINVAL);
  // The other way round: the target is an ancestor of the source.
  EXPECT_EQ(Rename("/d/sub", "/d"), Errno::kENOTEMPTY);
}

TEST_F(RenameTest, OverDirectories) {
  ASSERT_EQ(Mkdir("/d1"), Errno{0});
  ASSERT_EQ(Mkdir("/d2"), Errno{0});
  ASSERT_EQ(Mkdir("/full"), Errno{0});
  ASSERT_EQ(WriteFile("/full/f", ""), Errno{0});
  ASSERT_EQ(WriteFile("/file", ""), Errno{0});
  EXPECT_EQ(Rename("/d1", "/full"), Errno::kENOTEMPTY);
  EXPECT_EQ(Rename("/file", "/d1"), Errno::kEISDIR);
  EXPECT_EQ(Rename("/d1", "/file"), Errno::kENOTDIR);
  uint64_t d1 = StatOf("/d1").ino;
  EXPECT_EQ(Rename("/d1", "/d2"), Errno{0});  // over an empty directory
  EXPECT_EQ(StatOf("/d2").ino, d1);
  EXPECT_EQ(StatOf("/").nlink, 4u);  // d2, full + . + ..
}

TEST_F(RenameTest, TrailingSlashes) {
  ASSERT_EQ(WriteFile("/f", ""), Errno{0});
  ASSERT_EQ(Mkdir("/d"), Errno{0});
  EXPECT_EQ(Rename("/f/", "/g"), Errno::kENOTDIR);
  EXPECT_EQ(Rename("/f", "/g/"), Errno::kENOTDIR);
  EXPECT_EQ(Rename("/d/", "/e/"), Errno{0});
  EXPECT_TRUE(IsDirMode(StatOf("/e").mode));
}

TEST_F(RenameTest, SameInodeIsANoOp) {
  ASSERT_EQ(WriteFile("/f", "x"), Errno{0});
  ASSERT_EQ(ErrorOf(vfs_.Link(AsRoot(), "/f", AsRoot(), "/hard", 0)), Errno{0});
  EXPECT_EQ(Rename("/f", "/hard"), Errno{0});
  // Both names survive (rename(2): "does nothing").
  EXPECT_EQ(StatError("/f"), Errno{0});
  EXPECT_EQ(StatError("/hard"), Errno{0});
  EXPECT_EQ(StatOf("/f").nlink, 2u);
  EXPECT_EQ(Rename("/f", "/f"), Errno{0});
  ASSERT_EQ(Mkdir("/d"), Errno{0});
  EXPECT_EQ(Rename("/d", "/d"), Errno{0});
  EXPECT_EQ(Rename("/d", "/d/."), Errno::kEBUSY);
}

TEST_F(RenameTest, DotAndDotDot) {
  ASSERT_EQ(Mkdir("/d"), Errno{0});
  EXPECT_EQ(Rename("/d/.", "/x"), Errno::kEBUSY);
  EXPECT_EQ(Rename("/d/..", "/x"), Errno::kEBUSY);
  EXPECT_EQ(Rename("/", "/x"), Errno::kEBUSY);
  EXPECT_EQ(Rename("/d", "/."), Errno::kEBUSY);
  EXPECT_EQ(Rename("/d", "/..", kRENAME_NOREPLACE), Errno::kEEXIST);
}

TEST_F(RenameTest, Noreplace) {
  ASSERT_EQ(WriteFile("/a", "A"), Errno{0});
  ASSERT_EQ(WriteFile("/b", "B"), Errno{0});
  EXPECT_EQ(Rename("/a", "/b", kRENAME_NOREPLACE), Errno::kEEXIST);
  EXPECT_EQ(ReadFile("/b"), "B");
  EXPECT_EQ(Rename("/a", "/c", kRENAME_NOREPLACE), Errno{0});
  EXPECT_EQ(ReadFile("/c"), "A");
  EXPECT_EQ(Rename("/c", "/b", kRENAME_NOREPLACE | kRENAME_EXCHANGE), Errno::kEINVAL);
  EXPECT_EQ(Rename("/c", "/b", 0x80), Errno::kEINVAL);
}

TEST_F(RenameTest, Exchange) {
  ASSERT_EQ(WriteFile("/f", "file"), Errno{0});
  ASSERT_EQ(Mkdir("/d"), Errno{0});
  ASSERT_EQ(WriteFile("/d/inner", "in"), Errno{0});
  ASSERT_EQ(Mkdir("/p"), Errno{0});
  ASSERT_EQ(WriteFile("/p/g", "g"), Errno{0});
  EXPECT_EQ(Rename("/f", "/missing", kRENAME_EXCHANGE), Errno::kENOENT);
  // A file and a directory trade places (in different parents).
  EXPECT_EQ(Rename("/d", "/p/g", kRENAME_EXCHANGE), Errno{0});
  EXPECT_TRUE(IsRegularMode(StatOf("/d").mode));
  EXPECT_EQ(ReadFile("/d"), "g");
  EXPECT_EQ(ReadFile("/p/g/inner"), "in");
  EXPECT_EQ(StatOf("/p").nlink, 3u);  // gained a subdirectory
  EXPECT_EQ(StatOf("/").nlink, 3u);   // lost /d as a directory, has /p
  EXPECT_EQ(StatOf("/p/g/..").ino, StatOf("/p").ino);
  // Two files.
  EXPECT_EQ(Rename("/f", "/d", kRENAME_EXCHANGE), Errno{0});
  EXPECT_EQ(ReadFile("/f"), "g");
  EXPECT_EQ(ReadFile("/d"), "file");
  // Exchange with an ancestor is EINVAL either way.
  EXPECT_EQ(Rename("/p/g", "/p", kRENAME_EXCHANGE), Errno::kEINVAL);
  EXPECT_EQ(Rename("/p", "/p/g", kRENAME_EXCHANGE), Errno::kEINVAL);
}

TEST_F(RenameTest, AcrossMountsIsExdev) {
  ASSERT_EQ(Mkdir("/mnt"), Errno{0});
  ASSERT_TRUE(vfs_.Mount(AsRoot(), "/mnt", NewTmpfs(), 0).ok());
  ASSERT_EQ(WriteFile("/f", "x"), Errno{0});
  ASSERT_EQ(WriteFile("/mnt/g", "y"), Errno{0});
  EXPECT_EQ(Rename("/f", "/mnt/f"), Errno::kEXDEV);
  EXPECT_EQ(Rename("/mnt/g", "/g"), Errno::kEXDEV);
  EXPECT_EQ(Rename("/f", "/mnt/g", kRENAME_EXCHANGE), Errno::kEXDEV);
  // A bind mount of the same file system is a different mount: EXDEV too.
  ASSERT_EQ(Mkdir("/src"), Errno{0});
  ASSERT_EQ(Mkdir("/bind"), Errno{0});
  ASSERT_TRUE(vfs_.BindMount(AsRoot(), "/src", "/bind", 0).ok());
  EXPECT_EQ(Rename("/f", "/bind/f"), Errno::kEXDEV);
  // Within the bind mount it works, and shows through the original.
  ASSERT_EQ(WriteFile("/bind/a", "a"), Errno{0});
  EXPECT_EQ(Rename("/bind/a", "/bind/b"), Errno{0});
  EXPECT_EQ(ReadFile("/src/b"), "a");
}

TEST_F(RenameTest, CachedDentriesFollowTheRename) {
  ASSERT_EQ(Mkdir("/d"), Errno{0});
  ASSERT_EQ(WriteFile("/d/f", "x"), Errno{0});
  cwd_ = Resolve("/d");
  ASSERT_EQ(Rename("/d", "/e"), Errno{0});
  // The cwd moved with the directory.
  EXPECT_EQ(ReadFile("f"), "x");
  char out[32];
  ASSERT_TRUE(vfs_.PathName(root_, cwd_, out).ok());
  EXPECT_EQ(std::string(out), "/e");
  cwd_ = root_;
  EXPECT_EQ(StatError("/d"), Errno::kENOENT);
  EXPECT_EQ(ReadFile("/e/f"), "x");
}

}  // namespace
}  // namespace sentry::vfs::testing
