// The Vfs operations: success paths and Linux's errnos.
#include <string>

#include "tests/unit/kernel/vfs_test_fixture.h"

namespace sentry::vfs::testing {
namespace {

using ktl::Errno;

class VfsOpsTest : public VfsTest {
 protected:
  ktl::Result<RefPtr<FileDescription>> Open(const char* path, uint32_t flags, uint32_t mode = 0644) {
    return vfs_.Open(AsRoot(), path, flags, mode);
  }
};

TEST_F(VfsOpsTest, OpenCreateAndExcl) {
  EXPECT_EQ(ErrorOf(Open("/f", kO_RDONLY)), Errno::kENOENT);
  auto f = Open("/f", kO_CREAT | kO_RDWR, 0666);
  ASSERT_TRUE(f.ok());
  Attr attr = StatOf("/f");
  EXPECT_EQ(attr.mode, kS_IFREG | 0644u);  // umask 022
  EXPECT_EQ(attr.nlink, 1u);
  EXPECT_EQ(attr.size, 0u);
  EXPECT_EQ(ErrorOf(Open("/f", kO_CREAT | kO_EXCL | kO_RDWR)), Errno::kEEXIST);
  EXPECT_TRUE(Open("/f", kO_CREAT | kO_RDWR).ok());
  // O_CREAT|O_EXCL does not follow a final symlink, even a dangling one.
  ASSERT_EQ(Symlink("/nowhere", "/dangling"), Errno{0});
  EXPECT_EQ(ErrorOf(Open("/dangling", kO_CREAT | kO_EXCL | kO_WRONLY)), Errno::kEEXIST);
  // Without O_EXCL, a dangling link creates its target.
  EXPECT_TRUE(Open("/dangling", kO_CREAT | kO_WRONLY).ok());
  EXPECT_TRUE(IsRegularMode(StatOf("/nowhere").mode));
  // The description keeps the flags F_GETFL reports, not O_CREAT & co.
  auto g = Open("/f", kO_RDWR | kO_APPEND | kO_CLOEXEC | kO_TRUNC);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g.value()->flags(), kO_RDWR | kO_APPEND);
}

TEST_F(VfsOpsTest, OpenCreateOnDirectoriesAndTrailingSlash) {
  ASSERT_EQ(Mkdir("/d"), Errno{0});
  EXPECT_EQ(ErrorOf(Open("/d", kO_CREAT | kO_RDONLY)), Errno::kEISDIR);
  EXPECT_EQ(ErrorOf(Open("/new/", kO_CREAT | kO_WRONLY)), Errno::kEISDIR);
  EXPECT_EQ(ErrorOf(Open("/d/", kO_CREAT | kO_WRONLY)), Errno::kEISDIR);
  EXPECT_EQ(ErrorOf(Open("/", kO_CREAT | kO_RDONLY)), Errno::kEISDIR);
  EXPECT_EQ(ErrorOf(Open(".", kO_CREAT | kO_RDONLY)), Errno::kEISDIR);
  EXPECT_EQ(ErrorOf(Open("/d", kO_WRONLY)), Errno::kEISDIR);
  EXPECT_EQ(ErrorOf(Open("/d", kO_RDWR)), Errno::kEISDIR);
  EXPECT_TRUE(Open("/d", kO_RDONLY).ok());
  EXPECT_TRUE(Open("/d/", kO_RDONLY).ok());
  EXPECT_EQ(ErrorOf(Open("/missing/f", kO_CREAT | kO_WRONLY)), Errno::kENOENT);
  ASSERT_EQ(WriteFile("/file", "x"), Errno{0});
  EXPECT_EQ(ErrorOf(Open("/file/", kO_RDONLY)), Errno::kENOTDIR);
  EXPECT_EQ(ErrorOf(Open("/file/x", kO_CREAT | kO_WRONLY)), Errno::kENOTDIR);
  EXPECT_EQ(ErrorOf(Open("/d", kO_CREAT | kO_DIRECTORY | kO_RDONLY)), Errno::kEINVAL);
}

TEST_F(VfsOpsTest, OpenDirectoryNofollowPath) {
  ASSERT_EQ(WriteFile("/file", "x"), Errno{0});
  ASSERT_EQ(Mkdir("/d"), Errno{0});
  ASSERT_EQ(Symlink("file", "/link"), Errno{0});
  ASSERT_EQ(Symlink("d", "/dlink"), Errno{0});
  EXPECT_EQ(ErrorOf(Open("/file", kO_RDONLY | kO_DIRECTORY)), Errno::kENOTDIR);
  EXPECT_TRUE(Open("/dlink", kO_RDONLY | kO_DIRECTORY).ok());
  EXPECT_EQ(ErrorOf(Open("/link", kO_RDONLY | kO_NOFOLLOW)), Errno::kELOOP);
  EXPECT_EQ(ErrorOf(Open("/dlink", kO_RDONLY | kO_NOFOLLOW | kO_DIRECTORY)), Errno::kELOOP);
  // O_NOFOLLOW applies to the last component only.
  EXPECT_TRUE(Open("/dlink/.", kO_RDONLY | kO_NOFOLLOW).ok());
  // O_PATH|O_NOFOLLOW opens the link itself; no I/O through it.
  auto path = Open("/link", kO_PATH | kO_NOFOLLOW);
  ASSERT_TRUE(path.ok());
  EXPECT_TRUE(path.value()->inode().IsSymlink());
  char byte;
  KernelIoBuffer io(static_cast<void*>(&byte), 1);
  EXPECT_EQ(ErrorOf(path.value()->ReadTo(io, -1)), Errno::kEBADF);
  EXPECT_EQ(ErrorOf(path.value()->WriteFrom(io, -1)), Errno::kEBADF);
  EXPECT_EQ(ErrorOf(path.value()->Getdents64(io)), Errno::kEBADF);
  linux_abi::Stat st;
  EXPECT_TRUE(path.value()->Stat(&st).ok());
  EXPECT_EQ(st.mode & kS_IFMT, kS_IFLNK);
  // O_PATH needs no read permission on the file itself.
  ASSERT_EQ(ErrorOf(vfs_.Chmod(AsRoot(), "/file", 0, 0)), Errno{0});
  Credentials user = Credentials::User(1000, 1000);
  EXPECT_EQ(ErrorOf(vfs_.Open(As(user), "/file", kO_RDONLY, 0)), Errno::kEACCES);
  EXPECT_TRUE(vfs_.Open(As(user), "/file", kO_PATH, 0).ok());
  // ...and a directory O_PATH fd works as an *at start.
  auto dir = Open("/d", kO_PATH | kO_DIRECTORY);
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(ErrorOf(vfs_.Mkdir(From(dir.value()->path(), root_creds_), "sub", 0755)), Errno{0});
  EXPECT_TRUE(IsDirMode(StatOf("/d/sub").mode));
}

TEST_F(VfsOpsTest, OpenTruncAndAppend) {
  ASSERT_EQ(WriteFile("/f", "hello world"), Errno{0});
  clock_.Advance(10);
  auto f = Open("/f", kO_WRONLY | kO_TRUNC);
  ASSERT_TRUE(f.ok());
  Attr attr = StatOf("/f");
  EXPECT_EQ(attr.size, 0u);
  EXPECT_EQ(attr.mtime.tv_sec, clock_.now.tv_sec);
  ASSERT_EQ(WriteFile("/g", "abc"), Errno{0});
  auto g = Open("/g", kO_WRONLY | kO_APPEND);
  ASSERT_TRUE(g.ok());
  std::string more = "def";
  KernelIoBuffer io(static_cast<const void*>(more.data()), more.size());
  // Even pwrite appends on an O_APPEND description (Linux).
  ASSERT_TRUE(g.value()->WriteFrom(io, 0).ok());
  EXPECT_EQ(ReadFile("/g"), "abcdef");
  ASSERT_TRUE(g.value()->WriteFrom(io, -1).ok());
  EXPECT_EQ(ReadFile("/g"), "abcdefdef");
  EXPECT_EQ(g.value()->position(), 9);
  // Read on a write-only description, write on a read-only one.
  char buffer[4];
  KernelIoBuffer out(static_cast<void*>(buffer), sizeof(buffer));
  EXPECT_EQ(ErrorOf(g.value()->ReadTo(out, -1)), Errno::kEBADF);
  auto r = Open("/g", kO_RDONLY);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(ErrorOf(r.value()->WriteFrom(io, -1)), Errno::kEBADF);
}

TEST_F(VfsOpsTest, OpenSpecialFiles) {
  ASSERT_EQ(ErrorOf(vfs_.Mknod(AsRoot(), "/fifo", kS_IFIFO | 0644, 0)), Errno{0});
  ASSERT_EQ(ErrorOf(vfs_.Mknod(AsRoot(), "/sock", kS_IFSOCK | 0644, 0)), Errno{0});
  // Placeholders until pipes are wired: ENXIO (which Linux returns for sockets).
  EXPECT_EQ(ErrorOf(Open("/fifo", kO_RDONLY)), Errno::kENXIO);
  EXPECT_EQ(ErrorOf(Open("/sock", kO_RDONLY)), Errno::kENXIO);
  EXPECT_TRUE(Open("/fifo", kO_PATH).ok());
  EXPECT_EQ(StatOf("/fifo").mode, kS_IFIFO | 0644u);
  EXPECT_EQ(StatOf("/sock").mode, kS_IFSOCK | 0644u);
  EXPECT_EQ(ErrorOf(Open("/", kO_TMPFILE | kO_RDWR)), Errno::kEOPNOTSUPP);
}

TEST_F(VfsOpsTest, Mkdir) {
  EXPECT_EQ(Mkdir("/d", 0777), Errno{0});
  Attr attr = StatOf("/d");
  EXPECT_EQ(attr.mode, kS_IFDIR | 0755u);
  EXPECT_EQ(attr.nlink, 2u);
  EXPECT_EQ(StatOf("/").nlink, 3u);
  EXPECT_EQ(Mkdir("/d"), Errno::kEEXIST);
  EXPECT_EQ(Mkdir("/d/"), Errno::kEEXIST);
  EXPECT_EQ(Mkdir("/e/"), Errno{0});  // a trailing slash is fine for mkdir
  EXPECT_EQ(Mkdir("/"), Errno::kEEXIST);
  EXPECT_EQ(Mkdir("/d/."), Errno::kEEXIST);
  EXPECT_EQ(Mkdir("/d/.."), Errno::kEEXIST);
  EXPECT_EQ(Mkdir("/x/y"), Errno::kENOENT);
  ASSERT_EQ(Symlink("/nowhere", "/dangling"), Errno{0});
  EXPECT_EQ(Mkdir("/dangling"), Errno::kEEXIST);
  ASSERT_EQ(WriteFile("/f", ""), Errno{0});
  EXPECT_EQ(Mkdir("/f/sub"), Errno::kENOTDIR);
  // Sticky bit survives, setuid/setgid from the mode do not (setgid only
  // by inheritance).
  EXPECT_EQ(Mkdir("/sticky", 07777), Errno{0});
  EXPECT_EQ(StatOf("/sticky").mode, kS_IFDIR | 01755u);
}

TEST_F(VfsOpsTest, SetgidDirectoryInheritance) {
  ASSERT_EQ(Mkdir("/g", 0777), Errno{0});
  ASSERT_EQ(ErrorOf(vfs_.Chown(AsRoot(), "/g", 0, 50, 0)), Errno{0});
  ASSERT_EQ(ErrorOf(vfs_.Chmod(AsRoot(), "/g", 02777, 0)), Errno{0});
  Credentials user = Credentials::User(1000, 1000);
  ASSERT_EQ(ErrorOf(vfs_.Mkdir(As(user), "/g/sub", 0755)), Errno{0});
  Attr sub = StatOf("/g/sub");
  EXPECT_EQ(sub.gid, 50u);
  EXPECT_EQ(sub.uid, 1000u);
  EXPECT_TRUE(sub.mode & kS_ISGID);
  ASSERT_EQ(WriteFileAs(user, "/g/file", "", 02755), Errno{0});
  Attr file = StatOf("/g/file");
  EXPECT_EQ(file.gid, 50u);
  // Not a member of group 50: the setgid bit is dropped.
  EXPECT_EQ(file.mode & 07777, 0755u);
}

TEST_F(VfsOpsTest, Mknod) {
  EXPECT_EQ(ErrorOf(vfs_.Mknod(AsRoot(), "/reg", 0644, 0)), Errno{0});
  EXPECT_TRUE(IsRegularMode(StatOf("/reg").mode));
  EXPECT_EQ(ErrorOf(vfs_.Mknod(AsRoot(), "/dir", kS_IFDIR | 0755, 0)), Errno::kEPERM);
  EXPECT_EQ(ErrorOf(vfs_.Mknod(AsRoot(), "/bad", 0170000 | 0644, 0)), Errno::kEINVAL);
  EXPECT_EQ(ErrorOf(vfs_.Mknod(AsRoot(), "/reg", kS_IFIFO | 0644, 0)), Errno::kEEXIST);
  EXPECT_EQ(ErrorOf(vfs_.Mknod(AsRoot(), "/slash/", kS_IFIFO | 0644, 0)), Errno::kENOENT);
  EXPECT_EQ(ErrorOf(vfs_.Mknod(AsRoot(), "/null", kS_IFCHR | 0666, 0x103)), Errno{0});
  EXPECT_EQ(StatOf("/null").rdev, 0x103u);
  Credentials user = Credentials::User(1000, 1000);
  ASSERT_EQ(Mkdir("/tmp", 01777), Errno{0});
  ASSERT_EQ(ErrorOf(vfs_.Chmod(AsRoot(), "/tmp", 01777, 0)), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Mknod(As(user), "/tmp/dev", kS_IFCHR | 0666, 0x103)), Errno::kEPERM);
  EXPECT_EQ(ErrorOf(vfs_.Mknod(As(user), "/tmp/fifo", kS_IFIFO | 0666, 0)), Errno{0});
}

