// tmpfs: file data (sparse pages, truncation, append, large files, limits),
// directories (getdents cookies under concurrent changes), link counts,
// timestamps and inode numbers.
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "kernel/mm/page_allocator.h"
#include "tests/unit/kernel/vfs_test_fixture.h"

namespace sentry::vfs::testing {
namespace {

using ktl::Errno;

class TmpfsTest : public VfsTest {
 protected:
  RefPtr<FileDescription> OpenRw(const char* path) {
    auto f = vfs_.Open(AsRoot(), path, kO_CREAT | kO_RDWR, 0644);
    EXPECT_TRUE(f.ok()) << path;
    return f.ok() ? f.value() : RefPtr<FileDescription>();
  }
  static tmpfs::RegularFile& Regular(FileDescription& f) {
    return static_cast<tmpfs::RegularFile&>(f.inode());
  }
};

TEST_F(TmpfsTest, SparseWritesLeaveHolesThatReadAsZeros) {
  auto f = OpenRw("/sparse");
  size_t baseline = pages_.pages_in_use();
  ASSERT_EQ(WriteAt(*f, "end", 10 * 4096 + 100), 3u);
  EXPECT_EQ(StatOf("/sparse").size, 10u * 4096 + 103);
  EXPECT_EQ(Regular(*f).resident_pages(), 1u);
  EXPECT_EQ(pages_.pages_in_use(), baseline + 1);
  EXPECT_EQ(StatOf("/sparse").blocks, 8u);
  std::string head = ReadAt(*f, 5000, 0);
  EXPECT_EQ(head, std::string(5000, '\0'));
  std::string across = ReadAt(*f, 200, 10 * 4096);
  ASSERT_EQ(across.size(), 103u);
  EXPECT_EQ(across.substr(0, 100), std::string(100, '\0'));
  EXPECT_EQ(across.substr(100), "end");
  // Writing into the hole allocates only that page.
  ASSERT_EQ(WriteAt(*f, "mid", 5 * 4096 + 4094), 3u);  // straddles pages 5 and 6
  EXPECT_EQ(Regular(*f).resident_pages(), 3u);
  EXPECT_EQ(ReadAt(*f, 3, 5 * 4096 + 4094), "mid");
}

TEST_F(TmpfsTest, ReadsPastEndAndShortReads) {
  auto f = OpenRw("/f");
  ASSERT_EQ(WriteAt(*f, "0123456789", 0), 10u);
  EXPECT_EQ(ReadAt(*f, 100, 4), "456789");
  EXPECT_EQ(ReadAt(*f, 100, 10), "");
  EXPECT_EQ(ReadAt(*f, 100, 1 << 30), "");
  EXPECT_EQ(ReadAt(*f, 0, 0), "");
  // Sequential reads advance the position; pread does not.
  ASSERT_TRUE(f->Lseek(0, kSEEK_SET).ok());
  EXPECT_EQ(ReadAt(*f, 4, -1), "0123");
  EXPECT_EQ(ReadAt(*f, 2, 8), "89");
  EXPECT_EQ(ReadAt(*f, 4, -1), "4567");
  EXPECT_EQ(ReadAt(*f, 4, -1), "89");
  EXPECT_EQ(ReadAt(*f, 4, -1), "");
  EXPECT_EQ(f->position(), 10);
}

TEST_F(TmpfsTest, TruncateDownZeroesAndFreesTruncateUpIsAHole) {
  auto f = OpenRw("/t");
  std::string data(3 * 4096, 'x');
  ASSERT_EQ(WriteAt(*f, data, 0), data.size());
  EXPECT_EQ(Regular(*f).resident_pages(), 3u);
  ASSERT_EQ(ErrorOf(vfs_.Truncate(AsRoot(), "/t", 4096 + 10)), Errno{0});
  EXPECT_EQ(Regular(*f).resident_pages(), 2u);
  // Growing again exposes zeros, not the old bytes.
  ASSERT_EQ(ErrorOf(vfs_.Truncate(AsRoot(), "/t", 3 * 4096)), Errno{0});
  EXPECT_EQ(Regular(*f).resident_pages(), 2u);
  std::string back = ReadAt(*f, 3 * 4096, 0);
  ASSERT_EQ(back.size(), 3u * 4096);
  EXPECT_EQ(back.substr(0, 4096 + 10), std::string(4096 + 10, 'x'));
  EXPECT_EQ(back.substr(4096 + 10), std::string(2 * 4096 - 10, '\0'));
  // A write past the end after a shrink: the gap reads as zeros too.
  ASSERT_EQ(ErrorOf(vfs_.Truncate(AsRoot(), "/t", 5)), Errno{0});
  ASSERT_EQ(WriteAt(*f, "Z", 20), 1u);
  EXPECT_EQ(ReadAt(*f, 100, 0), std::string("xxxxx") + std::string(15, '\0') + "Z");
  ASSERT_EQ(ErrorOf(vfs_.Truncate(AsRoot(), "/t", 0)), Errno{0});
  EXPECT_EQ(Regular(*f).resident_pages(), 0u);
  EXPECT_EQ(StatOf("/t").blocks, 0u);
}

TEST_F(TmpfsTest, Append) {
  auto f = vfs_.Open(AsRoot(), "/log", kO_CREAT | kO_WRONLY | kO_APPEND, 0644);
  ASSERT_TRUE(f.ok());
  auto other = OpenRw("/log");
  ASSERT_EQ(WriteAt(*f.value(), "one ", -1), 4u);
  ASSERT_EQ(WriteAt(*other, "TWO ", 4), 4u);  // someone else extends the file
  ASSERT_EQ(WriteAt(*f.value(), "three", -1), 5u);
  EXPECT_EQ(ReadFile("/log"), "one TWO three");
  EXPECT_EQ(f.value()->position(), 13);
}

TEST_F(TmpfsTest, LargeFileRoundTrip) {
  auto f = OpenRw("/big");
  std::string data(3 * 1024 * 1024 + 123, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 7 + i / 4096) & 0xff);
  // Write in odd-sized chunks through the file position.
  for (size_t at = 0; at < data.size(); at += 10007) {
    ASSERT_EQ(WriteAt(*f, data.substr(at, 10007), -1), std::min<size_t>(10007, data.size() - at));
  }
  EXPECT_EQ(StatOf("/big").size, data.size());
  EXPECT_EQ(Regular(*f).resident_pages(), (data.size() + 4095) / 4096);
  EXPECT_EQ(ReadAt(*f, data.size() + 50, 0), data);
  // Far offsets: near the maximum file size.
  uint64_t far = tmpfs::kMaxFileSize - 2;
  ASSERT_EQ(WriteAt(*f, "ab", static_cast<int64_t>(far)), 2u);
  EXPECT_EQ(StatOf("/big").size, tmpfs::kMaxFileSize);
  EXPECT_EQ(ReadAt(*f, 2, static_cast<int64_t>(far)), "ab");
  // Beyond it: EFBIG, or a short write up to the limit.
  std::string x = "xyz";
  KernelIoBuffer io(static_cast<const void*>(x.data()), x.size());
  EXPECT_EQ(ErrorOf(f->WriteFrom(io, static_cast<int64_t>(tmpfs::kMaxFileSize))), Errno::kEFBIG);
  auto short_write = f->WriteFrom(io, static_cast<int64_t>(tmpfs::kMaxFileSize - 1));
  ASSERT_TRUE(short_write.ok());
  EXPECT_EQ(short_write.value(), 1u);
}

TEST_F(TmpfsTest, SizeLimitIsEnospc) {
  ASSERT_EQ(Mkdir("/small"), Errno{0});
  ASSERT_TRUE(vfs_.Mount(AsRoot(), "/small", NewTmpfs(/*max_bytes=*/4 * 4096), 0).ok());
  auto f = OpenRw("/small/f");
  std::string data(6 * 4096, 'q');
  KernelIoBuffer io(static_cast<const void*>(data.data()), data.size());
  auto n = f->WriteFrom(io, 0);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n.value(), 4u * 4096);  // short write up to the limit
  EXPECT_EQ(ErrorOf(f->WriteFrom(io, 4 * 4096)), Errno::kENOSPC);
  // Rewriting allocated pages needs no space; holes need none either.
  EXPECT_EQ(WriteAt(*f, "rewrite", 10), 7u);
  EXPECT_EQ(ErrorOf(vfs_.Truncate(AsRoot(), "/small/f", 1 << 20)), Errno{0});
  // Freeing makes room again.
  ASSERT_EQ(ErrorOf(vfs_.Truncate(AsRoot(), "/small/f", 4096)), Errno{0});
  EXPECT_EQ(WriteAt(*f, std::string(3 * 4096, 'r'), 4096), 3u * 4096);
}

