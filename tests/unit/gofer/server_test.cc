// Every Gofer operation over a real socketpair: success paths, error paths
// with their errnos, read-only mode, and escape attempts from inside the
// root. The server runs unconfined here (a thread of this process); the
// confined process is tested in confinement_test.cc.
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "gofer/client.h"
#include "gtest/gtest.h"
#include "tests/unit/gofer/test_util.h"

namespace ringfence::gofer::testing {
namespace {

absl::Status StatusOf(const absl::Status& s) { return s; }
template <typename T>
absl::Status StatusOf(const absl::StatusOr<T>& s) {
  return s.status();
}

template <typename R>
::testing::AssertionResult HasErrno(const R& result, int expected) {
  absl::Status status = StatusOf(result);
  if (GoferErrno(status) == expected) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "expected errno " << expected << " (" << strerror(expected)
         << "), got " << GoferErrno(status) << ": " << status;
}

// Expects `expr` (a Status or StatusOr) to have failed with errno `e`
// (0: to have succeeded).
#define EXPECT_ERRNO(expr, e) EXPECT_TRUE(HasErrno((expr), (e)))

struct stat HostLstat(const std::string& path) {
  struct stat st = {};
  EXPECT_EQ(lstat(path.c_str(), &st), 0) << path;
  return st;
}

bool HostExists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

// --- Attach, Walk, Stat, Clunk
// ------------------------------------------------

TEST_F(GoferTest, AttachGivesRootWithRemappedDevice) {
  absl::StatusOr<Stat> st = client().GetStat(root_fid_);
  ASSERT_TRUE(st.ok()) << st.status();
  struct stat host = HostLstat(root_);
  EXPECT_EQ(st->ino, host.st_ino);
  EXPECT_TRUE(S_ISDIR(st->mode));
  // The host device id never appears; the first device seen is number 1.
  EXPECT_EQ(st->dev, 1u);
  EXPECT_NE(static_cast<dev_t>(st->dev), host.st_dev);
}

TEST_F(GoferTest, WalkReturnsPerStepStats) {
  WalkReply walk = MustWalk({"dir", "inner"});
  EXPECT_EQ(walk.status, WalkStatus::kComplete);
  ASSERT_EQ(walk.stats.size(), 2u);
  EXPECT_TRUE(S_ISDIR(walk.stats[0].mode));
  EXPECT_TRUE(S_ISREG(walk.stats[1].mode));
  EXPECT_EQ(walk.stats[1].size, 5u);
  EXPECT_EQ(walk.stats[1].ino, HostLstat(Host("dir/inner")).st_ino);
  EXPECT_EQ(walk.stats[1].nlink, 1u);
  EXPECT_GT(walk.stats[1].blksize, 0u);
  absl::StatusOr<Stat> st = client().GetStat(walk.fid);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->ino, walk.stats[1].ino);
}

TEST_F(GoferTest, WalkWithNoNamesClonesTheFid) {
  WalkReply clone = MustWalk({});
  EXPECT_NE(clone.fid, root_fid_);
  EXPECT_TRUE(clone.stats.empty());
  EXPECT_TRUE(client().Clunk(clone.fid).ok());
  EXPECT_TRUE(client().GetStat(root_fid_).ok());  // the original lives on
}

TEST_F(GoferTest, WalkErrors) {
  std::vector<std::string> missing = {"nope"};
  EXPECT_ERRNO(client().Walk(root_fid_, missing), ENOENT);
  std::vector<std::string> through_file = {"file", "x"};
  EXPECT_ERRNO(client().Walk(root_fid_, through_file), ENOTDIR);
  std::vector<std::string> ok = {"dir"};
  EXPECT_ERRNO(client().Walk(12345, ok), EBADF);
  std::vector<std::string> deep_missing = {"dir", "nope"};
  EXPECT_ERRNO(client().Walk(root_fid_, deep_missing), ENOENT);
}

TEST_F(GoferTest, WalkRejectsBadNames) {
  for (const std::string& bad : std::vector<std::string>{
           "..", ".", "", "a/b", "/etc", std::string("a\0b", 3),
           std::string(256, 'x')}) {
    std::vector<std::string> names = {bad};
    EXPECT_ERRNO(client().Walk(root_fid_, names), EINVAL) << bad;
    std::vector<std::string> later = {"dir", bad};
    EXPECT_ERRNO(client().Walk(root_fid_, later), EINVAL) << bad;
  }
  // 255 bytes is fine (and simply does not exist).
  std::vector<std::string> longest = {std::string(255, 'x')};
  EXPECT_ERRNO(client().Walk(root_fid_, longest), ENOENT);
}

TEST_F(GoferTest, WalkStopsAtSymlinkAndReportsIt) {
  // etc_link -> /etc: the walk must stop at the link, not enter /etc.
  std::vector<std::string> names = {"etc_link", "passwd"};
  absl::StatusOr<WalkReply> walk = client().Walk(root_fid_, names);
  ASSERT_TRUE(walk.ok()) << walk.status();
  EXPECT_EQ(walk->status, WalkStatus::kSymlink);
  ASSERT_EQ(walk->stats.size(), 1u);
  EXPECT_TRUE(S_ISLNK(walk->stats[0].mode));
  EXPECT_EQ(walk->stats[0].ino, HostLstat(Host("etc_link")).st_ino);
  // The fid is the link itself: Readlink works, Open fails ELOOP.
  absl::StatusOr<std::string> target = client().Readlink(walk->fid);
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(*target, "/etc");
  EXPECT_ERRNO(client().Open(walk->fid, O_RDONLY), ELOOP);
  EXPECT_ERRNO(client().Open(walk->fid, O_RDONLY | O_DIRECTORY), ELOOP);
  // A symlink fid is no directory to walk from.
  std::vector<std::string> next = {"passwd"};
  EXPECT_ERRNO(client().Walk(walk->fid, next), ENOTDIR);
  EXPECT_ERRNO(client().Getdents(walk->fid, 0), ENOTDIR);
}

TEST_F(GoferTest, SymlinkAsLastComponentIsReported) {
  WalkReply walk = MustWalk({"escape"});
  EXPECT_EQ(walk.status, WalkStatus::kSymlink);
  ASSERT_EQ(walk.stats.size(), 1u);
  EXPECT_ERRNO(client().Open(walk.fid, O_RDONLY), ELOOP);
}

TEST_F(GoferTest, ClunkReleasesFid) {
  WalkReply walk = MustWalk({"file"});
  EXPECT_TRUE(client().Clunk(walk.fid).ok());
  EXPECT_ERRNO(client().Clunk(walk.fid), EBADF);
  EXPECT_ERRNO(client().GetStat(walk.fid), EBADF);
  EXPECT_ERRNO(client().Open(walk.fid, O_RDONLY), EBADF);
}

TEST_F(GoferTest, FidTableIsBounded) {
  StartServer(ServerOptions{.max_fids = 8});
  std::vector<Fid> fids;
  // The root fid from Attach is one of the 8.
  for (int i = 0; i < 7; ++i) fids.push_back(MustWalk({"file"}).fid);
  std::vector<std::string> names = {"file"};
  EXPECT_ERRNO(client().Walk(root_fid_, names), EMFILE);
  EXPECT_ERRNO(client().Attach(), EMFILE);
  ASSERT_TRUE(client().Clunk(fids.back()).ok());
  EXPECT_TRUE(client().Walk(root_fid_, names).ok());
}

// --- Open, Create
// --------------------------------------------------------------

TEST_F(GoferTest, OpenDonatesReadableFd) {
  WalkReply walk = MustWalk({"file"});
  absl::StatusOr<OpenedFile> file = client().Open(walk.fid, O_RDONLY);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(ReadFd(file->fd.get()), "hello gofer");
  // The donated fd is close-on-exec and no O_PATH fd.
  EXPECT_EQ(fcntl(file->fd.get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  EXPECT_EQ(fcntl(file->fd.get(), F_GETFL) & O_PATH, 0);
}

TEST_F(GoferTest, OpenForWriteAndTruncate) {
  WalkReply walk = MustWalk({"file"});
  absl::StatusOr<OpenedFile> file = client().Open(walk.fid, O_WRONLY | O_TRUNC);
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_EQ(write(file->fd.get(), "new", 3), 3);
  file->fd.reset();
  int fd = open(Host("file").c_str(), O_RDONLY);
  EXPECT_EQ(ReadFd(fd), "new");
  close(fd);
}

TEST_F(GoferTest, OpenDirectoryForGetdents) {
  WalkReply walk = MustWalk({"dir"});
  absl::StatusOr<OpenedFile> dir =
      client().Open(walk.fid, O_RDONLY | O_DIRECTORY);
  ASSERT_TRUE(dir.ok()) << dir.status();
  char buf[4096];
  EXPECT_GT(syscall(SYS_getdents64, dir->fd.get(), buf, sizeof(buf)), 0);
  EXPECT_ERRNO(client().Open(walk.fid, O_WRONLY), EISDIR);
  EXPECT_ERRNO(client().Open(walk.fid, O_RDWR), EISDIR);
}

TEST_F(GoferTest, OpenErrors) {
  WalkReply file = MustWalk({"file"});
  EXPECT_ERRNO(client().Open(file.fid, O_RDONLY | O_DIRECTORY), ENOTDIR);
  EXPECT_ERRNO(client().Open(file.fid, O_RDONLY | O_CREAT), EINVAL);
  EXPECT_ERRNO(client().Open(file.fid, O_PATH), EINVAL);
  EXPECT_ERRNO(client().Open(file.fid, O_RDWR | O_WRONLY), EINVAL);
  EXPECT_ERRNO(client().Open(file.fid, O_TMPFILE), EINVAL);
  EXPECT_ERRNO(client().Open(999, O_RDONLY), EBADF);
}

TEST_F(GoferTest, OpenFifoDoesNotBlock) {
  WalkReply walk = MustWalk({"fifo"});
  EXPECT_TRUE(S_ISFIFO(walk.stats[0].mode));
  absl::StatusOr<OpenedFile> fifo = client().Open(walk.fid, O_RDONLY);
  ASSERT_TRUE(fifo.ok()) << fifo.status();
  EXPECT_NE(fifo->flags & O_NONBLOCK, 0u);
}

TEST_F(GoferTest, OpenOfReplacedNameIsStale) {
  WalkReply walk = MustWalk({"file"});
  // Someone on the host swaps the name for another file.
  ASSERT_EQ(unlink(Host("file").c_str()), 0);
  WriteFile(Host("file"), "impostor");
  EXPECT_ERRNO(client().Open(walk.fid, O_RDONLY), ESTALE);
  // ... or for a symlink out of the root.
  ASSERT_EQ(unlink(Host("file").c_str()), 0);
  ASSERT_EQ(symlink((outside_ + "/secret").c_str(), Host("file").c_str()), 0);
  EXPECT_ERRNO(client().Open(walk.fid, O_RDONLY), ELOOP);
}

TEST_F(GoferTest, CreateMakesFileAndDonatesFd) {
  absl::StatusOr<CreatedFile> created =
      client().Create(root_fid_, "new", O_RDWR, 0640, kNoId, kNoId);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(S_ISREG(created->stat.mode));
  EXPECT_EQ(created->stat.mode & 07777, 0640u);
  ASSERT_EQ(write(created->fd.get(), "abc", 3), 3);
  EXPECT_EQ(HostLstat(Host("new")).st_size, 3);
  EXPECT_EQ(HostLstat(Host("new")).st_ino, created->stat.ino);
  absl::StatusOr<Stat> st = client().GetStat(created->fid);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->size, 3u);
}

TEST_F(GoferTest, CreateWithOwner) {
  if (geteuid() != 0) GTEST_SKIP() << "chown needs root";
  absl::StatusOr<CreatedFile> created =
      client().Create(root_fid_, "owned", O_WRONLY, 0600, 1234, 5678);
  ASSERT_TRUE(created.ok()) << created.status();
  struct stat st = HostLstat(Host("owned"));
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_gid, 5678u);
}

TEST_F(GoferTest, CreateErrors) {
  EXPECT_ERRNO(client().Create(root_fid_, "file", O_RDWR, 0644), EEXIST);
  EXPECT_ERRNO(client().Create(root_fid_, "etc_link", O_RDWR, 0644), EEXIST);
  EXPECT_ERRNO(client().Create(root_fid_, "..", O_RDWR, 0644), EINVAL);
  EXPECT_ERRNO(client().Create(root_fid_, "a/b", O_RDWR, 0644), EINVAL);
  EXPECT_ERRNO(client().Create(root_fid_, "x", O_RDWR | O_DIRECTORY, 0644),
               EINVAL);
  EXPECT_ERRNO(client().Create(root_fid_, "x", O_RDWR, S_IFCHR | 0644), EINVAL);
  WalkReply file = MustWalk({"file"});
  EXPECT_ERRNO(client().Create(file.fid, "x", O_RDWR, 0644), ENOTDIR);
  EXPECT_ERRNO(client().Create(4242, "x", O_RDWR, 0644), EBADF);
  EXPECT_FALSE(HostExists(Host("x")));
  // The /etc symlink is not followed into /etc.
  WalkReply link = MustWalk({"etc_link"});
  EXPECT_ERRNO(client().Create(link.fid, "gofer_test_file", O_RDWR, 0644),
               ENOTDIR);
  EXPECT_FALSE(HostExists("/etc/gofer_test_file"));
}

// --- Mkdir, Mknod, Symlink, Link
// -----------------------------------------------

TEST_F(GoferTest, MkdirAndErrors) {
  absl::StatusOr<NodeReply> dir = client().Mkdir(root_fid_, "made", 0750);
  ASSERT_TRUE(dir.ok()) << dir.status();
  EXPECT_TRUE(S_ISDIR(dir->stat.mode));
  EXPECT_EQ(dir->stat.mode & 07777, 0750u);
  EXPECT_TRUE(client().Mkdir(dir->fid, "child", 0700).ok());
  EXPECT_TRUE(S_ISDIR(HostLstat(Host("made/child")).st_mode));
  EXPECT_ERRNO(client().Mkdir(root_fid_, "made", 0750), EEXIST);
  EXPECT_ERRNO(client().Mkdir(root_fid_, "etc_link", 0750), EEXIST);
  EXPECT_ERRNO(client().Mkdir(root_fid_, ".", 0750), EINVAL);
  EXPECT_ERRNO(client().Mkdir(root_fid_, "bad", S_IFDIR | 0750), EINVAL);
  WalkReply file = MustWalk({"file"});
  EXPECT_ERRNO(client().Mkdir(file.fid, "x", 0750), ENOTDIR);
}

TEST_F(GoferTest, MknodFifoAndSocketOnly) {
  absl::StatusOr<NodeReply> fifo =
      client().Mknod(root_fid_, "p", S_IFIFO | 0600);
  ASSERT_TRUE(fifo.ok()) << fifo.status();
  EXPECT_TRUE(S_ISFIFO(HostLstat(Host("p")).st_mode));
  absl::StatusOr<NodeReply> sock =
      client().Mknod(root_fid_, "s", S_IFSOCK | 0600);
  ASSERT_TRUE(sock.ok()) << sock.status();
  EXPECT_TRUE(S_ISSOCK(HostLstat(Host("s")).st_mode));
  EXPECT_ERRNO(client().Open(sock->fid, O_RDONLY), ENXIO);
  // Never device nodes.
  EXPECT_ERRNO(client().Mknod(root_fid_, "c", S_IFCHR | 0600), EPERM);
  EXPECT_ERRNO(client().Mknod(root_fid_, "b", S_IFBLK | 0600), EPERM);
  EXPECT_ERRNO(client().Mknod(root_fid_, "r", S_IFREG | 0600), EINVAL);
  EXPECT_ERRNO(client().Mknod(root_fid_, "d", S_IFDIR | 0600), EINVAL);
  EXPECT_FALSE(HostExists(Host("c")));
  EXPECT_ERRNO(client().Mknod(root_fid_, "p", S_IFIFO | 0600), EEXIST);
}

TEST_F(GoferTest, SymlinkStoresTargetVerbatim) {
  absl::StatusOr<NodeReply> link =
      client().Symlink(root_fid_, "ln", "../../../etc/shadow");
  ASSERT_TRUE(link.ok()) << link.status();
  EXPECT_TRUE(S_ISLNK(link->stat.mode));
  absl::StatusOr<std::string> target = client().Readlink(link->fid);
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(*target, "../../../etc/shadow");
  EXPECT_ERRNO(client().Open(link->fid, O_RDONLY), ELOOP);
  EXPECT_ERRNO(client().Symlink(root_fid_, "ln", "x"), EEXIST);
  EXPECT_ERRNO(client().Symlink(root_fid_, "e", ""), EINVAL);
  EXPECT_ERRNO(client().Symlink(root_fid_, "e", std::string("a\0b", 3)),
               EINVAL);
  EXPECT_ERRNO(client().Symlink(root_fid_, "e", std::string(4096, 'a')),
               EINVAL);
  EXPECT_ERRNO(client().Symlink(root_fid_, "x/y", "t"), EINVAL);
}

TEST_F(GoferTest, LinkMakesHardLink) {
  WalkReply file = MustWalk({"file"});
  WalkReply dir = MustWalk({"dir"});
  absl::StatusOr<Stat> st = client().Link(file.fid, dir.fid, "hard");
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_EQ(st->nlink, 2u);
  EXPECT_EQ(HostLstat(Host("dir/hard")).st_ino, HostLstat(Host("file")).st_ino);
  EXPECT_ERRNO(client().Link(file.fid, dir.fid, "hard"), EEXIST);
  EXPECT_ERRNO(client().Link(dir.fid, root_fid_, "dirlink"), EPERM);
  EXPECT_ERRNO(client().Link(file.fid, file.fid, "x"), ENOTDIR);
  EXPECT_ERRNO(client().Link(file.fid, dir.fid, ".."), EINVAL);
}

TEST_F(GoferTest, LinkViaSymlinkNeverReachesOutside) {
  // abs_outside/.. and escape -> ../outside/secret: linking the symlink fid
  // links the symlink itself, never the file outside.
  struct stat before = HostLstat(outside_ + "/secret");
  WalkReply link = MustWalk({"escape"});
  ASSERT_EQ(link.status, WalkStatus::kSymlink);
  absl::StatusOr<Stat> st = client().Link(link.fid, root_fid_, "stolen");
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_TRUE(S_ISLNK(HostLstat(Host("stolen")).st_mode));
  EXPECT_EQ(HostLstat(outside_ + "/secret").st_nlink, before.st_nlink);
  // Walking through the link fails: it is not a directory to the Gofer.
  std::vector<std::string> through = {"abs_outside", "secret"};
  absl::StatusOr<WalkReply> walk = client().Walk(root_fid_, through);
  ASSERT_TRUE(walk.ok());
  EXPECT_EQ(walk->status, WalkStatus::kSymlink);
  EXPECT_EQ(walk->stats.size(), 1u);
  EXPECT_ERRNO(client().Link(walk->fid, root_fid_, "stolen2"), 0 /*ok*/);
  EXPECT_TRUE(S_ISLNK(HostLstat(Host("stolen2")).st_mode));
}

// --- Unlink, Rename
// ----------------------------------------------------------------

TEST_F(GoferTest, UnlinkAndErrors) {
  EXPECT_TRUE(client().Unlink(root_fid_, "file").ok());
  EXPECT_FALSE(HostExists(Host("file")));
  EXPECT_ERRNO(client().Unlink(root_fid_, "file"), ENOENT);
  EXPECT_ERRNO(client().Unlink(root_fid_, "dir"), EISDIR);
  EXPECT_ERRNO(client().Unlink(root_fid_, "dir", AT_REMOVEDIR), ENOTEMPTY);
  EXPECT_TRUE(client().Unlink(root_fid_, "empty", AT_REMOVEDIR).ok());
  EXPECT_FALSE(HostExists(Host("empty")));
  EXPECT_ERRNO(client().Unlink(root_fid_, "fifo", AT_REMOVEDIR), ENOTDIR);
  EXPECT_ERRNO(client().Unlink(root_fid_, "fifo", 0x1), EINVAL);
  EXPECT_ERRNO(client().Unlink(root_fid_, ".."), EINVAL);
  EXPECT_ERRNO(client().Unlink(root_fid_, "dir/inner"), EINVAL);
  EXPECT_TRUE(HostExists(Host("dir/inner")));
  // Removing a symlink removes the link, not its target.
  EXPECT_TRUE(client().Unlink(root_fid_, "escape").ok());
  EXPECT_TRUE(HostExists(outside_ + "/secret"));
}

TEST_F(GoferTest, RenameMovesAndKeepsFidsUsable) {
  WalkReply file = MustWalk({"file"});
  WalkReply dir = MustWalk({"dir"});
  ASSERT_TRUE(client().Rename(root_fid_, "file", dir.fid, "moved").ok());
  EXPECT_FALSE(HostExists(Host("file")));
  EXPECT_TRUE(HostExists(Host("dir/moved")));
  // The fid follows the rename: it still opens the same file.
  absl::StatusOr<OpenedFile> opened = client().Open(file.fid, O_RDONLY);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(ReadFd(opened->fd.get()), "hello gofer");
}

TEST_F(GoferTest, RenameFlags) {
  WriteFile(Host("other"), "other");
  EXPECT_ERRNO(
      client().Rename(root_fid_, "file", root_fid_, "other", RENAME_NOREPLACE),
      EEXIST);
  WalkReply file = MustWalk({"file"});
  WalkReply other = MustWalk({"other"});
  ASSERT_TRUE(
      client()
          .Rename(root_fid_, "file", root_fid_, "other", RENAME_EXCHANGE)
          .ok());
  // Both fids follow the exchange.
  absl::StatusOr<OpenedFile> a = client().Open(file.fid, O_RDONLY);
  absl::StatusOr<OpenedFile> b = client().Open(other.fid, O_RDONLY);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(ReadFd(a->fd.get()), "hello gofer");
  EXPECT_EQ(ReadFd(b->fd.get()), "other");
  EXPECT_ERRNO(client().Rename(root_fid_, "file", root_fid_, "x",
                               RENAME_EXCHANGE | RENAME_NOREPLACE),
               EINVAL);
  EXPECT_ERRNO(client().Rename(root_fid_, "file", root_fid_, "x", 1u << 7),
               EINVAL);
  EXPECT_ERRNO(client().Rename(root_fid_, "nope", root_fid_, "x"), ENOENT);
  EXPECT_ERRNO(client().Rename(root_fid_, "dir", root_fid_, "file"), ENOTDIR);
  EXPECT_ERRNO(client().Rename(root_fid_, "file", root_fid_, "dir"), EISDIR);
  WriteFile(Host("empty/x"), "");
  EXPECT_ERRNO(client().Rename(root_fid_, "dir", root_fid_, "empty"),
               ENOTEMPTY);
}

TEST_F(GoferTest, RenameRejectsEscapingNames) {
  for (const char* bad : {"../x", "..", ".", "", "a/b", "/tmp/x"}) {
    EXPECT_ERRNO(client().Rename(root_fid_, "file", root_fid_, bad), EINVAL)
        << bad;
    EXPECT_ERRNO(client().Rename(root_fid_, bad, root_fid_, "x"), EINVAL)
        << bad;
  }
  EXPECT_TRUE(HostExists(Host("file")));
  EXPECT_FALSE(HostExists(temp_->Path("x")));
}

// --- Readlink, Getdents
// -------------------------------------------------------------

TEST_F(GoferTest, ReadlinkOfNonSymlinkIsEinval) {
  WalkReply file = MustWalk({"file"});
  EXPECT_ERRNO(client().Readlink(file.fid), EINVAL);
  EXPECT_ERRNO(client().Readlink(root_fid_), EINVAL);
  EXPECT_ERRNO(client().Readlink(77777), EBADF);
}

TEST_F(GoferTest, GetdentsListsWithoutDotEntries) {
  absl::StatusOr<std::vector<Dirent>> all = client().Getdents(root_fid_, 0);
  ASSERT_TRUE(all.ok()) << all.status();
  std::set<std::string> names;
  for (const Dirent& d : *all) names.insert(d.name);
  EXPECT_EQ(names, (std::set<std::string>{"file", "dir", "empty", "etc_link",
                                          "escape", "abs_outside", "fifo"}));
  for (const Dirent& d : *all) {
    if (d.name == "dir") {
      EXPECT_EQ(d.type, DT_DIR);
    } else if (d.name == "etc_link") {
      EXPECT_EQ(d.type, DT_LNK);
    } else if (d.name == "file") {
      EXPECT_EQ(d.ino, HostLstat(Host("file")).st_ino);
    }
  }
  // Continuing after the last entry reaches the end.
  absl::StatusOr<std::vector<Dirent>> end =
      client().Getdents(root_fid_, all->back().next_cookie);
  ASSERT_TRUE(end.ok());
  EXPECT_TRUE(end->empty());
}

TEST_F(GoferTest, GetdentsPagesThroughLargeDirectory) {
  constexpr int kFiles = 3000;  // more than fit in one 64 KiB reply
  for (int i = 0; i < kFiles; ++i) {
    WriteFile(Host("empty/" + std::string(100, 'n') + std::to_string(i)), "");
  }
  WalkReply dir = MustWalk({"empty"});
  std::set<std::string> seen;
  uint64_t cookie = 0;
  int replies = 0;
  while (true) {
    absl::StatusOr<std::vector<Dirent>> page =
        client().Getdents(dir.fid, cookie);
    ASSERT_TRUE(page.ok()) << page.status();
    if (page->empty()) break;
    ++replies;
    for (const Dirent& d : *page) EXPECT_TRUE(seen.insert(d.name).second);
    cookie = page->back().next_cookie;
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kFiles));
  EXPECT_GT(replies, 1);
  // max_entries bounds a reply.
  absl::StatusOr<std::vector<Dirent>> three = client().Getdents(dir.fid, 0, 3);
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(three->size(), 3u);
}