TEST_F(VfsOpsTest, UnlinkAndRmdir) {
  ASSERT_EQ(Mkdir("/d"), Errno{0});
  ASSERT_EQ(WriteFile("/d/f", "x"), Errno{0});
  EXPECT_EQ(Unlink("/d"), Errno::kEISDIR);
  EXPECT_EQ(Unlink("/d/f/"), Errno::kENOTDIR);
  EXPECT_EQ(Unlink("/d/"), Errno::kEISDIR);
  EXPECT_EQ(Unlink("/d/missing"), Errno::kENOENT);
  EXPECT_EQ(Unlink("/d/."), Errno::kEISDIR);
  EXPECT_EQ(Unlink("/"), Errno::kEISDIR);
  EXPECT_EQ(Rmdir("/d"), Errno::kENOTEMPTY);
  EXPECT_EQ(Rmdir("/d/f"), Errno::kENOTDIR);
  EXPECT_EQ(Rmdir("/d/."), Errno::kEINVAL);
  EXPECT_EQ(Rmdir("/d/.."), Errno::kENOTEMPTY);
  EXPECT_EQ(Rmdir("/"), Errno::kEBUSY);
  EXPECT_EQ(Rmdir("/missing"), Errno::kENOENT);
  EXPECT_EQ(Unlink("/d/f"), Errno{0});
  EXPECT_EQ(StatError("/d/f"), Errno::kENOENT);
  EXPECT_EQ(Rmdir("/d/"), Errno{0});  // a trailing slash is fine for rmdir
  EXPECT_EQ(StatError("/d"), Errno::kENOENT);
  EXPECT_EQ(StatOf("/").nlink, 2u);
  // A symlink to a directory is unlinked, not rmdir'ed.
  ASSERT_EQ(Mkdir("/real"), Errno{0});
  ASSERT_EQ(Symlink("real", "/ln"), Errno{0});
  EXPECT_EQ(Rmdir("/ln"), Errno::kENOTDIR);
  EXPECT_EQ(Unlink("/ln"), Errno{0});
  EXPECT_TRUE(IsDirMode(StatOf("/real").mode));
}

