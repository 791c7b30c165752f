// Permission rules: owner/group/other bits for a non-root user, root's
// capabilities, sticky directories, access(2) with real vs effective ids.
#include <string>

#include "kernel/vfs/permission.h"
#include "tests/unit/kernel/vfs_test_fixture.h"

namespace sentry::vfs::testing {
namespace {

using ktl::Errno;

Attr FileAttr(uint32_t mode, uint32_t uid, uint32_t gid) {
  Attr attr;
  attr.mode = mode;
  attr.uid = uid;
  attr.gid = gid;
  return attr;
}

// Each class of the mode is chosen by identity alone: an owner with no
// owner bits is refused even if "other" allows.
TEST(PermissionTest, ClassIsChosenByIdentity) {
  uint32_t groups[] = {20};
  Credentials user = Credentials::User(1000, 100, groups);
  struct Case {
    uint32_t mode, uid, gid, may;
    bool allowed;
  } cases[] = {
      {kS_IFREG | 0400, 1000, 0, kMayRead, true},
      {kS_IFREG | 0400, 1000, 0, kMayWrite, false},
      {kS_IFREG | 0077, 1000, 100, kMayRead, false},  // owner class wins, even if others allow
      {kS_IFREG | 0040, 1, 100, kMayRead, true},      // primary group
      {kS_IFREG | 0040, 1, 20, kMayRead, true},       // supplementary group
      {kS_IFREG | 0004, 1, 20, kMayRead, false},      // group class applies, has no r
      {kS_IFREG | 0004, 1, 2, kMayRead, true},        // other
      {kS_IFREG | 0006, 1, 2, kMayRead | kMayWrite, true},
      {kS_IFREG | 0004, 1, 2, kMayRead | kMayWrite, false},
      {kS_IFREG | 0001, 1, 2, kMayExec, true},
      {kS_IFDIR | 0300, 1000, 0, kMayWrite | kMayExec, true},
      {kS_IFDIR | 0500, 1000, 0, kMayWrite | kMayExec, false},
  };
  for (const Case& c : cases) {
    bool allowed = CheckPermission(user, FileAttr(c.mode, c.uid, c.gid), c.may).ok();
    EXPECT_EQ(allowed, c.allowed) << std::oct << c.mode << " uid " << std::dec << c.uid
                                  << " gid " << c.gid << " may " << c.may;
  }
}

TEST(PermissionTest, RootCapabilities) {
  Credentials root = Credentials::Root();
  EXPECT_TRUE(CheckPermission(root, FileAttr(kS_IFREG | 0000, 5, 5), kMayRead | kMayWrite).ok());
  // Execute needs at least one x bit on a non-directory...
  EXPECT_EQ(ErrorOf(CheckPermission(root, FileAttr(kS_IFREG | 0666, 5, 5), kMayExec)),
            Errno::kEACCES);
  EXPECT_TRUE(CheckPermission(root, FileAttr(kS_IFREG | 0001, 5, 5), kMayExec).ok());
  // ...but search on a directory is always granted.
  EXPECT_TRUE(CheckPermission(root, FileAttr(kS_IFDIR | 0000, 5, 5), kMayExec).ok());
  // CAP_DAC_READ_SEARCH alone: read anything, search directories, not write.
  Credentials reader = Credentials::User(1000, 1000);
  reader.capabilities = kCapDacReadSearch;
  EXPECT_TRUE(CheckPermission(reader, FileAttr(kS_IFREG | 0000, 5, 5), kMayRead).ok());
  EXPECT_TRUE(CheckPermission(reader, FileAttr(kS_IFDIR | 0000, 5, 5), kMayRead | kMayExec).ok());
  EXPECT_FALSE(CheckPermission(reader, FileAttr(kS_IFREG | 0000, 5, 5), kMayWrite).ok());
  EXPECT_FALSE(CheckPermission(reader, FileAttr(kS_IFREG | 0000, 5, 5), kMayExec).ok());
}

TEST(PermissionTest, Sticky) {
  Attr dir = FileAttr(kS_IFDIR | 01777, 0, 0);
  Attr victim = FileAttr(kS_IFREG | 0644, 2000, 2000);
  EXPECT_EQ(ErrorOf(CheckSticky(Credentials::User(1000, 1000), dir, victim)), Errno::kEPERM);
  EXPECT_TRUE(CheckSticky(Credentials::User(2000, 1000), dir, victim).ok());  // file owner
  Attr own_dir = FileAttr(kS_IFDIR | 01777, 1000, 0);
  EXPECT_TRUE(CheckSticky(Credentials::User(1000, 1000), own_dir, victim).ok());  // dir owner
  EXPECT_TRUE(CheckSticky(Credentials::Root(), dir, victim).ok());                // CAP_FOWNER
  Attr plain = FileAttr(kS_IFDIR | 0777, 0, 0);
  EXPECT_TRUE(CheckSticky(Credentials::User(1000, 1000), plain, victim).ok());
}

class VfsPermissionTest : public VfsTest {
 protected:
  void SetUp() override {
    VfsTest::SetUp();
    // /home/alice (0755, alice), /tmp (1777).
    ASSERT_EQ(Mkdir("/home"), Errno{0});
    ASSERT_EQ(Mkdir("/home/alice"), Errno{0});
    ASSERT_EQ(ErrorOf(vfs_.Chown(AsRoot(), "/home/alice", 1000, 1000, 0)), Errno{0});
    ASSERT_EQ(Mkdir("/tmp"), Errno{0});
    ASSERT_EQ(ErrorOf(vfs_.Chmod(AsRoot(), "/tmp", 01777, 0)), Errno{0});
  }
  Credentials alice_ = Credentials::User(1000, 1000);
  Credentials bob_ = Credentials::User(1001, 1001);
};

TEST_F(VfsPermissionTest, OpenByMode) {
  ASSERT_EQ(WriteFileAs(alice_, "/home/alice/f", "secret", 0640), Errno{0});
  EXPECT_EQ(StatOf("/home/alice/f").uid, 1000u);
  EXPECT_EQ(StatOf("/home/alice/f").gid, 1000u);
  EXPECT_TRUE(vfs_.Open(As(alice_), "/home/alice/f", kO_RDWR, 0).ok());
  EXPECT_EQ(ErrorOf(vfs_.Open(As(bob_), "/home/alice/f", kO_RDONLY, 0)), Errno::kEACCES);
  uint32_t groups[] = {1000};
  Credentials friend_ = Credentials::User(1001, 1001, groups);
  EXPECT_TRUE(vfs_.Open(As(friend_), "/home/alice/f", kO_RDONLY, 0).ok());
  EXPECT_EQ(ErrorOf(vfs_.Open(As(friend_), "/home/alice/f", kO_WRONLY, 0)), Errno::kEACCES);
  EXPECT_EQ(ErrorOf(vfs_.Open(As(friend_), "/home/alice/f", kO_RDONLY | kO_TRUNC, 0)),
            Errno::kEACCES);
  // A file created without write permission can still be written by the
  // open that created it.
  auto created = vfs_.Open(As(bob_), "/tmp/ro", kO_CREAT | kO_EXCL | kO_RDWR, 0444);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(ErrorOf(vfs_.Open(As(bob_), "/tmp/ro", kO_RDWR, 0)), Errno::kEACCES);
}

TEST_F(VfsPermissionTest, CreateAndDeleteNeedWriteAndSearchOnTheDirectory) {
  EXPECT_EQ(ErrorOf(vfs_.Mkdir(As(bob_), "/home/alice/x", 0755)), Errno::kEACCES);
  EXPECT_EQ(ErrorOf(vfs_.Open(As(bob_), "/home/alice/x", kO_CREAT | kO_WRONLY, 0644)),
            Errno::kEACCES);
  EXPECT_EQ(ErrorOf(vfs_.Symlink("t", As(bob_), "/home/alice/x")), Errno::kEACCES);
  EXPECT_EQ(ErrorOf(vfs_.Mknod(As(bob_), "/home/alice/x", kS_IFIFO | 0644, 0)), Errno::kEACCES);
  ASSERT_EQ(WriteFileAs(alice_, "/home/alice/f", "x", 0666), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Unlink(As(bob_), "/home/alice/f")), Errno::kEACCES);
  EXPECT_EQ(ErrorOf(vfs_.Link(As(bob_), "/home/alice/f", As(bob_), "/home/alice/g", 0)),
            Errno::kEACCES);
  EXPECT_EQ(ErrorOf(vfs_.Link(As(bob_), "/home/alice/f", As(bob_), "/tmp/g", 0)), Errno{0});
  // The file's own mode does not matter for unlink.
  ASSERT_EQ(ErrorOf(vfs_.Chmod(As(alice_), "/home/alice/f", 0, 0)), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Unlink(As(alice_), "/home/alice/f")), Errno{0});
  // Write without search (0600 on a directory) is not enough.
  ASSERT_EQ(ErrorOf(vfs_.Mkdir(As(alice_), "/home/alice/noexec", 0700)), Errno{0});
  ASSERT_EQ(ErrorOf(vfs_.Chmod(As(alice_), "/home/alice/noexec", 0600, 0)), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Mkdir(As(alice_), "/home/alice/noexec/x", 0700)), Errno::kEACCES);
}

