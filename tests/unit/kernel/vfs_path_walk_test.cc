// Path resolution: path_resolution(7) edge cases.
#include <string>

#include "tests/unit/kernel/vfs_test_fixture.h"

namespace sentry::vfs::testing {
namespace {

using ktl::Errno;

class PathWalkTest : public VfsTest {};

TEST_F(PathWalkTest, AbsoluteAndRelative) {
  ASSERT_EQ(Mkdir("/a"), Errno{0});
  ASSERT_EQ(Mkdir("/a/b"), Errno{0});
  ASSERT_EQ(WriteFile("/a/b/f", "x"), Errno{0});
  uint64_t ino = StatOf("/a/b/f").ino;
  EXPECT_EQ(StatOf("a/b/f").ino, ino);
  EXPECT_EQ(StatOf("//a///b//f").ino, ino);
  EXPECT_EQ(StatOf("/a/./b/../b/f").ino, ino);
  cwd_ = Resolve("/a");
  EXPECT_EQ(StatOf("b/f").ino, ino);
  EXPECT_EQ(StatOf("./b/./f").ino, ino);
  EXPECT_EQ(StatOf("../a/b/f").ino, ino);
  EXPECT_EQ(StatOf(".").ino, StatOf("/a").ino);
  EXPECT_EQ(StatOf("..").ino, StatOf("/").ino);
}

TEST_F(PathWalkTest, EmptyPath) {
  EXPECT_EQ(StatError(""), Errno::kENOENT);
  // AT_EMPTY_PATH: the start directory itself.
  cwd_ = Resolve("/");
  EXPECT_EQ(StatError("", kAT_EMPTY_PATH), Errno{0});
}

TEST_F(PathWalkTest, MissingComponents) {
  EXPECT_EQ(StatError("/nope"), Errno::kENOENT);
  EXPECT_EQ(StatError("/nope/x"), Errno::kENOENT);
  ASSERT_EQ(WriteFile("/file", "x"), Errno{0});
  EXPECT_EQ(StatError("/file/x"), Errno::kENOTDIR);
  EXPECT_EQ(StatError("/file/"), Errno::kENOTDIR);
  EXPECT_EQ(StatError("/file/."), Errno::kENOTDIR);
  EXPECT_EQ(StatError("/file/.."), Errno::kENOTDIR);
}

TEST_F(PathWalkTest, RelativeFromNonDirectoryStart) {
  ASSERT_EQ(WriteFile("/file", "x"), Errno{0});
  Path file = Resolve("/file");
  EXPECT_EQ(ErrorOf(vfs_.Stat(From(file, root_creds_), "x", 0)), Errno::kENOTDIR);
  // ...but AT_EMPTY_PATH on it works (fstatat(fd, "", AT_EMPTY_PATH)).
  auto attr = vfs_.Stat(From(file, root_creds_), "", kAT_EMPTY_PATH);
  ASSERT_TRUE(attr.ok());
  EXPECT_TRUE(IsRegularMode(attr.value().mode));
  // An absolute path ignores the start.
  EXPECT_TRUE(vfs_.Stat(From(file, root_creds_), "/file", 0).ok());
}

TEST_F(PathWalkTest, NameAndPathLimits) {
  std::string name255(255, 'n');
  std::string name256(256, 'n');
  ASSERT_EQ(WriteFile(("/" + name255).c_str(), ""), Errno{0});
  EXPECT_EQ(StatError(("/" + name255).c_str()), Errno{0});
  EXPECT_EQ(StatError(("/" + name256).c_str()), Errno::kENAMETOOLONG);
  EXPECT_EQ(Mkdir(("/" + name256).c_str()), Errno::kENAMETOOLONG);
  // 4095 bytes is fine (PATH_MAX counts the NUL), 4096 is not.
  std::string path;
  while (path.size() + 2 <= 4095) path += "/.";
  path.resize(4095, '/');
  EXPECT_EQ(StatError(path.c_str()), Errno{0});
  path += "/";
  EXPECT_EQ(StatError(path.c_str()), Errno::kENAMETOOLONG);
}

TEST_F(PathWalkTest, DotDotAtRootStaysAtRoot) {
  uint64_t root_ino = StatOf("/").ino;
  EXPECT_EQ(StatOf("/..").ino, root_ino);
  EXPECT_EQ(StatOf("/../../..").ino, root_ino);
  EXPECT_EQ(StatOf("../..").ino, root_ino);
}

TEST_F(PathWalkTest, DotDotNeverEscapesChroot) {
  ASSERT_EQ(Mkdir("/jail"), Errno{0});
  ASSERT_EQ(Mkdir("/jail/sub"), Errno{0});
  ASSERT_EQ(WriteFile("/secret", "s"), Errno{0});
  ASSERT_EQ(WriteFile("/jail/inside", "i"), Errno{0});
  Path jail = Resolve("/jail");
  Caller jailed{jail, jail, root_creds_, 022};
  EXPECT_EQ(ErrorOf(vfs_.Stat(jailed, "/secret", 0)), Errno::kENOENT);
  EXPECT_EQ(ErrorOf(vfs_.Stat(jailed, "../secret", 0)), Errno::kENOENT);
  EXPECT_EQ(ErrorOf(vfs_.Stat(jailed, "sub/../../../secret", 0)), Errno::kENOENT);
  EXPECT_TRUE(vfs_.Stat(jailed, "/inside", 0).ok());
  EXPECT_TRUE(vfs_.Stat(jailed, "/../inside", 0).ok());
  EXPECT_EQ(vfs_.Stat(jailed, "/..", 0).value().ino, Resolve("/jail").inode().ino());
}

TEST_F(PathWalkTest, AbsoluteSymlinksResolveAgainstProcessRoot) {
  ASSERT_EQ(Mkdir("/jail"), Errno{0});
  ASSERT_EQ(Mkdir("/jail/etc"), Errno{0});
  ASSERT_EQ(Mkdir("/etc"), Errno{0});
  ASSERT_EQ(WriteFile("/etc/passwd", "host"), Errno{0});
  ASSERT_EQ(WriteFile("/jail/etc/passwd", "jail"), Errno{0});
  ASSERT_EQ(Symlink("/etc/passwd", "/jail/link"), Errno{0});
  ASSERT_EQ(Symlink("../../../../etc/passwd", "/jail/up"), Errno{0});
  Path jail = Resolve("/jail");
  Caller jailed{jail, jail, root_creds_, 022};
  for (const char* link : {"link", "up"}) {
    auto file = vfs_.Open(jailed, link, kO_RDONLY, 0);
    ASSERT_TRUE(file.ok()) << link;
    EXPECT_EQ(ReadAll(*file.value()), "jail") << link;
  }
  // From the real root, the same link reaches the host file.
  EXPECT_EQ(ReadFile("/jail/link"), "host");
}

TEST_F(PathWalkTest, SymlinksFollowedInTheMiddleAndAtTheEnd) {
  ASSERT_EQ(Mkdir("/dir"), Errno{0});
  ASSERT_EQ(WriteFile("/dir/f", "data"), Errno{0});
  ASSERT_EQ(Symlink("dir", "/rel"), Errno{0});
  ASSERT_EQ(Symlink("/dir/f", "/abs"), Errno{0});
  ASSERT_EQ(Symlink("rel/f", "/chain"), Errno{0});
  EXPECT_EQ(ReadFile("/rel/f"), "data");
  EXPECT_EQ(ReadFile("/abs"), "data");
  EXPECT_EQ(ReadFile("/chain"), "data");
  // lstat does not follow the last component, stat does.
  EXPECT_TRUE(IsSymlinkMode(StatOf("/abs", kAT_SYMLINK_NOFOLLOW).mode));
  EXPECT_TRUE(IsRegularMode(StatOf("/abs").mode));
  EXPECT_EQ(StatOf("/abs", kAT_SYMLINK_NOFOLLOW).size, 6u);
  // Dangling.
  ASSERT_EQ(Symlink("/missing", "/dangling"), Errno{0});
  EXPECT_EQ(StatError("/dangling"), Errno::kENOENT);
  EXPECT_EQ(StatError("/dangling", kAT_SYMLINK_NOFOLLOW), Errno{0});
}

TEST_F(PathWalkTest, SymlinkToDirectoryWithTrailingSlash) {
  ASSERT_EQ(Mkdir("/dir"), Errno{0});
  ASSERT_EQ(WriteFile("/file", "x"), Errno{0});
  ASSERT_EQ(Symlink("dir", "/dlink"), Errno{0});
  ASSERT_EQ(Symlink("file", "/flink"), Errno{0});
  // A trailing slash follows the link even for lstat.
  EXPECT_TRUE(IsDirMode(StatOf("/dlink/", kAT_SYMLINK_NOFOLLOW).mode));
  EXPECT_TRUE(IsSymlinkMode(StatOf("/dlink", kAT_SYMLINK_NOFOLLOW).mode));
  EXPECT_EQ(StatError("/flink/"), Errno::kENOTDIR);
  EXPECT_EQ(StatError("/flink/", kAT_SYMLINK_NOFOLLOW), Errno::kENOTDIR);
  EXPECT_TRUE(IsDirMode(StatOf("/dir/").mode));
  EXPECT_TRUE(IsDirMode(StatOf("/dir//").mode));
}

TEST_F(PathWalkTest, SymlinkLoopsAreEloop) {
  ASSERT_EQ(Symlink("b", "/a"), Errno{0});
  ASSERT_EQ(Symlink("a", "/b"), Errno{0});
  EXPECT_EQ(StatError("/a"), Errno::kELOOP);
  EXPECT_EQ(StatError("/a/x"), Errno::kELOOP);
  ASSERT_EQ(Symlink("self", "/self"), Errno{0});
  EXPECT_EQ(StatError("/self"), Errno::kELOOP);
  EXPECT_EQ(ErrorOf(vfs_.Open(AsRoot(), "/self", kO_RDONLY, 0)), Errno::kELOOP);
  // lstat of a looping link is fine.
  EXPECT_EQ(StatError("/self", kAT_SYMLINK_NOFOLLOW), Errno{0});
}

TEST_F(PathWalkTest, FortySymlinksAreAllowedFortyOneAreNot) {
  ASSERT_EQ(Mkdir("/d"), Errno{0});
  ASSERT_EQ(WriteFile("/d/target", "end"), Errno{0});
  // l0 -> target, l1 -> l0, ... l40 -> l39: resolving lN follows N+1 links.
  ASSERT_EQ(Symlink("target", "/d/l0"), Errno{0});
  for (int i = 1; i <= 40; ++i) {
    std::string from = "/d/l" + std::to_string(i);
    std::string to = "l" + std::to_string(i - 1);
    ASSERT_EQ(Symlink(to.c_str(), from.c_str()), Errno{0});
  }
  EXPECT_EQ(ReadFile("/d/l39"), "end");
  EXPECT_EQ(StatError("/d/l40"), Errno::kELOOP);
  // Links in the middle of a path count too.
  ASSERT_EQ(Mkdir("/d/sub"), Errno{0});
  ASSERT_EQ(Symlink("sub", "/d/m0"), Errno{0});
  for (int i = 1; i <= 40; ++i) {
    std::string from = "/d/m" + std::to_string(i);
    std::string to = "m" + std::to_string(i - 1);
    ASSERT_EQ(Symlink(to.c_str(), from.c_str()), Errno{0});
  }
  EXPECT_EQ(StatError("/d/m39/."), Errno{0});
  EXPECT_EQ(StatError("/d/m40/."), Errno::kELOOP);
}

TEST_F(PathWalkTest, EmptySymlinkTargetIsRefused) {
  EXPECT_EQ(Symlink("", "/empty"), Errno::kENOENT);
}

TEST_F(PathWalkTest, SearchPermissionOnEveryDirectory) {
  ASSERT_EQ(Mkdir("/open", 0755), Errno{0});
  ASSERT_EQ(Mkdir("/open/closed", 0700), Errno{0});
  ASSERT_EQ(WriteFile("/open/closed/f", "x"), Errno{0});
  Credentials user = Credentials::User(1000, 1000);
  EXPECT_EQ(ErrorOf(vfs_.Stat(As(user), "/open/closed/f", 0)), Errno::kEACCES);
  EXPECT_EQ(ErrorOf(vfs_.Stat(As(user), "/open/closed/missing", 0)), Errno::kEACCES);
  EXPECT_EQ(ErrorOf(vfs_.Stat(As(user), "/open/closed", 0)), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Stat(As(user), "/open/closed/.", 0)), Errno::kEACCES);
  // Root bypasses search permission (CAP_DAC_OVERRIDE).
  EXPECT_EQ(StatError("/open/closed/f"), Errno{0});
  // Execute-only directories can be traversed, not listed.
  ASSERT_EQ(ErrorOf(vfs_.Chmod(AsRoot(), "/open/closed", 0711, 0)), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Stat(As(user), "/open/closed/f", 0)), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Open(As(user), "/open/closed", kO_RDONLY | kO_DIRECTORY, 0)),
            Errno::kEACCES);
}