TEST_F(VfsOpsTest, MountPointsAreBusy) {
  ASSERT_EQ(Mkdir("/mnt"), Errno{0});
  ASSERT_TRUE(vfs_.Mount(AsRoot(), "/mnt", NewTmpfs(), 0).ok());
  EXPECT_EQ(Rmdir("/mnt"), Errno::kEBUSY);
  EXPECT_EQ(Rename("/mnt", "/elsewhere"), Errno::kEBUSY);
  ASSERT_EQ(Mkdir("/mnt/inner"), Errno{0});
  ASSERT_TRUE(vfs_.Mount(AsRoot(), "/mnt/inner", NewTmpfs(), 0).ok());
  EXPECT_EQ(ErrorOf(vfs_.Unmount(AsRoot(), "/mnt")), Errno::kEBUSY);
  ASSERT_TRUE(vfs_.Unmount(AsRoot(), "/mnt/inner").ok());
  ASSERT_TRUE(vfs_.Unmount(AsRoot(), "/mnt").ok());
  EXPECT_EQ(Rmdir("/mnt"), Errno{0});
}

TEST_F(VfsOpsTest, UnlinkedOpenFileKeepsItsData) {
  ASSERT_EQ(WriteFile("/f", "still here"), Errno{0});
  auto f = vfs_.Open(AsRoot(), "/f", kO_RDONLY, 0);
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(Unlink("/f"), Errno{0});
  linux_abi::Stat st;
  ASSERT_TRUE(f.value()->Stat(&st).ok());
  EXPECT_EQ(st.nlink, 0u);
  EXPECT_EQ(ReadAll(*f.value()), "still here");
}