TEST_F(TmpfsTest, InodeLimitIsEnospc) {
  tmpfs::Options options;
  options.clock = &clock_;
  options.pages = &pages_;
  options.max_inodes = 3;  // the root and two more
  ASSERT_EQ(Mkdir("/few"), Errno{0});
  ASSERT_TRUE(vfs_.Mount(AsRoot(), "/few", tmpfs::Create(options).value(), 0).ok());
  EXPECT_EQ(Mkdir("/few/a"), Errno{0});
  EXPECT_EQ(WriteFile("/few/b", ""), Errno{0});
  EXPECT_EQ(Mkdir("/few/c"), Errno::kENOSPC);
  EXPECT_EQ(Unlink("/few/b"), Errno{0});
  EXPECT_EQ(Mkdir("/few/c"), Errno{0});
}

TEST_F(TmpfsTest, CreateNeedsClockAndPages) {
  tmpfs::Options options;
  EXPECT_EQ(ErrorOf(tmpfs::Create(options)), Errno::kEINVAL);
}

TEST_F(TmpfsTest, PagesFromAPageAllocator) {
  constexpr size_t kBytes = 64 * 4096;
  auto* buffer = static_cast<std::byte*>(std::aligned_alloc(4096, kBytes));
  ASSERT_NE(buffer, nullptr);
  constexpr mm::PhysAddr kBase = 0x100000;
  {
    mm::PageAllocator allocator;
    ASSERT_TRUE(allocator.Init(buffer - kBase, kBase, kBase + kBytes).ok());
    size_t free_before = allocator.free_pages();
    tmpfs::PageAllocatorPageSource source(&allocator);
    tmpfs::Options options;
    options.clock = &clock_;
    options.pages = &source;
    {
      Vfs vfs;
      ASSERT_TRUE(vfs.MountRoot(tmpfs::Create(options).value(), 0).ok());
      Path root = vfs.root();
      Caller caller{root, root, root_creds_, 022};
      auto f = vfs.Open(caller, "/f", kO_CREAT | kO_RDWR, 0644);
      ASSERT_TRUE(f.ok());
      std::string data(3 * 4096, 'p');
      KernelIoBuffer io(static_cast<const void*>(data.data()), data.size());
      ASSERT_EQ(f.value()->WriteFrom(io, 8192).value(), data.size());
      EXPECT_EQ(allocator.free_pages(), free_before - 3);
      EXPECT_EQ(ReadAll(*f.value()).substr(8192), data);
    }
    EXPECT_EQ(allocator.free_pages(), free_before);
  }
  std::free(buffer);
}

