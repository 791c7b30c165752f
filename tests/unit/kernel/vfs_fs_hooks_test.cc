// The VFS hooks behind fallocate, statfs and the xattr syscalls: tmpfs's
// Allocate and Statfs, and the namespace and permission rules of
// kernel/vfs/xattr.h over tmpfs's attribute storage.
#include <string>

#include "kernel/vfs/xattr.h"
#include "tests/unit/kernel/vfs_test_fixture.h"

namespace sentry::vfs::testing {
namespace {

using ktl::Errno;

class VfsFsHooksTest : public VfsTest {};

TEST_F(VfsFsHooksTest, AllocateGrowsUnlessKeepSizeAndReservesPages) {
  ASSERT_EQ(WriteFile("/f", "abc"), Errno{0});
  Inode& inode = Resolve("/f").inode();
  size_t baseline = pages_.pages_in_use();
  ASSERT_EQ(ErrorOf(inode.Allocate(0, 3 * 4096, /*keep_size=*/false)), Errno{0});
  EXPECT_EQ(StatOf("/f").size, 3u * 4096);
  EXPECT_EQ(StatOf("/f").blocks, 3u * 8);
  EXPECT_EQ(pages_.pages_in_use(), baseline + 2);  // page 0 existed
  EXPECT_EQ(ReadFile("/f").substr(0, 4), std::string("abc\0", 4));
  ASSERT_EQ(ErrorOf(inode.Allocate(5 * 4096, 10, /*keep_size=*/true)), Errno{0});
  EXPECT_EQ(StatOf("/f").size, 3u * 4096);
  EXPECT_EQ(StatOf("/f").blocks, 4u * 8);
  EXPECT_EQ(ErrorOf(inode.Allocate(tmpfs::kMaxFileSize, 1, false)), Errno::kEFBIG);
  EXPECT_EQ(ErrorOf(Resolve("/").inode().Allocate(0, 1, false)), Errno::kEOPNOTSUPP);
}

TEST_F(VfsFsHooksTest, AllocateRespectsTheSizeLimit) {
  ASSERT_EQ(Mkdir("/small"), Errno{0});
  ASSERT_TRUE(vfs_.Mount(AsRoot(), "/small", NewTmpfs(/*max_bytes=*/2 * 4096), 0).ok());
  ASSERT_EQ(WriteFile("/small/f", ""), Errno{0});
  EXPECT_EQ(ErrorOf(Resolve("/small/f").inode().Allocate(0, 3 * 4096, false)), Errno::kENOSPC);
  EXPECT_EQ(StatOf("/small/f").size, 0u);
}

TEST_F(VfsFsHooksTest, TmpfsStatfs) {
  FsStats unlimited = Resolve("/").inode().fs().Statfs();
  EXPECT_EQ(unlimited.magic, 0x01021994u);
  EXPECT_EQ(unlimited.block_size, 4096u);
  EXPECT_EQ(unlimited.blocks, 0u);
  EXPECT_EQ(unlimited.name_max, kNameMax);
  ASSERT_EQ(Mkdir("/small"), Errno{0});
  ASSERT_TRUE(vfs_.Mount(AsRoot(), "/small", NewTmpfs(/*max_bytes=*/10 * 4096), 0).ok());
  ASSERT_EQ(WriteFile("/small/f", std::string(4096 + 1, 'x')), Errno{0});
  FsStats limited = Resolve("/small").inode().fs().Statfs();
  EXPECT_EQ(limited.blocks, 10u);
  EXPECT_EQ(limited.blocks_free, 8u);
}

TEST_F(VfsFsHooksTest, XattrNamespacesAndPermissions) {
  ASSERT_EQ(WriteFile("/f", "x", 0600), Errno{0});
  ASSERT_EQ(Symlink("f", "/l"), Errno{0});
  Path file = Resolve("/f");
  auto link = vfs_.Resolve(AsRoot(), "/l", kAT_SYMLINK_NOFOLLOW);
  ASSERT_TRUE(link.ok());
  Credentials root = Credentials::Root();
  Credentials user = Credentials::User(1000, 1000);
  ktl::Vector<char> value;
  const char data[] = "v";
  // Namespaces we do not serve.
  EXPECT_EQ(ErrorOf(GetXattr(file, "security.selinux", root, &value)), Errno::kEOPNOTSUPP);
  EXPECT_EQ(ErrorOf(GetXattr(file, "system.posix_acl_access", root, &value)), Errno::kEOPNOTSUPP);
  EXPECT_EQ(ErrorOf(SetXattr(file, "plain", {data, 1}, 0, root)), Errno::kEOPNOTSUPP);
  EXPECT_EQ(ErrorOf(SetXattr(file, "user.", {data, 1}, 0, root)), Errno::kEOPNOTSUPP);
  // user.* on a symlink.
  EXPECT_EQ(ErrorOf(GetXattr(link.value(), "user.a", root, &value)), Errno::kENODATA);
  EXPECT_EQ(ErrorOf(SetXattr(link.value(), "user.a", {data, 1}, 0, root)), Errno::kEPERM);
  // trusted.* needs CAP_SYS_ADMIN.
  EXPECT_EQ(ErrorOf(GetXattr(file, "trusted.a", user, &value)), Errno::kENODATA);
  EXPECT_EQ(ErrorOf(SetXattr(file, "trusted.a", {data, 1}, 0, user)), Errno::kEPERM);
  // File permissions: the user cannot read root's 0600 file.
  EXPECT_EQ(ErrorOf(GetXattr(file, "user.a", user, &value)), Errno::kEACCES);
  EXPECT_EQ(ErrorOf(SetXattr(file, "user.a", {data, 1}, 0, user)), Errno::kEACCES);
  EXPECT_EQ(ErrorOf(SetXattr(file, "user.a", {data, 1}, 4, root)), Errno::kEINVAL);
  // What passes the checks reaches the file system.
  EXPECT_EQ(ErrorOf(GetXattr(file, "user.a", root, &value)), Errno::kENODATA);
  EXPECT_EQ(ErrorOf(SetXattr(file, "user.a", {data, 1}, 0, root)), Errno{0});
  EXPECT_EQ(ErrorOf(SetXattr(file, "trusted.a", {data, 1}, 0, root)), Errno{0});
  ASSERT_EQ(ErrorOf(GetXattr(file, "user.a", root, &value)), Errno{0});
  EXPECT_EQ(std::string(value.data(), value.size()), "v");
  // The list hides trusted.* from callers without CAP_SYS_ADMIN.
  ASSERT_EQ(ErrorOf(vfs_.Chmod(AsRoot(), "/f", 0644, 0)), Errno{0});
  ktl::Vector<char> names;
  ASSERT_EQ(ErrorOf(ListXattr(file, root, &names)), Errno{0});
  EXPECT_EQ(std::string(names.data(), names.size()), std::string("user.a\0trusted.a\0", 17));
  ktl::Vector<char> user_names;
  ASSERT_EQ(ErrorOf(ListXattr(file, user, &user_names)), Errno{0});
  EXPECT_EQ(std::string(user_names.data(), user_names.size()), std::string("user.a\0", 7));
  EXPECT_EQ(ErrorOf(RemoveXattr(file, "user.a", user)), Errno::kEACCES);  // 0644: no write
  EXPECT_EQ(ErrorOf(RemoveXattr(file, "user.a", root)), Errno{0});
  EXPECT_EQ(ErrorOf(RemoveXattr(file, "user.a", root)), Errno::kENODATA);
}

TEST_F(VfsFsHooksTest, XattrStickyDirectoryNeedsOwner) {
  ASSERT_EQ(Mkdir("/sticky", 01777), Errno{0});
  ASSERT_EQ(ErrorOf(vfs_.Chmod(AsRoot(), "/sticky", 01777, 0)), Errno{0});
  Path dir = Resolve("/sticky");
  const char data[] = "v";
  EXPECT_EQ(ErrorOf(SetXattr(dir, "user.a", {data, 1}, 0, Credentials::User(1000, 1000))),
            Errno::kEPERM);
  EXPECT_EQ(ErrorOf(SetXattr(dir, "user.a", {data, 1}, 0, Credentials::Root())), Errno{0});
}

}  // namespace
}  // namespace sentry::vfs::testing