TEST_F(VfsOpsTest, Link) {
  ASSERT_EQ(WriteFile("/f", "x"), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Link(AsRoot(), "/f", AsRoot(), "/g", 0)), Errno{0});
  EXPECT_EQ(StatOf("/f").nlink, 2u);
  EXPECT_EQ(StatOf("/g").ino, StatOf("/f").ino);
  EXPECT_EQ(ErrorOf(vfs_.Link(AsRoot(), "/f", AsRoot(), "/g", 0)), Errno::kEEXIST);
  EXPECT_EQ(ErrorOf(vfs_.Link(AsRoot(), "/missing", AsRoot(), "/h", 0)), Errno::kENOENT);
  EXPECT_EQ(ErrorOf(vfs_.Link(AsRoot(), "/f", AsRoot(), "/h/", 0)), Errno::kENOENT);
  EXPECT_EQ(ErrorOf(vfs_.Link(AsRoot(), "/f", AsRoot(), "/", 0)), Errno::kEEXIST);
  EXPECT_EQ(ErrorOf(vfs_.Link(AsRoot(), "/f", AsRoot(), "/g", 0x8000)), Errno::kEINVAL);
  ASSERT_EQ(Mkdir("/d"), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Link(AsRoot(), "/d", AsRoot(), "/d2", 0)), Errno::kEPERM);
  // Without AT_SYMLINK_FOLLOW, the link itself gets the new name.
  ASSERT_EQ(Symlink("f", "/sl"), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Link(AsRoot(), "/sl", AsRoot(), "/sl2", 0)), Errno{0});
  EXPECT_TRUE(IsSymlinkMode(StatOf("/sl2", kAT_SYMLINK_NOFOLLOW).mode));
  EXPECT_EQ(ErrorOf(vfs_.Link(AsRoot(), "/sl", AsRoot(), "/f3", kAT_SYMLINK_FOLLOW)), Errno{0});
  EXPECT_EQ(StatOf("/f3", kAT_SYMLINK_NOFOLLOW).ino, StatOf("/f").ino);
  EXPECT_EQ(StatOf("/f").nlink, 3u);
  // Across mounts: EXDEV, even within one file system (a bind mount).
  ASSERT_EQ(Mkdir("/mnt"), Errno{0});
  ASSERT_TRUE(vfs_.Mount(AsRoot(), "/mnt", NewTmpfs(), 0).ok());
  EXPECT_EQ(ErrorOf(vfs_.Link(AsRoot(), "/f", AsRoot(), "/mnt/f", 0)), Errno::kEXDEV);
  ASSERT_EQ(Mkdir("/bind"), Errno{0});
  ASSERT_TRUE(vfs_.BindMount(AsRoot(), "/d", "/bind", 0).ok());
  EXPECT_EQ(ErrorOf(vfs_.Link(AsRoot(), "/f", AsRoot(), "/bind/f", 0)), Errno::kEXDEV);
  // AT_EMPTY_PATH links the start object itself.
  Path f = Resolve("/f");
  EXPECT_EQ(ErrorOf(vfs_.Link(From(f, root_creds_), "", AsRoot(), "/f4", kAT_EMPTY_PATH)),
            Errno{0});
  EXPECT_EQ(StatOf("/f4").ino, StatOf("/f").ino);
}