TEST_F(TmpfsTest, LinkCountsAndInodeNumbers) {
  ASSERT_EQ(Mkdir("/d"), Errno{0});
  ASSERT_EQ(WriteFile("/d/f", ""), Errno{0});
  ASSERT_EQ(Mkdir("/d/s1"), Errno{0});
  ASSERT_EQ(Mkdir("/d/s2"), Errno{0});
  EXPECT_EQ(StatOf("/d").nlink, 4u);
  EXPECT_EQ(StatOf("/d/f").nlink, 1u);
  ASSERT_EQ(ErrorOf(vfs_.Link(AsRoot(), "/d/f", AsRoot(), "/d/g", 0)), Errno{0});
  EXPECT_EQ(StatOf("/d/g").nlink, 2u);
  ASSERT_EQ(Unlink("/d/f"), Errno{0});
  EXPECT_EQ(StatOf("/d/g").nlink, 1u);
  ASSERT_EQ(Rmdir("/d/s1"), Errno{0});
  EXPECT_EQ(StatOf("/d").nlink, 3u);
  std::set<uint64_t> inos;
  for (const char* p : {"/", "/d", "/d/g", "/d/s2"}) inos.insert(StatOf(p).ino);
  EXPECT_EQ(inos.size(), 4u);
  // Directory sizes count entries (tmpfs's BOGO_DIRENT_SIZE).
  EXPECT_EQ(StatOf("/d").size, 4u * tmpfs::kBogoDirentSize);
}

