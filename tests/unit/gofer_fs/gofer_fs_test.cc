// The Sentry's gofer file system, hosted: the VFS over kernel/fs/gofer on a
// LoopbackTransport, i.e. through the real VMM relay and handle table to a
// real Gofer server serving a temporary directory. Results are checked on
// the host side too.
#include "kernel/fs/gofer/gofer_fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <dirent.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kernel/vfs/vfs.h"
#include "tests/unit/gofer/test_util.h"
#include "tests/unit/gofer_fs/loopback_transport.h"

namespace ringfence::testing {
namespace {

namespace vfs = sentry::vfs;
using vfs::KernelIoBuffer;

template <typename T>
ktl::Errno ErrorOf(const ktl::Result<T>& result) {
  return result.ok() ? ktl::Errno{0} : result.error();
}

std::string HostContents(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) return "<missing>";
  std::string out = gofer::testing::ReadFd(fd);
  close(fd);
  return out;
}

class GoferFsTest : public gofer::testing::GoferTest {
 protected:
  void SetUp() override {
    GoferTest::SetUp();
    ASSERT_NO_FATAL_FAILURE(Connect());
  }
  void TearDown() override {
    Disconnect();
    GoferTest::TearDown();
  }

  // Mounts the Gofer server's tree as the VFS root through a fresh loopback
  // guest.
  void Connect() {
    guest_ = std::make_unique<LoopbackGuest>(client());
    transport_ = std::make_unique<LoopbackTransport>(*guest_);
    vfs_ = std::make_unique<vfs::Vfs>();
    auto root = sentry::fs::gofer::Attach(*transport_, 0);
    ASSERT_TRUE(root.ok());
    ASSERT_TRUE(vfs_->MountRoot(std::move(root).value(), 0).ok());
    root_path_ = vfs_->root();
  }
  // Drops the VFS and with it every inode: handles closed, fids clunked.
  void Disconnect() {
    root_path_ = {};
    vfs_.reset();
    if (guest_) {
      EXPECT_EQ(guest_->handles().size(), 0u) << "host handles leaked";
    }
    transport_.reset();
    guest_.reset();
  }

  // Replaces the VFS with one whose root is the same tree attached
  // read-only (the Gofer side stays as it is).
  void RemountReadOnly() {
    vfs_.reset();
    vfs_ = std::make_unique<vfs::Vfs>();
    auto root = sentry::fs::gofer::Attach(*transport_, 0, /*read_only=*/true);
    ASSERT_TRUE(root.ok());
    ASSERT_TRUE(vfs_->MountRoot(std::move(root).value(), vfs::kMountReadOnly).ok());
    root_path_ = vfs_->root();
  }

  vfs::Caller AsRoot() { return vfs::Caller{root_path_, root_path_, creds_, 022}; }
  sentry::fs::gofer::FileSystem& GoferFs() {
    return static_cast<sentry::fs::gofer::FileSystem&>(root_path_.dentry->inode().fs());
  }