TEST_F(GoferTest, GetdentsErrors) {
  WalkReply file = MustWalk({"file"});
  EXPECT_ERRNO(client().Getdents(file.fid, 0), ENOTDIR);
  EXPECT_ERRNO(client().Getdents(31337, 0), EBADF);
}

// --- Setattr, Statfs
// -----------------------------------------------------------------

TEST_F(GoferTest, SetattrModeSizeTimesOwner) {
  WalkReply file = MustWalk({"file"});
  SetattrRequest req;
  req.fid = file.fid;
  req.mask = kSetattrMode | kSetattrSize | kSetattrAtime | kSetattrMtime;
  req.mode = 0600;
  req.size = 5;
  req.atime = {1000, 5};
  req.mtime = {2000, UTIME_OMIT};
  absl::StatusOr<Stat> st = client().Setattr(req);
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_EQ(st->mode & 07777, 0600u);
  EXPECT_EQ(st->size, 5u);
  EXPECT_EQ(st->atime.sec, 1000);
  EXPECT_EQ(st->atime.nsec, 5);
  EXPECT_NE(st->mtime.sec, 2000);  // UTIME_OMIT left it alone
  struct stat host = HostLstat(Host("file"));
  EXPECT_EQ(host.st_size, 5);
  EXPECT_EQ(host.st_mode & 07777, 0600u);

  req.mask = kSetattrMtime;
  req.mtime = {0, UTIME_NOW};
  st = client().Setattr(req);
  ASSERT_TRUE(st.ok());
  EXPECT_GT(st->mtime.sec, 1000000000);

  if (geteuid() == 0) {
    req.mask = kSetattrUid | kSetattrGid;
    req.uid = 4321;
    req.gid = 8765;
    ASSERT_TRUE(client().Setattr(req).ok());
    EXPECT_EQ(HostLstat(Host("file")).st_uid, 4321u);
    EXPECT_EQ(HostLstat(Host("file")).st_gid, 8765u);
  }
}