TEST_F(TmpfsTest, Timestamps) {
  clock_.now = {5000, 1};
  ASSERT_EQ(Mkdir("/d"), Errno{0});
  Attr dir = StatOf("/d");
  EXPECT_TRUE(SameTime(dir.mtime, clock_.now));
  clock_.now = {6000, 2};
  ASSERT_EQ(WriteFile("/d/f", "x"), Errno{0});
  Attr file = StatOf("/d/f");
  EXPECT_TRUE(SameTime(file.atime, clock_.now));
  EXPECT_TRUE(SameTime(file.mtime, clock_.now));
  EXPECT_TRUE(SameTime(file.ctime, clock_.now));
  EXPECT_TRUE(SameTime(StatOf("/d").mtime, clock_.now));  // a new entry changes the dir
  // A write updates mtime and ctime; a read (relatime) atime once after it.
  clock_.now = {7000, 0};
  auto f = vfs_.Open(AsRoot(), "/d/f", kO_RDWR, 0);
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(WriteAt(*f.value(), "y", 0), 1u);
  EXPECT_TRUE(SameTime(StatOf("/d/f").mtime, clock_.now));
  EXPECT_TRUE(SameTime(StatOf("/d/f").atime, (Timespec{6000, 2})));
  clock_.now = {8000, 0};
  ASSERT_EQ(ReadAt(*f.value(), 1, 0), "y");
  EXPECT_TRUE(SameTime(StatOf("/d/f").atime, clock_.now));
  clock_.now = {9000, 0};
  ASSERT_EQ(ReadAt(*f.value(), 1, 0), "y");
  EXPECT_TRUE(SameTime(StatOf("/d/f").atime, (Timespec{8000, 0})));  // relatime: unchanged
  // chmod changes ctime only; unlink changes the dir's mtime and the
  // remaining link's ctime.
  clock_.now = {10000, 0};
  ASSERT_EQ(ErrorOf(vfs_.Chmod(AsRoot(), "/d/f", 0600, 0)), Errno{0});
  EXPECT_TRUE(SameTime(StatOf("/d/f").ctime, clock_.now));
  EXPECT_TRUE(SameTime(StatOf("/d/f").mtime, (Timespec{7000, 0})));
  ASSERT_EQ(ErrorOf(vfs_.Link(AsRoot(), "/d/f", AsRoot(), "/d/g", 0)), Errno{0});
  clock_.now = {11000, 0};
  ASSERT_EQ(Unlink("/d/f"), Errno{0});
  EXPECT_TRUE(SameTime(StatOf("/d").mtime, clock_.now));
  EXPECT_TRUE(SameTime(StatOf("/d/g").ctime, clock_.now));
}

TEST_F(TmpfsTest, GetdentsListsEverythingOnceWithTypes) {
  ASSERT_EQ(Mkdir("/d"), Errno{0});
  ASSERT_EQ(WriteFile("/d/file", ""), Errno{0});
  ASSERT_EQ(Mkdir("/d/sub"), Errno{0});
  ASSERT_EQ(Symlink("x", "/d/link"), Errno{0});
  ASSERT_EQ(ErrorOf(vfs_.Mknod(AsRoot(), "/d/fifo", kS_IFIFO | 0644, 0)), Errno{0});
  auto dir = vfs_.Open(AsRoot(), "/d", kO_RDONLY | kO_DIRECTORY, 0);
  ASSERT_TRUE(dir.ok());
  alignas(8) char buffer[4096];
  KernelIoBuffer io(static_cast<void*>(buffer), sizeof(buffer));
  auto n = dir.value()->Getdents64(io);
  ASSERT_TRUE(n.ok());
  std::vector<std::pair<std::string, uint8_t>> seen;
  uint64_t dot_ino = 0, dotdot_ino = 0;
  for (size_t at = 0; at < n.value();) {
    uint64_t ino;
    uint16_t reclen;
    memcpy(&ino, buffer + at, 8);
    memcpy(&reclen, buffer + at + 16, 2);
    EXPECT_EQ(reclen % 8, 0u);
    std::string name(buffer + at + 19);
    if (name == ".") dot_ino = ino;
    if (name == "..") dotdot_ino = ino;
    seen.emplace_back(name, static_cast<uint8_t>(buffer[at + 18]));
    at += reclen;
  }
  ASSERT_EQ(seen.size(), 6u);
  EXPECT_EQ(seen[0], std::make_pair(std::string("."), kDT_DIR));
  EXPECT_EQ(seen[1], std::make_pair(std::string(".."), kDT_DIR));
  EXPECT_EQ(seen[2], std::make_pair(std::string("file"), kDT_REG));
  EXPECT_EQ(seen[3], std::make_pair(std::string("sub"), kDT_DIR));
  EXPECT_EQ(seen[4], std::make_pair(std::string("link"), kDT_LNK));
  EXPECT_EQ(seen[5], std::make_pair(std::string("fifo"), kDT_FIFO));
  EXPECT_EQ(dot_ino, StatOf("/d").ino);
  EXPECT_EQ(dotdot_ino, StatOf("/").ino);
  // At the end: 0.
  EXPECT_EQ(dir.value()->Getdents64(io).value(), 0u);
  // A buffer too small for one record: EINVAL.
  ASSERT_TRUE(dir.value()->Lseek(0, kSEEK_SET).ok());
  KernelIoBuffer tiny(static_cast<void*>(buffer), 20);
  EXPECT_EQ(ErrorOf(dir.value()->Getdents64(tiny)), Errno::kEINVAL);
  // getdents on a file: ENOTDIR; read on a directory: EISDIR.
  auto file = vfs_.Open(AsRoot(), "/d/file", kO_RDONLY, 0);
  EXPECT_EQ(ErrorOf(file.value()->Getdents64(io)), Errno::kENOTDIR);
  EXPECT_EQ(ErrorOf(dir.value()->ReadTo(io, -1)), Errno::kEISDIR);
}