TEST_F(VfsOpsTest, SymlinkAndReadlink) {
  EXPECT_EQ(Symlink("some/target", "/l"), Errno{0});
  char buffer[64];
  auto n = vfs_.Readlink(AsRoot(), "/l", buffer);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buffer, n.value()), "some/target");
  // Truncated silently, no NUL.
  auto short_read = vfs_.Readlink(AsRoot(), "/l", std::span<char>(buffer, 4));
  ASSERT_TRUE(short_read.ok());
  EXPECT_EQ(std::string(buffer, short_read.value()), "some");
  EXPECT_EQ(ErrorOf(vfs_.Readlink(AsRoot(), "/l", std::span<char>(buffer, 0))), Errno::kEINVAL);
  EXPECT_EQ(ErrorOf(vfs_.Readlink(AsRoot(), "/", buffer)), Errno::kEINVAL);
  EXPECT_EQ(ErrorOf(vfs_.Readlink(AsRoot(), "/missing", buffer)), Errno::kENOENT);
  EXPECT_EQ(Symlink("x", "/l"), Errno::kEEXIST);
  EXPECT_EQ(Symlink("x", "/new/"), Errno::kENOENT);
  EXPECT_EQ(Symlink(std::string(4096, 'a').c_str(), "/long"), Errno::kENAMETOOLONG);
  Attr attr = StatOf("/l", kAT_SYMLINK_NOFOLLOW);
  EXPECT_EQ(attr.mode, kS_IFLNK | 0777u);
  EXPECT_EQ(attr.size, 11u);
  // readlinkat(fd, ""): the O_PATH|O_NOFOLLOW fd's link.
  auto fd = vfs_.Open(AsRoot(), "/l", kO_PATH | kO_NOFOLLOW, 0);
  ASSERT_TRUE(fd.ok());
  auto via_fd = vfs_.Readlink(From(fd.value()->path(), root_creds_), "", buffer);
  ASSERT_TRUE(via_fd.ok());
  EXPECT_EQ(std::string(buffer, via_fd.value()), "some/target");
  EXPECT_EQ(ErrorOf(vfs_.Readlink(AsRoot(), "", buffer)), Errno::kENOENT);
}