TEST_F(PathWalkTest, MountsAreCrossedBothWays) {
  ASSERT_EQ(Mkdir("/mnt"), Errno{0});
  ASSERT_EQ(WriteFile("/mnt/hidden", "under"), Errno{0});
  ASSERT_TRUE(vfs_.Mount(AsRoot(), "/mnt", NewTmpfs(), 0).ok());
  EXPECT_EQ(StatError("/mnt/hidden"), Errno::kENOENT);
  ASSERT_EQ(WriteFile("/mnt/top", "over"), Errno{0});
  EXPECT_EQ(ReadFile("/mnt/top"), "over");
  EXPECT_NE(StatOf("/mnt").dev, StatOf("/").dev);
  // ".." from the mount root goes to the parent of the mount point.
  EXPECT_EQ(StatOf("/mnt/..").ino, StatOf("/").ino);
  EXPECT_EQ(StatOf("/mnt/..").dev, StatOf("/").dev);
  cwd_ = Resolve("/mnt");
  EXPECT_EQ(StatOf("../mnt/top").ino, StatOf("/mnt/top").ino);
  // Unmounting reveals what was underneath.
  cwd_ = root_;
  ASSERT_TRUE(vfs_.Unmount(AsRoot(), "/mnt").ok());
  EXPECT_EQ(ReadFile("/mnt/hidden"), "under");
  EXPECT_EQ(ErrorOf(vfs_.Unmount(AsRoot(), "/mnt")), Errno::kEINVAL);
  EXPECT_EQ(ErrorOf(vfs_.Unmount(AsRoot(), "/")), Errno::kEBUSY);
}