  ktl::Result<vfs::RefPtr<vfs::FileDescription>> Open(const char* path, uint32_t flags,
                                                      uint32_t mode = 0644) {
    return vfs_->Open(AsRoot(), path, flags, mode);
  }
  std::string Read(vfs::FileDescription& file, size_t chunk = 1000) {
    std::string out;
    std::vector<char> buffer(chunk);
    for (;;) {
      KernelIoBuffer io(static_cast<void*>(buffer.data()), buffer.size());
      auto got = file.ReadTo(io, -1);
      EXPECT_TRUE(got.ok());
      if (!got.ok() || got.value() == 0) return out;
      out.append(buffer.data(), got.value());
    }
  }
  ktl::Errno Write(const char* path, const std::string& data, uint32_t flags) {
    auto file = Open(path, vfs::kO_WRONLY | flags);
    if (!file.ok()) return file.error();
    KernelIoBuffer io(static_cast<const void*>(data.data()), data.size());
    auto written = file.value()->WriteFrom(io, -1);
    if (!written.ok()) return written.error();
    EXPECT_EQ(written.value(), data.size());
    return ktl::Errno{0};
  }
  // getdents64 names with a buffer of `size` bytes per call.
  std::vector<std::string> List(const char* path, size_t size = 512) {
    std::vector<std::string> names;
    auto dir = Open(path, vfs::kO_RDONLY | vfs::kO_DIRECTORY);
    EXPECT_TRUE(dir.ok());
    if (!dir.ok()) return names;
    std::vector<char> buffer(size);
    for (;;) {
      KernelIoBuffer io(static_cast<void*>(buffer.data()), buffer.size());
      auto got = dir.value()->Getdents64(io);
      EXPECT_TRUE(got.ok());
      if (!got.ok() || got.value() == 0) break;
      for (size_t at = 0; at < got.value();) {
        uint16_t reclen;
        memcpy(&reclen, buffer.data() + at + 16, 2);
        names.emplace_back(buffer.data() + at + 19);
        at += reclen;
      }
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  std::unique_ptr<LoopbackGuest> guest_;
  std::unique_ptr<LoopbackTransport> transport_;
  std::unique_ptr<vfs::Vfs> vfs_;
  vfs::Path root_path_;
  vfs::Credentials creds_ = vfs::Credentials::Root();
};

TEST_F(GoferFsTest, ReadsAndStatsHostFiles) {
  auto file = Open("/file", vfs::kO_RDONLY);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(Read(*file.value(), 4), "hello gofer");
  auto attr = vfs_->Stat(AsRoot(), "/dir/inner", 0);
  ASSERT_TRUE(attr.ok());
  EXPECT_TRUE(vfs::IsRegularMode(attr.value().mode));
  EXPECT_EQ(attr.value().size, 5u);
  EXPECT_EQ(attr.value().dev, root_path_.inode().fs().device());
  struct stat host;
  ASSERT_EQ(stat(Host("dir/inner").c_str(), &host), 0);
  EXPECT_EQ(attr.value().ino, host.st_ino);
  EXPECT_EQ(attr.value().mode & 07777, host.st_mode & 07777);
  EXPECT_EQ(ErrorOf(vfs_->Stat(AsRoot(), "/missing", 0)), ktl::Errno::kENOENT);
  EXPECT_EQ(ErrorOf(vfs_->Stat(AsRoot(), "/file/x", 0)), ktl::Errno::kENOTDIR);
}

TEST_F(GoferFsTest, SymlinksResolveInsideTheSandbox) {
  char target[64] = {};
  auto length = vfs_->Readlink(AsRoot(), "/escape", {target, sizeof(target)});
  ASSERT_TRUE(length.ok());
  EXPECT_EQ(std::string(target, length.value()), "../outside/secret");
  // The target is kept: reading it again costs no Gofer round trip.
  uint64_t before = guest_->relay().op_counts()[static_cast<uint32_t>(abi::GoferOp::kReadlink)];
  ASSERT_TRUE(vfs_->Readlink(AsRoot(), "/escape", {target, sizeof(target)}).ok());
  EXPECT_EQ(guest_->relay().op_counts()[static_cast<uint32_t>(abi::GoferOp::kReadlink)], before);
  // "../outside" from the root is the root's own "outside": not the host's.
  EXPECT_EQ(ErrorOf(Open("/escape", vfs::kO_RDONLY)), ktl::Errno::kENOENT);
  EXPECT_EQ(ErrorOf(Open("/abs_outside/secret", vfs::kO_RDONLY)), ktl::Errno::kENOENT);
  ASSERT_EQ(ErrorOf(vfs_->Symlink("dir/inner", AsRoot(), "/to_inner")), ktl::Errno{0});
  auto file = Open("/to_inner", vfs::kO_RDONLY);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(Read(*file.value()), "inner");
  char host_target[64] = {};
  ASSERT_EQ(readlink(Host("to_inner").c_str(), host_target, sizeof(host_target)), 9);
  EXPECT_STREQ(host_target, "dir/inner");
}

TEST_F(GoferFsTest, ListsDirectoriesOnceAcrossSmallBuffers) {
  EXPECT_EQ(List("/dir"), (std::vector<std::string>{".", "..", "inner", "sub"}));
  for (int i = 0; i < 60; ++i) {
    gofer::testing::WriteFile(Host("empty/f" + std::to_string(i)), "");
  }
  std::vector<std::string> names = List("/empty", 64);  // one record per call
  EXPECT_EQ(names.size(), 62u);
  EXPECT_EQ(std::unique(names.begin(), names.end()), names.end());
}

TEST_F(GoferFsTest, DirectoryCookiesResumeAfterLseek) {
  for (int i = 0; i < 10; ++i) gofer::testing::WriteFile(Host("empty/f" + std::to_string(i)), "");
  auto dir = Open("/empty", vfs::kO_RDONLY | vfs::kO_DIRECTORY);
  ASSERT_TRUE(dir.ok());
  alignas(8) char buffer[64];
  KernelIoBuffer io(static_cast<void*>(buffer), sizeof(buffer));
  std::vector<std::string> first;
  int64_t cookie_after_three = 0;
  for (int i = 0; i < 5; ++i) {
    auto got = dir.value()->Getdents64(io);
    ASSERT_TRUE(got.ok() && got.value() > 0);
    first.emplace_back(buffer + 19);
    if (i == 2) cookie_after_three = dir.value()->position();
  }
  ASSERT_TRUE(dir.value()->Lseek(cookie_after_three, vfs::kSEEK_SET).ok());
  auto got = dir.value()->Getdents64(io);
  ASSERT_TRUE(got.ok() && got.value() > 0);
  EXPECT_EQ(std::string(buffer + 19), first[3]);
}

TEST_F(GoferFsTest, CreatesWritesAppendsAndTruncates) {
  ASSERT_EQ(Write("/new", "first", vfs::kO_CREAT | vfs::kO_EXCL), ktl::Errno{0});
  EXPECT_EQ(HostContents(Host("new")), "first");
  ASSERT_EQ(Write("/new", "+more", vfs::kO_APPEND), ktl::Errno{0});
  EXPECT_EQ(HostContents(Host("new")), "first+more");
  auto attr = vfs_->Stat(AsRoot(), "/new", 0);
  ASSERT_TRUE(attr.ok());
  EXPECT_EQ(attr.value().size, 10u);
  EXPECT_EQ(attr.value().mode & 0777, 0644u & ~022u);
  ASSERT_EQ(Write("/new", "t", vfs::kO_TRUNC), ktl::Errno{0});
  EXPECT_EQ(HostContents(Host("new")), "t");
  EXPECT_EQ(vfs_->Stat(AsRoot(), "/new", 0).value().size, 1u);
  EXPECT_EQ(Write("/new", "x", vfs::kO_CREAT | vfs::kO_EXCL), ktl::Errno::kEEXIST);
  // A large write crosses the bounce buffer's chunks.
  std::string big(200000, 'b');
  for (size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>('a' + i % 26);
  ASSERT_EQ(Write("/big", big, vfs::kO_CREAT), ktl::Errno{0});
  EXPECT_EQ(HostContents(Host("big")), big);
  auto file = Open("/big", vfs::kO_RDONLY);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(Read(*file.value(), 70000), big);
}

TEST_F(GoferFsTest, NamespaceOperationsReachTheHost) {
  ASSERT_EQ(ErrorOf(vfs_->Mkdir(AsRoot(), "/made", 0750)), ktl::Errno{0});
  struct stat st;
  ASSERT_EQ(stat(Host("made").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0750u);
  ASSERT_EQ(ErrorOf(vfs_->Rename(AsRoot(), "/file", AsRoot(), "/made/moved", 0)), ktl::Errno{0});
  EXPECT_EQ(HostContents(Host("made/moved")), "hello gofer");
  EXPECT_EQ(ErrorOf(vfs_->Stat(AsRoot(), "/file", 0)), ktl::Errno::kENOENT);
  ASSERT_EQ(ErrorOf(vfs_->Link(AsRoot(), "/made/moved", AsRoot(), "/hard", 0)), ktl::Errno{0});
  ASSERT_EQ(stat(Host("hard").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 2u);
  EXPECT_EQ(vfs_->Stat(AsRoot(), "/hard", 0).value().nlink, 2u);
  ASSERT_EQ(ErrorOf(vfs_->Chmod(AsRoot(), "/hard", 0600, 0)), ktl::Errno{0});
  ASSERT_EQ(stat(Host("hard").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(vfs_->Stat(AsRoot(), "/hard", 0).value().mode & 0777, 0600u);
  ASSERT_EQ(ErrorOf(vfs_->Truncate(AsRoot(), "/hard", 5)), ktl::Errno{0});
  EXPECT_EQ(HostContents(Host("hard")), "hello");
  EXPECT_EQ(ErrorOf(vfs_->Rmdir(AsRoot(), "/made")), ktl::Errno::kENOTEMPTY);
  ASSERT_EQ(ErrorOf(vfs_->Unlink(AsRoot(), "/made/moved")), ktl::Errno{0});
  ASSERT_EQ(ErrorOf(vfs_->Rmdir(AsRoot(), "/made")), ktl::Errno{0});
  EXPECT_NE(stat(Host("made").c_str(), &st), 0);
  ASSERT_EQ(ErrorOf(vfs_->Mknod(AsRoot(), "/pipe", vfs::kS_IFIFO | 0600, 0)), ktl::Errno{0});
  ASSERT_EQ(lstat(Host("pipe").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(ErrorOf(vfs_->Mknod(AsRoot(), "/chr", vfs::kS_IFCHR | 0600, 0x101)),
            ktl::Errno::kEPERM);
}

TEST_F(GoferFsTest, CachedAttributesFollowNameChanges) {
  uint32_t root_links = vfs_->Stat(AsRoot(), "/dir", 0).value().nlink;
  ASSERT_EQ(ErrorOf(vfs_->Mkdir(AsRoot(), "/dir/new", 0755)), ktl::Errno{0});
  EXPECT_EQ(vfs_->Stat(AsRoot(), "/dir", 0).value().nlink, root_links + 1);
  ASSERT_EQ(ErrorOf(vfs_->Link(AsRoot(), "/file", AsRoot(), "/second", 0)), ktl::Errno{0});
  ASSERT_EQ(ErrorOf(vfs_->Link(AsRoot(), "/file", AsRoot(), "/third", 0)), ktl::Errno{0});
  EXPECT_EQ(vfs_->Stat(AsRoot(), "/second", 0).value().nlink, 3u);
  ASSERT_EQ(ErrorOf(vfs_->Unlink(AsRoot(), "/third")), ktl::Errno{0});
  EXPECT_EQ(vfs_->Stat(AsRoot(), "/second", 0).value().nlink, 2u);
  // Without changes, stat is served from the cache: no Gofer round trip.
  uint64_t before = guest_->stats().Hypercalls(abi::Hypercall::kGofer);
  EXPECT_EQ(vfs_->Stat(AsRoot(), "/second", 0).value().nlink, 2u);
  EXPECT_EQ(guest_->stats().Hypercalls(abi::Hypercall::kGofer), before);
}

TEST_F(GoferFsTest, OpenDescriptionsShareOneHostHandle) {
  size_t before = guest_->handles().size();
  {
    auto a = Open("/file", vfs::kO_RDONLY);
    auto b = Open("/file", vfs::kO_RDONLY);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(guest_->handles().size(), before + 1);
    auto c = Open("/file", vfs::kO_RDWR);  // a second mode: a second handle
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(guest_->handles().size(), before + 2);
    EXPECT_EQ(Read(*b.value()), "hello gofer");
  }
  // The last description left both handles open, idle, for the next open.
  EXPECT_EQ(guest_->handles().size(), before + 2);
  EXPECT_EQ(GoferFs().idle_handle_count(), 2u);
  EXPECT_EQ(ErrorOf(Open("/fifo", vfs::kO_RDONLY | vfs::kO_NONBLOCK)), ktl::Errno::kENXIO);
}

TEST_F(GoferFsTest, ReopeningUsesTheIdleHandle) {
  auto opens = [this] {
    return guest_->relay().op_counts()[static_cast<uint32_t>(abi::GoferOp::kOpen)];
  };
  {
    auto file = Open("/file", vfs::kO_RDONLY);
    ASSERT_TRUE(file.ok());
  }
  uint64_t before = opens();
  for (int i = 0; i < 5; ++i) {
    auto file = Open("/file", vfs::kO_RDONLY);
    ASSERT_TRUE(file.ok());
    EXPECT_EQ(Read(*file.value()), "hello gofer");
  }
  EXPECT_EQ(opens(), before) << "a reopen went to the Gofer";
  EXPECT_EQ(GoferFs().idle_handle_count(), 1u);
}

TEST_F(GoferFsTest, IdleHandlesAreBoundedLeastRecentlyUsedFirst) {
  constexpr size_t kFiles = sentry::fs::gofer::FileSystem::kMaxIdleHandles + 20;
  ASSERT_EQ(mkdir(Host("idle").c_str(), 0755), 0);
  for (size_t i = 0; i < kFiles; ++i) {
    gofer::testing::WriteFile(Host("idle/f" + std::to_string(i)), std::to_string(i));
  }
  size_t before = guest_->handles().size();
  for (size_t i = 0; i < kFiles; ++i) {
    std::string path = "/idle/f" + std::to_string(i);
    auto file = Open(path.c_str(), vfs::kO_RDONLY);
    ASSERT_TRUE(file.ok()) << path;
    EXPECT_EQ(Read(*file.value()), std::to_string(i));
  }
  EXPECT_EQ(GoferFs().idle_handle_count(), sentry::fs::gofer::FileSystem::kMaxIdleHandles);
  EXPECT_EQ(guest_->handles().size(), before + sentry::fs::gofer::FileSystem::kMaxIdleHandles);
  // The most recent file kept its handle; the first one's was closed.
  auto opens = [this] {
    return guest_->relay().op_counts()[static_cast<uint32_t>(abi::GoferOp::kOpen)];
  };
  uint64_t at = opens();
  std::string last = "/idle/f" + std::to_string(kFiles - 1);
  ASSERT_TRUE(Open(last.c_str(), vfs::kO_RDONLY).ok());
  EXPECT_EQ(opens(), at);
  ASSERT_TRUE(Open("/idle/f0", vfs::kO_RDONLY).ok());
  EXPECT_EQ(opens(), at + 1);
}

TEST_F(GoferFsTest, ExtendedAttributes) {
  if (setxattr(Host("dir/inner").c_str(), "user.probe", "1", 1, 0) != 0) {
    GTEST_SKIP() << "the host file system has no user xattrs";
  }
  auto path = vfs_->Resolve(AsRoot(), "/file", 0);
  ASSERT_TRUE(path.ok());
  vfs::Inode& inode = path.value().inode();
  const char value[] = {'v', 'a', 'l'};
  ASSERT_TRUE(inode.Setxattr("user.test", {value, 3}, 0).ok());
  char host[8] = {};
  EXPECT_EQ(getxattr(Host("file").c_str(), "user.test", host, sizeof(host)), 3);
  EXPECT_EQ(std::string(host, 3), "val");
  ktl::Vector<char> out;
  ASSERT_TRUE(inode.Getxattr("user.test", &out).ok());
  EXPECT_EQ(std::string(out.data(), out.size()), "val");
  ktl::Vector<char> list;
  ASSERT_TRUE(inode.Listxattr(&list).ok());
  EXPECT_NE(std::string(list.data(), list.size()).find(std::string("user.test\0", 10)),
            std::string::npos);
  EXPECT_EQ(ErrorOf(inode.Setxattr("user.test", {value, 3}, vfs::kXATTR_CREATE)),
            ktl::Errno::kEEXIST);
  ASSERT_TRUE(inode.Removexattr("user.test").ok());
  ktl::Vector<char> gone;
  EXPECT_EQ(ErrorOf(inode.Getxattr("user.test", &gone)), ktl::Errno::kENODATA);
}

TEST_F(GoferFsTest, ReadOnlyMountRefusesChanges) {
  ASSERT_NO_FATAL_FAILURE(RemountReadOnly());
  EXPECT_EQ(Write("/new", "x", vfs::kO_CREAT), ktl::Errno::kEROFS);
  EXPECT_EQ(Write("/file", "x", 0), ktl::Errno::kEROFS);
  EXPECT_EQ(ErrorOf(vfs_->Mkdir(AsRoot(), "/d", 0755)), ktl::Errno::kEROFS);
  auto file = Open("/file", vfs::kO_RDONLY);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(Read(*file.value()), "hello gofer");
}

// A read-only tree answers a name it found missing without asking again;
// a writable one asks every time (the name may have been created since).
TEST_F(GoferFsTest, ReadOnlyTreesRememberMissingNames) {
  auto walks = [&] {
    return guest_->relay().op_counts()[static_cast<uint32_t>(abi::GoferOp::kWalk)];
  };
  auto missing_twice = [&] {
    uint64_t before = walks();
    EXPECT_EQ(ErrorOf(Open("/absent", vfs::kO_RDONLY)), ktl::Errno::kENOENT);
    EXPECT_EQ(ErrorOf(Open("/absent", vfs::kO_RDONLY)), ktl::Errno::kENOENT);
    return walks() - before;
  };
  EXPECT_EQ(missing_twice(), 2u);
  ASSERT_NO_FATAL_FAILURE(RemountReadOnly());
  EXPECT_EQ(missing_twice(), 1u);
  // Many more missing names than it keeps: the oldest are asked again,
  // and names that exist are still found.
  for (int i = 0; i < 100; ++i) {
    std::string name = "/missing-" + std::to_string(i);
    EXPECT_EQ(ErrorOf(Open(name.c_str(), vfs::kO_RDONLY)), ktl::Errno::kENOENT);
  }
  uint64_t before = walks();
  EXPECT_EQ(ErrorOf(Open("/missing-99", vfs::kO_RDONLY)), ktl::Errno::kENOENT);
  EXPECT_EQ(walks(), before);
  EXPECT_EQ(ErrorOf(Open("/missing-0", vfs::kO_RDONLY)), ktl::Errno::kENOENT);
  EXPECT_EQ(walks(), before + 1);
  auto file = Open("/file", vfs::kO_RDONLY);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(Read(*file.value()), "hello gofer");
}

// Host fds of this process (the Gofer server runs in it).
size_t OpenFdCount() {
  size_t count = 0;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  while (readdir(dir) != nullptr) ++count;
  closedir(dir);
  return count;
}

// A walk over many more files than the Gofer allows fids: unused dentries
// are evicted (their fids clunked), so the walk succeeds and host fds stay
// bounded, while a file kept open keeps its identity across evictions.
TEST_F(GoferFsTest, WalkOverMoreFilesThanFidsStaysBounded) {
  constexpr size_t kDirs = 40, kFilesPerDir = 100;  // 4,000 files + 40 dirs
  constexpr size_t kMaxFids = vfs::MountTable::kSweepAfter + 64;
  ASSERT_EQ(mkdir(Host("many").c_str(), 0755), 0);
  for (size_t d = 0; d < kDirs; ++d) {
    std::string dir = Host("many/d" + std::to_string(d));
    ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
    for (size_t f = 0; f < kFilesPerDir; ++f) {
      gofer::testing::WriteFile(dir + "/f" + std::to_string(f), std::to_string(d * 1000 + f));
    }
  }
  // Reconnect to a server allowing far fewer fids than there are files.
  Disconnect();
  StartServer({.max_fids = kMaxFids});
  ASSERT_NO_FATAL_FAILURE(Connect());

  auto kept = Open("/many/d0/f7", vfs::kO_RDONLY);
  ASSERT_TRUE(kept.ok());
  auto kept_attr = vfs_->Stat(AsRoot(), "/many/d0/f7", 0);
  ASSERT_TRUE(kept_attr.ok());
  size_t fds_before = OpenFdCount();
  size_t max_fds = fds_before;
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t d = 0; d < kDirs; ++d) {
      std::string dir = "/many/d" + std::to_string(d);
      ASSERT_EQ(List(dir.c_str()).size(), kFilesPerDir + 2);
      for (size_t f = 0; f < kFilesPerDir; ++f) {
        std::string path = dir + "/f" + std::to_string(f);
        auto attr = vfs_->Stat(AsRoot(), path.c_str(), 0);
        ASSERT_TRUE(attr.ok()) << path << " errno " << static_cast<int>(attr.error());
        struct stat host;
        ASSERT_EQ(stat(Host(path.substr(1)).c_str(), &host), 0);
        ASSERT_EQ(attr.value().ino, host.st_ino) << path;
        if (f % 25 == 0) {  // reading opens (and closes) a host handle
          auto file = Open(path.c_str(), vfs::kO_RDONLY);
          ASSERT_TRUE(file.ok()) << path;
          EXPECT_EQ(Read(*file.value()), std::to_string(d * 1000 + f));
        }
      }
      max_fds = std::max(max_fds, OpenFdCount());
      // The kept file's handle and at most the idle ones stay open.
      EXPECT_LE(guest_->handles().size(), 1u + sentry::fs::gofer::FileSystem::kMaxIdleHandles);
    }
  }
  // Server fds: about one per live fid; without eviction this would be
  // every file walked (the walk above would fail with EMFILE first).
  EXPECT_LE(max_fds - fds_before, kMaxFids);
  // The open file still reads, and its name still resolves to it.
  EXPECT_EQ(Read(*kept.value()), "7");
  auto again = vfs_->Stat(AsRoot(), "/many/d0/f7", 0);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.value().ino, kept_attr.value().ino);
  EXPECT_EQ(kept.value()->path().dentry.get(),
            vfs_->Resolve(AsRoot(), "/many/d0/f7", 0).value().dentry.get());
}

}  // namespace
}  // namespace ringfence::testing