TEST_F(VfsOpsTest, ChmodAndChown) {
  ASSERT_EQ(WriteFile("/f", "x"), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Chmod(AsRoot(), "/f", 04751, 0)), Errno{0});
  EXPECT_EQ(StatOf("/f").mode, kS_IFREG | 04751u);
  Credentials user = Credentials::User(1000, 1000);
  EXPECT_EQ(ErrorOf(vfs_.Chmod(As(user), "/f", 0777, 0)), Errno::kEPERM);
  EXPECT_EQ(ErrorOf(vfs_.Chown(As(user), "/f", 1000, kNoChange, 0)), Errno::kEPERM);
  // Root gives the file away: setuid is cleared by chown.
  clock_.Advance(5);
  EXPECT_EQ(ErrorOf(vfs_.Chown(AsRoot(), "/f", 1000, 1000, 0)), Errno{0});
  Attr attr = StatOf("/f");
  EXPECT_EQ(attr.uid, 1000u);
  EXPECT_EQ(attr.gid, 1000u);
  EXPECT_EQ(attr.mode & 07777, 0751u);
  EXPECT_EQ(attr.ctime.tv_sec, clock_.now.tv_sec);
  // The owner may chmod; setgid is dropped for a group it is not in.
  ASSERT_EQ(ErrorOf(vfs_.Chown(AsRoot(), "/f", kNoChange, 50, 0)), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Chmod(As(user), "/f", 02755, 0)), Errno{0});
  EXPECT_EQ(StatOf("/f").mode & 07777, 0755u);
  // ... may chgrp to its own groups only, and never chown to another uid.
  EXPECT_EQ(ErrorOf(vfs_.Chown(As(user), "/f", kNoChange, 1000, 0)), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Chown(As(user), "/f", kNoChange, 0, 0)), Errno::kEPERM);
  uint32_t groups[] = {77};
  Credentials member = Credentials::User(1000, 1000, groups);
  EXPECT_EQ(ErrorOf(vfs_.Chown(As(member), "/f", kNoChange, 77, 0)), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Chown(As(member), "/f", 1000, kNoChange, 0)), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Chown(As(member), "/f", 0, kNoChange, 0)), Errno::kEPERM);
  // AT_SYMLINK_NOFOLLOW: chown changes the link, chmod cannot.
  ASSERT_EQ(Symlink("f", "/l"), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Chown(AsRoot(), "/l", 5, 5, kAT_SYMLINK_NOFOLLOW)), Errno{0});
  EXPECT_EQ(StatOf("/l", kAT_SYMLINK_NOFOLLOW).uid, 5u);
  EXPECT_EQ(StatOf("/f").uid, 1000u);
  EXPECT_EQ(ErrorOf(vfs_.Chmod(AsRoot(), "/l", 0600, kAT_SYMLINK_NOFOLLOW)), Errno::kEOPNOTSUPP);
  EXPECT_EQ(ErrorOf(vfs_.Chmod(AsRoot(), "/l", 0600, 0)), Errno{0});
  EXPECT_EQ(StatOf("/f").mode & 07777, 0600u);
  EXPECT_EQ(ErrorOf(vfs_.Chmod(AsRoot(), "/l", 0600, 0x4)), Errno::kEINVAL);
}

TEST_F(VfsOpsTest, Truncate) {
  ASSERT_EQ(WriteFile("/f", "hello world"), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Truncate(AsRoot(), "/f", 5)), Errno{0});
  EXPECT_EQ(ReadFile("/f"), "hello");
  EXPECT_EQ(ErrorOf(vfs_.Truncate(AsRoot(), "/f", 8)), Errno{0});
  EXPECT_EQ(ReadFile("/f"), std::string("hello\0\0\0", 8));
  EXPECT_EQ(ErrorOf(vfs_.Truncate(AsRoot(), "/f", -1)), Errno::kEINVAL);
  ASSERT_EQ(Mkdir("/d"), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Truncate(AsRoot(), "/d", 0)), Errno::kEISDIR);
  ASSERT_EQ(ErrorOf(vfs_.Mknod(AsRoot(), "/fifo", kS_IFIFO | 0666, 0)), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Truncate(AsRoot(), "/fifo", 0)), Errno::kEINVAL);
  Credentials user = Credentials::User(1000, 1000);
  EXPECT_EQ(ErrorOf(vfs_.Truncate(As(user), "/f", 0)), Errno::kEACCES);
  // ftruncate checks the descriptor, not the mode.
  EXPECT_EQ(ErrorOf(vfs_.TruncateAt(Resolve("/f"), 1, user, /*check_permission=*/false)),
            Errno{0});
  EXPECT_EQ(StatOf("/f").size, 1u);
  EXPECT_EQ(ErrorOf(vfs_.Truncate(AsRoot(), "/f", int64_t{1} << 50)), Errno::kEFBIG);
}