TEST_F(TmpfsTest, GetdentsCookiesSurviveConcurrentChanges) {
  ASSERT_EQ(Mkdir("/d"), Errno{0});
  constexpr int kFiles = 200;
  for (int i = 0; i < kFiles; ++i) {
    ASSERT_EQ(WriteFile(("/d/f" + std::to_string(i)).c_str(), ""), Errno{0});
  }
  auto dir = vfs_.Open(AsRoot(), "/d", kO_RDONLY | kO_DIRECTORY, 0);
  ASSERT_TRUE(dir.ok());
  std::multiset<std::string> seen;
  int round = 0;
  int added = 0;
  for (;;) {
    alignas(8) char buffer[256];  // a few entries per call
    KernelIoBuffer io(static_cast<void*>(buffer), sizeof(buffer));
    auto n = dir.value()->Getdents64(io);
    ASSERT_TRUE(n.ok());
    if (n.value() == 0) break;
    for (size_t at = 0; at < n.value();) {
      uint16_t reclen;
      memcpy(&reclen, buffer + at + 16, 2);
      seen.insert(std::string(buffer + at + 19));
      at += reclen;
    }
    // Between calls: remove an entry not yet listed, remove one already
    // listed, and add a new one.
    ++round;
    int ahead = kFiles - 1 - round;  // listed last, so still ahead
    if (ahead <= round) continue;  // the two ranges met: stop changing things
    ASSERT_EQ(Unlink(("/d/f" + std::to_string(ahead)).c_str()), Errno{0});
    ASSERT_EQ(Unlink(("/d/f" + std::to_string(round - 1)).c_str()), Errno{0});
    ASSERT_EQ(WriteFile(("/d/new" + std::to_string(round)).c_str(), ""), Errno{0});
    ++added;
  }
  ASSERT_GT(added, 5);
  // Entries added during the walk come after every older one: all listed.
  for (int r = 1; r <= added; ++r) EXPECT_EQ(seen.count("new" + std::to_string(r)), 1u) << r;
  // No entry twice; every entry present throughout was listed.
  for (const std::string& name : seen) EXPECT_EQ(seen.count(name), 1u) << name;
  for (int i = added; i < kFiles - 1 - added; ++i) {
    EXPECT_EQ(seen.count("f" + std::to_string(i)), 1u) << i;
  }
  // Removed-before-reached entries are not listed.
  EXPECT_EQ(seen.count("f" + std::to_string(kFiles - 2)), 0u);
  EXPECT_EQ(seen.count("."), 1u);
  EXPECT_EQ(seen.count(".."), 1u);
}