TEST_F(PathWalkTest, DotDotAcrossABindMount) {
  ASSERT_EQ(Mkdir("/src"), Errno{0});
  ASSERT_EQ(Mkdir("/src/inner"), Errno{0});
  ASSERT_EQ(WriteFile("/src/inner/f", "bound"), Errno{0});
  ASSERT_EQ(Mkdir("/other"), Errno{0});
  ASSERT_EQ(Mkdir("/other/view"), Errno{0});
  ASSERT_EQ(WriteFile("/other/marker", "m"), Errno{0});
  ASSERT_TRUE(vfs_.BindMount(AsRoot(), "/src/inner", "/other/view", 0).ok());
  EXPECT_EQ(ReadFile("/other/view/f"), "bound");
  EXPECT_EQ(StatOf("/other/view/f").ino, StatOf("/src/inner/f").ino);
  // ".." from the bind mount's root is /other (the mount point's parent),
  // not /src (the bound directory's parent in its file system).
  EXPECT_EQ(ReadFile("/other/view/../marker"), "m");
  EXPECT_EQ(StatOf("/other/view/..").ino, StatOf("/other").ino);
  cwd_ = Resolve("/other/view");
  EXPECT_EQ(ReadFile("../marker"), "m");
  // Bind mounts of a file onto a directory are refused.
  EXPECT_EQ(ErrorOf(vfs_.BindMount(AsRoot(), "/other/marker", "/src", 0)), Errno::kENOTDIR);
}