TEST_F(GoferTest, SetattrOnDirectoryAndSymlink) {
  WalkReply dir = MustWalk({"dir"});
  SetattrRequest req{.fid = dir.fid, .mask = kSetattrMode, .mode = 0711};
  ASSERT_TRUE(client().Setattr(req).ok());
  EXPECT_EQ(HostLstat(Host("dir")).st_mode & 07777, 0711u);
  req.mask = kSetattrSize;
  EXPECT_ERRNO(client().Setattr(req), EISDIR);
  // Times on a symlink change the link, not /etc.
  struct stat etc_before = HostLstat("/etc");
  WalkReply link = MustWalk({"etc_link"});
  SetattrRequest times{
      .fid = link.fid, .mask = kSetattrMtime, .mtime = {12345, 0}};
  ASSERT_TRUE(client().Setattr(times).ok());
  EXPECT_EQ(HostLstat(Host("etc_link")).st_mtim.tv_sec, 12345);
  EXPECT_EQ(HostLstat("/etc").st_mtim.tv_sec, etc_before.st_mtim.tv_sec);
  SetattrRequest mode{.fid = link.fid, .mask = kSetattrMode, .mode = 0777};
  EXPECT_ERRNO(client().Setattr(mode), EOPNOTSUPP);
  EXPECT_EQ(HostLstat("/etc").st_mode, etc_before.st_mode);
}