TEST_F(VfsOpsTest, Utimens) {
  ASSERT_EQ(WriteFile("/f", "x"), Errno{0});
  Timespec times[2] = {{100, 5}, {200, 6}};
  clock_.Advance(3);
  EXPECT_EQ(ErrorOf(vfs_.Utimens(AsRoot(), "/f", times, 0)), Errno{0});
  Attr attr = StatOf("/f");
  EXPECT_TRUE(SameTime(attr.atime, times[0]));
  EXPECT_TRUE(SameTime(attr.mtime, times[1]));
  EXPECT_TRUE(SameTime(attr.ctime, clock_.now));
  clock_.Advance(3);
  Timespec omit_now[2] = {{0, kUTIME_OMIT}, {0, kUTIME_NOW}};
  EXPECT_EQ(ErrorOf(vfs_.Utimens(AsRoot(), "/f", omit_now, 0)), Errno{0});
  attr = StatOf("/f");
  EXPECT_TRUE(SameTime(attr.atime, times[0]));
  EXPECT_TRUE(SameTime(attr.mtime, clock_.now));
  EXPECT_EQ(ErrorOf(vfs_.Utimens(AsRoot(), "/f", nullptr, 0)), Errno{0});
  EXPECT_TRUE(SameTime(StatOf("/f").atime, clock_.now));
  Timespec bad[2] = {{0, 1000000000}, {0, 0}};
  EXPECT_EQ(ErrorOf(vfs_.Utimens(AsRoot(), "/f", bad, 0)), Errno::kEINVAL);
  // Non-owners: "now" needs write permission, explicit times ownership.
  Credentials user = Credentials::User(1000, 1000);
  EXPECT_EQ(ErrorOf(vfs_.Utimens(As(user), "/f", nullptr, 0)), Errno::kEACCES);
  EXPECT_EQ(ErrorOf(vfs_.Utimens(As(user), "/f", times, 0)), Errno::kEPERM);
  ASSERT_EQ(ErrorOf(vfs_.Chmod(AsRoot(), "/f", 0666, 0)), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Utimens(As(user), "/f", nullptr, 0)), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Utimens(As(user), "/f", times, 0)), Errno::kEPERM);
  // A symlink's own times with AT_SYMLINK_NOFOLLOW.
  ASSERT_EQ(Symlink("f", "/l"), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Utimens(AsRoot(), "/l", times, kAT_SYMLINK_NOFOLLOW)), Errno{0});
  EXPECT_TRUE(SameTime(StatOf("/l", kAT_SYMLINK_NOFOLLOW).mtime, times[1]));
}

TEST_F(VfsOpsTest, ReadOnlyMount) {
  RefPtr<Inode> fs = NewTmpfs();
  ASSERT_EQ(Mkdir("/rw"), Errno{0});
  ASSERT_TRUE(vfs_.Mount(AsRoot(), "/rw", fs, 0).ok());
  ASSERT_EQ(WriteFile("/rw/f", "data"), Errno{0});
  ASSERT_EQ(Mkdir("/rw/d"), Errno{0});
  ASSERT_EQ(Mkdir("/ro"), Errno{0});
  ASSERT_TRUE(vfs_.BindMount(AsRoot(), "/rw", "/ro", kMountReadOnly).ok());
  EXPECT_EQ(ReadFile("/ro/f"), "data");
  EXPECT_EQ(ErrorOf(vfs_.Open(AsRoot(), "/ro/f", kO_WRONLY, 0)), Errno::kEROFS);
  EXPECT_EQ(ErrorOf(vfs_.Open(AsRoot(), "/ro/f", kO_RDONLY | kO_TRUNC, 0)), Errno::kEROFS);
  EXPECT_EQ(ErrorOf(vfs_.Open(AsRoot(), "/ro/new", kO_CREAT | kO_WRONLY, 0644)), Errno::kEROFS);
  EXPECT_TRUE(vfs_.Open(AsRoot(), "/ro/f", kO_CREAT | kO_RDONLY, 0644).ok());
  EXPECT_EQ(ErrorOf(vfs_.Mkdir(AsRoot(), "/ro/d", 0755)), Errno::kEEXIST);  // EEXIST first
  EXPECT_EQ(ErrorOf(vfs_.Mkdir(AsRoot(), "/ro/e", 0755)), Errno::kEROFS);
  EXPECT_EQ(ErrorOf(vfs_.Unlink(AsRoot(), "/ro/f")), Errno::kEROFS);
  EXPECT_EQ(ErrorOf(vfs_.Unlink(AsRoot(), "/ro/missing")), Errno::kEROFS);
  EXPECT_EQ(ErrorOf(vfs_.Rmdir(AsRoot(), "/ro/d")), Errno::kEROFS);
  EXPECT_EQ(ErrorOf(vfs_.Rename(AsRoot(), "/ro/f", AsRoot(), "/ro/g", 0)), Errno::kEROFS);
  EXPECT_EQ(ErrorOf(vfs_.Symlink("x", AsRoot(), "/ro/l")), Errno::kEROFS);
  EXPECT_EQ(ErrorOf(vfs_.Chmod(AsRoot(), "/ro/f", 0600, 0)), Errno::kEROFS);
  EXPECT_EQ(ErrorOf(vfs_.Chown(AsRoot(), "/ro/f", 1, 1, 0)), Errno::kEROFS);
  EXPECT_EQ(ErrorOf(vfs_.Truncate(AsRoot(), "/ro/f", 0)), Errno::kEROFS);
  EXPECT_EQ(ErrorOf(vfs_.Utimens(AsRoot(), "/ro/f", nullptr, 0)), Errno::kEROFS);
  EXPECT_EQ(ErrorOf(vfs_.Access(AsRoot(), "/ro/f", kW_OK, 0)), Errno::kEROFS);
  EXPECT_EQ(ErrorOf(vfs_.Access(AsRoot(), "/ro/f", kR_OK, 0)), Errno{0});
  EXPECT_EQ(ErrorOf(vfs_.Link(AsRoot(), "/ro/f", AsRoot(), "/ro/g", 0)), Errno::kEROFS);
  // The same file stays writable through the read-write mount.
  EXPECT_EQ(WriteFile("/rw/f", "new"), Errno{0});
  EXPECT_EQ(ReadFile("/ro/f"), "new");
}