TEST_F(PathWalkTest, MountedOnASymlinkTargetDirectory) {
  ASSERT_EQ(Mkdir("/mnt"), Errno{0});
  ASSERT_EQ(Symlink("/mnt", "/via"), Errno{0});
  ASSERT_TRUE(vfs_.Mount(AsRoot(), "/via", NewTmpfs(), 0).ok());
  ASSERT_EQ(WriteFile("/mnt/x", "x"), Errno{0});
  EXPECT_EQ(ReadFile("/via/x"), "x");
}

TEST_F(PathWalkTest, PathNameForGetcwd) {
  ASSERT_EQ(Mkdir("/a"), Errno{0});
  ASSERT_EQ(Mkdir("/a/b"), Errno{0});
  ASSERT_EQ(Mkdir("/m"), Errno{0});
  ASSERT_TRUE(vfs_.Mount(AsRoot(), "/m", NewTmpfs(), 0).ok());
  ASSERT_EQ(Mkdir("/m/c"), Errno{0});
  char out[64];
  auto n = vfs_.PathName(root_, Resolve("/a/b"), out);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(out), "/a/b");
  EXPECT_EQ(n.value(), 4u);
  ASSERT_TRUE(vfs_.PathName(root_, Resolve("/m/c"), out).ok());
  EXPECT_EQ(std::string(out), "/m/c");
  ASSERT_TRUE(vfs_.PathName(root_, root_, out).ok());
  EXPECT_EQ(std::string(out), "/");
  // Relative to a chroot.
  Path a = Resolve("/a");
  ASSERT_TRUE(vfs_.PathName(a, Resolve("/a/b"), out).ok());
  EXPECT_EQ(std::string(out), "/b");
  char tiny[4];
  EXPECT_EQ(ErrorOf(vfs_.PathName(root_, Resolve("/a/b"), tiny)), Errno::kERANGE);
  // A removed directory has no name.
  Path b = Resolve("/a/b");
  ASSERT_EQ(Rmdir("/a/b"), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.PathName(root_, b, out)), Errno::kENOENT);
}

TEST_F(PathWalkTest, RemovedCwdFindsNothing) {
  ASSERT_EQ(Mkdir("/gone"), Errno{0});
  cwd_ = Resolve("/gone");
  ASSERT_EQ(Rmdir("/gone"), Errno{0});
  EXPECT_EQ(StatError("x"), Errno::kENOENT);
  EXPECT_EQ(StatError("."), Errno{0});
  EXPECT_EQ(Mkdir("new"), Errno::kENOENT);
  EXPECT_EQ(ErrorOf(vfs_.Open(AsRoot(), "new", kO_CREAT | kO_WRONLY, 0644)), Errno::kENOENT);
  EXPECT_EQ(StatOf("..").ino, StatOf("/").ino);
}

}  // namespace
}  // namespace sentry::vfs::testing