TEST_F(GoferTest, SetattrValidation) {
  WalkReply file = MustWalk({"file"});
  SetattrRequest req{.fid = file.fid};
  req.mask = 1u << 20;
  EXPECT_ERRNO(client().Setattr(req), EINVAL);
  req.mask = kSetattrMode;
  req.mode = S_IFDIR | 0755;
  EXPECT_ERRNO(client().Setattr(req), EINVAL);
  req.mask = kSetattrAtime;
  req.atime = {0, 1000000000};
  EXPECT_ERRNO(client().Setattr(req), EINVAL);
  req.atime = {0, -5};
  EXPECT_ERRNO(client().Setattr(req), EINVAL);
  req.mask = kSetattrSize;
  req.size = 1ull << 63;
  EXPECT_ERRNO(client().Setattr(req), EINVAL);
  req.fid = 5555;
  EXPECT_ERRNO(client().Setattr(req), EBADF);
  // An empty mask is a stat.
  SetattrRequest none{.fid = file.fid};
  EXPECT_TRUE(client().Setattr(none).ok());
}

TEST_F(GoferTest, Statfs) {
  absl::StatusOr<StatfsInfo> info = client().Statfs(root_fid_);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_GT(info->block_size, 0u);
  EXPECT_GT(info->name_length, 0u);
  EXPECT_ERRNO(client().Statfs(8888), EBADF);
}