TEST_F(VfsOpsTest, StatAndLseek) {
  ASSERT_EQ(WriteFile("/f", std::string(10000, 'a')), Errno{0});
  Attr attr = StatOf("/f");
  EXPECT_EQ(attr.size, 10000u);
  EXPECT_EQ(attr.blocks, 3u * 8);  // three 4 KiB pages
  EXPECT_EQ(attr.block_size, 4096u);
  EXPECT_EQ(attr.dev, StatOf("/").dev);
  EXPECT_EQ(StatError("/f", 0x8000), Errno::kEINVAL);
  auto f = vfs_.Open(AsRoot(), "/f", kO_RDONLY, 0);
  ASSERT_TRUE(f.ok());
  FileDescription& file = *f.value();
  EXPECT_EQ(file.Lseek(100, kSEEK_SET).value(), 100);
  EXPECT_EQ(file.Lseek(50, kSEEK_CUR).value(), 150);
  EXPECT_EQ(file.Lseek(-10, kSEEK_END).value(), 9990);
  EXPECT_EQ(file.Lseek(5000, kSEEK_END).value(), 15000);  // past the end is fine
  EXPECT_EQ(ErrorOf(file.Lseek(-20000, kSEEK_END)), Errno::kEINVAL);
  EXPECT_EQ(ErrorOf(file.Lseek(0, 7)), Errno::kEINVAL);
  EXPECT_EQ(file.Lseek(10, 3 /*SEEK_DATA*/).value(), 10);
  EXPECT_EQ(file.Lseek(10, 4 /*SEEK_HOLE*/).value(), 10000);
  EXPECT_EQ(ErrorOf(file.Lseek(10000, 3)), Errno::kENXIO);
  ASSERT_TRUE(file.Lseek(int64_t{1} << 62, kSEEK_SET).ok());
  EXPECT_EQ(ErrorOf(file.Lseek(int64_t{1} << 62, kSEEK_CUR)), Errno::kEOVERFLOW);
  // Reading at a position past the end gives 0.
  ASSERT_TRUE(file.Lseek(20000, kSEEK_SET).ok());
  char c;
  KernelIoBuffer io(static_cast<void*>(&c), 1);
  EXPECT_EQ(file.ReadTo(io, -1).value(), 0u);
  EXPECT_TRUE(file.seekable());
  EXPECT_EQ(file.vfs_description(), &file);
  // fs::File's Stat works through the File interface.
  fs::File& as_file = file;
  linux_abi::Stat st;
  ASSERT_TRUE(as_file.Stat(&st).ok());
  EXPECT_EQ(st.size, 10000);
  EXPECT_EQ(st.ino, attr.ino);
}

TEST_F(VfsOpsTest, AllMemoryIsReturnedWhenTheVfsGoes) {
  {
    Vfs vfs;
    tmpfs::Options options;
    options.clock = &clock_;
    options.pages = &pages_;
    ASSERT_TRUE(vfs.MountRoot(tmpfs::Create(options).value(), 0).ok());
    Path root = vfs.root();
    Caller caller{root, root, root_creds_, 022};
    ASSERT_TRUE(vfs.Mkdir(caller, "/a", 0755).ok());
    ASSERT_TRUE(vfs.Mkdir(caller, "/a/b", 0755).ok());
    auto f = vfs.Open(caller, "/a/b/f", kO_CREAT | kO_RDWR, 0644);
    ASSERT_TRUE(f.ok());
    std::string data(50000, 'z');
    KernelIoBuffer io(static_cast<const void*>(data.data()), data.size());
    ASSERT_TRUE(f.value()->WriteFrom(io, -1).ok());
    ASSERT_TRUE(vfs.Mount(caller, "/a", NewTmpfs(), 0).ok());
    ASSERT_TRUE(vfs.Symlink("/a/b", caller, "/l").ok());
    EXPECT_GT(pages_.pages_in_use(), 0u);
  }
  EXPECT_EQ(pages_.pages_in_use(), 0u);
}

}  // namespace
}  // namespace sentry::vfs::testing