TEST_F(TmpfsTest, GetdentsResumesFromASavedPosition) {
  ASSERT_EQ(Mkdir("/d"), Errno{0});
  for (const char* name : {"/d/a", "/d/b", "/d/c", "/d/e"}) ASSERT_EQ(WriteFile(name, ""), Errno{0});
  auto dir = vfs_.Open(AsRoot(), "/d", kO_RDONLY | kO_DIRECTORY, 0);
  ASSERT_TRUE(dir.ok());
  // Read "." , "..", "a" one record at a time (each 24 bytes).
  alignas(8) char buffer[24];
  KernelIoBuffer one(static_cast<void*>(buffer), sizeof(buffer));
  for (int i = 0; i < 3; ++i) ASSERT_EQ(dir.value()->Getdents64(one).value(), 24u);
  EXPECT_STREQ(buffer + 19, "a");
  int64_t saved = dir.value()->Lseek(0, kSEEK_CUR).value();  // telldir
  ASSERT_EQ(dir.value()->Getdents64(one).value(), 24u);
  EXPECT_STREQ(buffer + 19, "b");
  ASSERT_EQ(Unlink("/d/b"), Errno{0});
  ASSERT_EQ(dir.value()->Lseek(saved, kSEEK_SET).value(), saved);  // seekdir
  ASSERT_EQ(dir.value()->Getdents64(one).value(), 24u);
  EXPECT_STREQ(buffer + 19, "c");  // b is gone, c is next
  EXPECT_EQ(ErrorOf(dir.value()->Lseek(0, kSEEK_END)), Errno::kEINVAL);
  // Rename in place keeps the entry's position.
  ASSERT_EQ(Rename("/d/a", "/d/z"), Errno{0});
  EXPECT_EQ(List("/d"), (std::vector<std::string>{".", "..", "z", "c", "e"}));
}

TEST_F(TmpfsTest, FaultingWriteKeepsBytesPastTheEndZero) {
  // An IoBuffer that fails part way, like a user buffer with an unmapped page.
  class Faulty final : public IoBuffer {
   public:
    size_t size() const override { return 8192; }
    ktl::Result<void> CopyOut(size_t, const void*, size_t) override { return Errno::kEFAULT; }
    ktl::Result<void> CopyIn(size_t at, void* out, size_t length) override {
      // Scribble, then fail, for the second page of the file.
      memset(out, 'J', length);
      if (at >= 3996) return Errno::kEFAULT;
      return ktl::Ok();
    }
  } faulty;
  auto f = OpenRw("/f");
  ASSERT_EQ(WriteAt(*f, "abc", 0), 3u);
  auto n = f->WriteFrom(faulty, 100);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n.value(), 3996u);  // up to the page boundary
  EXPECT_EQ(StatOf("/f").size, 4096u);
  ASSERT_EQ(ErrorOf(vfs_.Truncate(AsRoot(), "/f", 3 * 4096)), Errno{0});
  EXPECT_TRUE(ReadAt(*f, 8192, 4096) == std::string(8192, '\0'));
  EXPECT_TRUE(ReadAt(*f, 3996, 100) == std::string(3996, 'J'));
  // Nothing written at all: the error.
  class AlwaysFaulty final : public IoBuffer {
   public:
    size_t size() const override { return 10; }
    ktl::Result<void> CopyOut(size_t, const void*, size_t) override { return Errno::kEFAULT; }
    ktl::Result<void> CopyIn(size_t, void*, size_t) override { return Errno::kEFAULT; }
  } always;
  EXPECT_EQ(ErrorOf(f->WriteFrom(always, 0)), Errno::kEFAULT);
  EXPECT_EQ(ErrorOf(f->ReadTo(always, 0)), Errno::kEFAULT);
}

TEST_F(TmpfsTest, UnlinkedFileDataIsFreedOnLastClose) {
  size_t before = pages_.pages_in_use();
  {
    auto f = OpenRw("/f");
    ASSERT_EQ(WriteAt(*f, std::string(5 * 4096, 'a'), 0), 5u * 4096);
    EXPECT_EQ(pages_.pages_in_use(), before + 5);
    ASSERT_EQ(Unlink("/f"), Errno{0});
    EXPECT_EQ(pages_.pages_in_use(), before + 5);  // still open
  }
  EXPECT_EQ(pages_.pages_in_use(), before);
}

TEST_F(TmpfsTest, UserIoBufferIsEfaultHosted) {
  // Hosted builds have no user address space; the Sentry path is
  // exercised by the integration tests once the syscalls are wired.
  fs::UserSegment segment{0x1000, 10};
  UserIoBuffer io(*static_cast<mm::AddressSpace*>(nullptr), std::span(&segment, 1));
  EXPECT_EQ(io.size(), 10u);
  char out[10];
  EXPECT_EQ(ErrorOf(io.CopyIn(0, out, 10)), Errno::kEFAULT);
  EXPECT_EQ(ErrorOf(io.CopyIn(5, out, 10)), Errno::kEFAULT);
}

}  // namespace
}  // namespace sentry::vfs::testing