// --- Xattrs
// ---------------------------------------------------------------------------

class GoferXattrTest : public GoferTest {
 protected:
  void SetUp() override {
    GoferTest::SetUp();
    if (setxattr(Host("file").c_str(), "user.probe", "1", 1, 0) != 0) {
      GTEST_SKIP() << "no user xattrs on " << root_ << ": " << strerror(errno);
    }
    removexattr(Host("file").c_str(), "user.probe");
  }
};

TEST_F(GoferXattrTest, UserNamespaceRoundTrip) {
  WalkReply file = MustWalk({"file"});
  ASSERT_TRUE(client().Setxattr(file.fid, "user.color", "blue").ok());
  absl::StatusOr<GetxattrReply> size =
      client().Getxattr(file.fid, "user.color", 0);
  ASSERT_TRUE(size.ok()) << size.status();
  EXPECT_EQ(size->size, 4u);
  EXPECT_TRUE(size->value.empty());
  absl::StatusOr<GetxattrReply> value =
      client().Getxattr(file.fid, "user.color", 100);
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(value->value, "blue");
  EXPECT_ERRNO(client().Getxattr(file.fid, "user.color", 2), ERANGE);
  EXPECT_ERRNO(client().Setxattr(file.fid, "user.color", "red", XATTR_CREATE),
               EEXIST);
  EXPECT_ERRNO(client().Setxattr(file.fid, "user.none", "x", XATTR_REPLACE),
               ENODATA);
  EXPECT_ERRNO(client().Setxattr(file.fid, "user.x", "x", 0x40), EINVAL);
  absl::StatusOr<ListxattrReply> list = client().Listxattr(file.fid, 1000);
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->names, std::vector<std::string>{"user.color"});
  EXPECT_EQ(list->size, 11u);
  EXPECT_ERRNO(client().Listxattr(file.fid, 3), ERANGE);
  ASSERT_TRUE(client().Removexattr(file.fid, "user.color").ok());
  EXPECT_ERRNO(client().Getxattr(file.fid, "user.color", 100), ENODATA);
  EXPECT_ERRNO(client().Removexattr(file.fid, "user.color"), ENODATA);
}