TEST_F(VfsPermissionTest, StickyDirectory) {
  ASSERT_EQ(WriteFileAs(alice_, "/tmp/alice", "a", 0666), Errno{0});
  ASSERT_EQ(WriteFileAs(bob_, "/tmp/bob", "b", 0666), Errno{0});
  ASSERT_EQ(ErrorOf(vfs_.Chmod(As(alice_), "/tmp/alice", 0666, 0)), Errno{0});  // past the umask
  // Bob may write alice's file (mode 0666) but not remove or rename it.
  EXPECT_EQ(WriteFileAs(bob_, "/tmp/alice", "by bob"), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Unlink(As(bob_), "/tmp/alice")), Errno::kEPERM);
  EXPECT_EQ(ErrorOf(vfs_.Rename(As(bob_), "/tmp/alice", As(bob_), "/tmp/x", 0)), Errno::kEPERM);
  // Nor replace it by renaming over it.
  EXPECT_EQ(ErrorOf(vfs_.Rename(As(bob_), "/tmp/bob", As(bob_), "/tmp/alice", 0)),
            Errno::kEPERM);
  EXPECT_EQ(ErrorOf(vfs_.Unlink(As(bob_), "/tmp/bob")), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Unlink(As(alice_), "/tmp/alice")), Errno{0});
  // The directory's owner may remove anything in it; root too.
  ASSERT_EQ(ErrorOf(vfs_.Mkdir(As(alice_), "/tmp/shared", 0777)), Errno{0});
  ASSERT_EQ(ErrorOf(vfs_.Chmod(As(alice_), "/tmp/shared", 01777, 0)), Errno{0});
  ASSERT_EQ(WriteFileAs(bob_, "/tmp/shared/b1", "b"), Errno{0});
  ASSERT_EQ(WriteFileAs(bob_, "/tmp/shared/b2", "b"), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Unlink(As(alice_), "/tmp/shared/b1")), Errno{0});
  EXPECT_EQ(Unlink("/tmp/shared/b2"), Errno{0});
  // rmdir follows the same rule.
  ASSERT_EQ(ErrorOf(vfs_.Mkdir(As(alice_), "/tmp/adir", 0777)), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Rmdir(As(bob_), "/tmp/adir")), Errno::kEPERM);
  EXPECT_EQ(ErrorOf(vfs_.Rmdir(As(alice_), "/tmp/adir")), Errno{0});
}