TEST_F(GoferXattrTest, OtherNamespacesRefused) {
  WalkReply file = MustWalk({"file"});
  for (const char* name :
       {"security.capability", "system.posix_acl_access", "trusted.other",
        "user.", "trusted.overlay.", "bogus"}) {
    EXPECT_ERRNO(client().Setxattr(file.fid, name, "x"), EOPNOTSUPP) << name;
    EXPECT_ERRNO(client().Getxattr(file.fid, name, 10), EOPNOTSUPP) << name;
    EXPECT_ERRNO(client().Removexattr(file.fid, name), EOPNOTSUPP) << name;
  }
  EXPECT_ERRNO(client().Getxattr(file.fid, "", 10), EINVAL);
  EXPECT_ERRNO(client().Getxattr(file.fid, std::string("user.a\0b", 8), 10),
               EINVAL);
  EXPECT_ERRNO(client().Getxattr(file.fid, "user." + std::string(300, 'x'), 10),
               EINVAL);
  // Host xattrs outside the served namespaces are invisible in lists.
  if (geteuid() == 0 &&
      setxattr(Host("file").c_str(), "trusted.hidden", "1", 1, 0) == 0) {
    absl::StatusOr<ListxattrReply> list = client().Listxattr(file.fid, 1000);
    ASSERT_TRUE(list.ok());
    EXPECT_TRUE(list->names.empty());
  }
}

TEST_F(GoferXattrTest, TrustedOverlayServedWhenPrivileged) {
  if (geteuid() != 0) GTEST_SKIP() << "trusted.* needs CAP_SYS_ADMIN";
  WalkReply dir = MustWalk({"dir"});
  absl::Status s = client().Setxattr(dir.fid, "trusted.overlay.opaque", "y");
  if (GoferErrno(s) == EOPNOTSUPP || GoferErrno(s) == EPERM) {
    GTEST_SKIP() << "file system refuses trusted xattrs: " << s;
  }
  ASSERT_TRUE(s.ok()) << s;
  absl::StatusOr<GetxattrReply> v =
      client().Getxattr(dir.fid, "trusted.overlay.opaque", 10);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->value, "y");
}

// --- Read-only mode
// ---------------------------------------------------------------------

TEST_F(GoferTest, ReadOnlyModeRejectsEveryMutation) {
  StartServer(ServerOptions{.read_only = true});
  WalkReply file = MustWalk({"file"});
  WalkReply dir = MustWalk({"dir"});
  EXPECT_ERRNO(client().Open(file.fid, O_WRONLY), EROFS);
  EXPECT_ERRNO(client().Open(file.fid, O_RDWR), EROFS);
  EXPECT_ERRNO(client().Open(file.fid, O_RDONLY | O_TRUNC), EROFS);
  EXPECT_ERRNO(client().Create(root_fid_, "n", O_RDWR, 0644), EROFS);
  EXPECT_ERRNO(client().Mkdir(root_fid_, "n", 0755), EROFS);
  EXPECT_ERRNO(client().Mknod(root_fid_, "n", S_IFIFO | 0644), EROFS);
  EXPECT_ERRNO(client().Symlink(root_fid_, "n", "t"), EROFS);
  EXPECT_ERRNO(client().Link(file.fid, dir.fid, "n"), EROFS);
  EXPECT_ERRNO(client().Unlink(root_fid_, "file"), EROFS);
  EXPECT_ERRNO(client().Rename(root_fid_, "file", root_fid_, "n"), EROFS);
  SetattrRequest req{.fid = file.fid, .mask = kSetattrMode, .mode = 0777};
  EXPECT_ERRNO(client().Setattr(req), EROFS);
  EXPECT_ERRNO(client().Setxattr(file.fid, "user.x", "y"), EROFS);
  EXPECT_ERRNO(client().Removexattr(file.fid, "user.x"), EROFS);
  // Reads still work.
  absl::StatusOr<OpenedFile> opened = client().Open(file.fid, O_RDONLY);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(ReadFd(opened->fd.get()), "hello gofer");
  EXPECT_TRUE(client().Getdents(root_fid_, 0).ok());
  EXPECT_FALSE(HostExists(Host("n")));
  EXPECT_EQ(HostLstat(Host("file")).st_mode & 07777, 0644u);
}

}  // namespace
}  // namespace ringfence::gofer::testing