TEST_F(VfsPermissionTest, RenamingADirectoryToAnotherParentNeedsWriteOnIt) {
  ASSERT_EQ(ErrorOf(vfs_.Mkdir(As(alice_), "/tmp/d", 0555)), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Rename(As(alice_), "/tmp/d", As(alice_), "/home/alice/d", 0)),
            Errno::kEACCES);
  // Within the same parent, ".." does not change: allowed.
  EXPECT_EQ(ErrorOf(vfs_.Rename(As(alice_), "/tmp/d", As(alice_), "/tmp/e", 0)), Errno{0});
}

TEST_F(VfsPermissionTest, AccessUsesRealIdsUnlessEaccess) {
  ASSERT_EQ(WriteFileAs(alice_, "/home/alice/f", "x", 0600), Errno{0});
  // A set-user-ID-alice process run by bob: effective alice, real bob.
  Credentials setuid = alice_;
  setuid.uid = 1001;
  setuid.gid = 1001;
  EXPECT_EQ(ErrorOf(vfs_.Access(As(setuid), "/home/alice/f", kR_OK, 0)), Errno::kEACCES);
  EXPECT_EQ(ErrorOf(vfs_.Access(As(setuid), "/home/alice/f", kR_OK, kAT_EACCESS)), Errno{0});
  EXPECT_TRUE(vfs_.Open(As(setuid), "/home/alice/f", kO_RDONLY, 0).ok());
  // F_OK only checks existence (and search permission on the way).
  EXPECT_EQ(ErrorOf(vfs_.Access(As(bob_), "/home/alice/f", kF_OK, 0)), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Access(As(bob_), "/home/alice/missing", kF_OK, 0)), Errno::kENOENT);
  EXPECT_EQ(ErrorOf(vfs_.Access(As(bob_), "/home/alice/f", 8, 0)), Errno::kEINVAL);
  EXPECT_EQ(ErrorOf(vfs_.Access(As(bob_), "/home/alice/f", kR_OK, 0x1)), Errno::kEINVAL);
  // Root: everything but executing a file with no x bit.
  EXPECT_EQ(ErrorOf(vfs_.Access(AsRoot(), "/home/alice/f", kR_OK | kW_OK, 0)), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Access(AsRoot(), "/home/alice/f", kX_OK, 0)), Errno::kEACCES);
  ASSERT_EQ(ErrorOf(vfs_.Chmod(AsRoot(), "/home/alice/f", 0610, 0)), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Access(AsRoot(), "/home/alice/f", kX_OK, 0)), Errno{0});
  // A root-owned setuid-root process run by bob: effective root, real bob.
  Credentials setuid_root = Credentials::Root();
  setuid_root.uid = 1001;
  setuid_root.gid = 1001;
  setuid_root.real_capabilities = 0;
  EXPECT_EQ(ErrorOf(vfs_.Access(As(setuid_root), "/home/alice/f", kR_OK, 0)), Errno::kEACCES);
  EXPECT_EQ(ErrorOf(vfs_.Access(As(setuid_root), "/home/alice/f", kR_OK, kAT_EACCESS)),
            Errno{0});
  // AT_SYMLINK_NOFOLLOW checks the link (always 0777).
  ASSERT_EQ(Symlink("/home/alice/f", "/tmp/l"), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Access(As(bob_), "/tmp/l", kR_OK, 0)), Errno::kEACCES);
  EXPECT_EQ(ErrorOf(vfs_.Access(As(bob_), "/tmp/l", kR_OK, kAT_SYMLINK_NOFOLLOW)), Errno{0});
}

}  // namespace
}  // namespace sentry::vfs::testing
