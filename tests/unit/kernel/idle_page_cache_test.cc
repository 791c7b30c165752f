// Page caches kept after the last mapping (IdlePageCaches): which files keep
// theirs, reuse without file reads, the limit, reclaim when allocations run
// out, low memory, and release with the inode.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kernel/mm/page_cache.h"
#include "kernel/vfs/idle_page_caches.h"
#include "kernel/vfs/inode_page_cache.h"
#include "tests/unit/kernel/host_frames.h"

namespace sentry::vfs::testing {
namespace {

using mm::kPageSize;
using mm::PhysAddr;
using sentry::testing::HostFrames;

class FakeFileSystem final : public FileSystem {
 public:
  explicit FakeFileSystem(bool read_only) : read_only_(read_only) {}
  const char* name() const override { return "fake"; }
  bool data_read_only() const override { return read_only_; }

 private:
  bool read_only_;
};

// A regular file over a string that counts its reads (the host reads a
// Gofer file would cost) and its destruction.
class CountingFile final : public Inode {
 public:
  CountingFile(FileSystem* fs, std::string data, int* destroyed)
      : Inode(fs, 1, kS_IFREG | 0444), data_(std::move(data)), destroyed_(destroyed) {}
  ~CountingFile() override { ++*destroyed_; }

  Attr Getattr() override {
    Attr attr;
    attr.mode = kS_IFREG | 0444;
    attr.size = data_.size();
    return attr;
  }
  ktl::Result<void> Setattr(const SetAttr&) override { return ktl::Errno::kEROFS; }
  ktl::Result<size_t> Read(IoBuffer& dst, uint64_t offset) override {
    ++reads;
    if (offset >= data_.size()) return size_t{0};
    size_t n = std::min<size_t>(dst.size(), data_.size() - offset);
    TRY(dst.CopyOut(0, data_.data() + offset, n));
    return n;
  }

  int reads = 0;

 private:
  std::string data_;
  int* destroyed_;
};

class IdlePageCacheTest : public ::testing::Test {
 protected:
  static constexpr size_t kLimitPages = 8;

  void SetUp() override { idle().Configure(&frames_.allocator, kLimitPages); }
  void TearDown() override { idle().Configure(nullptr, 0); }

  static IdlePageCaches& idle() { return IdlePageCaches::Get(); }

  // A file of `pages` pages, page i filled with 'a' + i.
  RefPtr<CountingFile> NewFile(bool read_only, size_t pages) {
    RefPtr<FakeFileSystem> fs = MakeRef<FakeFileSystem>(read_only);
    std::string data;
    for (size_t i = 0; i < pages; ++i) data.append(kPageSize, static_cast<char>('a' + i));
    return MakeRef<CountingFile>(fs.get(), data, &destroyed_);
  }

  // Maps every page of `file` (as faults would) and unmaps them all again,
  // which drops the cache's last reference; returns the frames.
  std::vector<PhysAddr> MapAndUnmap(CountingFile& file) {
    auto cache = InodePageCache::For(file, frames_.allocator);
    EXPECT_TRUE(cache.ok());
    std::vector<PhysAddr> mapped;
    size_t pages = file.Getattr().size / kPageSize;
    for (size_t i = 0; i < pages; ++i) {
      auto frame = cache.value()->GetPage(i);
      EXPECT_TRUE(frame.ok());
      EXPECT_EQ(frames_.At(frame.value())[0], static_cast<char>('a' + i));
      mapped.push_back(frame.value());
      frames_.allocator.Unref(frame.value());
    }
    return mapped;
  }

  HostFrames frames_{128};
  int destroyed_ = 0;
};

TEST_F(IdlePageCacheTest, ReadOnlyFileKeepsItsPagesForTheNextMapping) {
  RefPtr<CountingFile> file = NewFile(/*read_only=*/true, 3);
  size_t free_before = frames_.allocator.free_pages();
  std::vector<PhysAddr> first = MapAndUnmap(*file);
  EXPECT_EQ(file->reads, 3);
  EXPECT_EQ(idle().idle_caches(), 1u);
  EXPECT_EQ(idle().idle_pages(), 3u);
  EXPECT_EQ(frames_.allocator.free_pages(), free_before - 3);
  // The idle cache holds no reference on the inode.
  EXPECT_TRUE(file->HasOneReference());

  // Mapped again: the same frames, and not one read of the file.
  std::vector<PhysAddr> second = MapAndUnmap(*file);
  EXPECT_EQ(second, first);
  EXPECT_EQ(file->reads, 3);
  EXPECT_EQ(idle().idle_caches(), 1u);

  // read(2) through the revived cache reads no file either.
  {
    RefPtr<InodePageCache> cache = file->ActivePageCache();
    ASSERT_TRUE(cache);
    EXPECT_EQ(idle().idle_caches(), 0u);  // active while referenced
    char buffer[10];
    KernelIoBuffer dst(buffer, sizeof(buffer));
    auto read = cache->Read(dst, kPageSize + 5);
    ASSERT_TRUE(read.ok());
    EXPECT_EQ(read.value(), sizeof(buffer));
    EXPECT_EQ(buffer[0], 'b');
  }
  EXPECT_EQ(file->reads, 3);
  EXPECT_EQ(idle().idle_caches(), 1u);
}

TEST_F(IdlePageCacheTest, ReadsOfAReadOnlyFileFillItsCacheAWindowAtATime) {
  RefPtr<CountingFile> file = NewFile(/*read_only=*/true, 6);
  std::string out(6 * kPageSize, '\0');
  {
    RefPtr<InodePageCache> cache = InodePageCache::ForRead(*file);
    ASSERT_TRUE(cache);
    KernelIoBuffer dst(out.data(), out.size());
    auto read = cache->Read(dst, 0);
    ASSERT_TRUE(read.ok());
    EXPECT_EQ(read.value(), out.size());
  }
  EXPECT_EQ(out[0], 'a');
  EXPECT_EQ(out[5 * kPageSize + 7], 'f');
  EXPECT_EQ(file->reads, 1);  // six pages, one file read
  EXPECT_EQ(idle().idle_pages(), 6u);
  // Read again, then mapped: all from the cache.
  {
    RefPtr<InodePageCache> cache = InodePageCache::ForRead(*file);
    ASSERT_TRUE(cache);
    KernelIoBuffer dst(out.data(), 100);
    ASSERT_TRUE(cache->Read(dst, 3 * kPageSize - 50).ok());
  }
  EXPECT_EQ(out[0], 'c');
  EXPECT_EQ(out[99], 'd');
  MapAndUnmap(*file);
  EXPECT_EQ(file->reads, 1);
}

TEST_F(IdlePageCacheTest, LongReadsFillWindowsOfMaxFillPages) {
  idle().Configure(&frames_.allocator, 64);
  size_t pages = mm::PageCache::kMaxFillPages + 2;
  RefPtr<CountingFile> file = NewFile(/*read_only=*/true, pages);
  std::string out(pages * kPageSize, '\0');
  RefPtr<InodePageCache> cache = InodePageCache::ForRead(*file);
  ASSERT_TRUE(cache);
  KernelIoBuffer dst(out.data(), out.size());
  ASSERT_TRUE(cache->Read(dst, 0).ok());
  EXPECT_EQ(file->reads, 2);
  EXPECT_EQ(cache->cached_pages(), pages);
  EXPECT_EQ(out[(pages - 1) * kPageSize], static_cast<char>('a' + pages - 1));
}

TEST_F(IdlePageCacheTest, WritableFilesAreReadWithoutACache) {
  RefPtr<CountingFile> file = NewFile(/*read_only=*/false, 2);
  EXPECT_FALSE(InodePageCache::ForRead(*file));
  idle().Configure(&frames_.allocator, 0);
  RefPtr<CountingFile> read_only = NewFile(/*read_only=*/true, 2);
  EXPECT_FALSE(InodePageCache::ForRead(*read_only));  // nothing is kept: no reason to cache
}

TEST_F(IdlePageCacheTest, WritableFileDropsItsCacheWithTheLastMapping) {
  RefPtr<CountingFile> file = NewFile(/*read_only=*/false, 2);
  size_t free_before = frames_.allocator.free_pages();
  MapAndUnmap(*file);
  EXPECT_EQ(idle().idle_caches(), 0u);
  EXPECT_EQ(frames_.allocator.free_pages(), free_before);
  EXPECT_FALSE(file->ActivePageCache());
  MapAndUnmap(*file);
  EXPECT_EQ(file->reads, 4);  // read from the file again
}

TEST_F(IdlePageCacheTest, NothingIsKeptWithoutALimit) {
  idle().Configure(&frames_.allocator, 0);
  RefPtr<CountingFile> file = NewFile(/*read_only=*/true, 2);
  size_t free_before = frames_.allocator.free_pages();
  MapAndUnmap(*file);
  EXPECT_EQ(idle().idle_caches(), 0u);
  EXPECT_EQ(frames_.allocator.free_pages(), free_before);
}

TEST_F(IdlePageCacheTest, OverTheLimitTheOldestIdleCachesGo) {
  RefPtr<CountingFile> older = NewFile(/*read_only=*/true, 5);
  RefPtr<CountingFile> newer = NewFile(/*read_only=*/true, 5);
  size_t free_before = frames_.allocator.free_pages();
  MapAndUnmap(*older);
  MapAndUnmap(*newer);  // 10 pages idle > 8: the older cache goes
  EXPECT_EQ(idle().idle_caches(), 1u);
  EXPECT_EQ(idle().idle_pages(), 5u);
  EXPECT_EQ(frames_.allocator.free_pages(), free_before - 5);
  MapAndUnmap(*newer);
  EXPECT_EQ(newer->reads, 5);
  MapAndUnmap(*older);  // refilled from the file, and now newer is the oldest
  EXPECT_EQ(older->reads, 10);
  EXPECT_EQ(idle().idle_pages(), 5u);
  MapAndUnmap(*newer);
  EXPECT_EQ(newer->reads, 10);
}

TEST_F(IdlePageCacheTest, AllocationsThatFindNoPageReclaimIdleFrames) {
  RefPtr<CountingFile> file = NewFile(/*read_only=*/true, 4);
  idle().Configure(&frames_.allocator, 1000);  // the limit is not what frees them
  MapAndUnmap(*file);
  ASSERT_EQ(idle().idle_pages(), 4u);
  // Use up every free page: parking now would trim (low memory), but the
  // cache is parked already; the allocations that find nothing reclaim.
  std::vector<PhysAddr> taken;
  while (frames_.allocator.free_pages() > 0) taken.push_back(frames_.allocator.AllocPage().value());
  auto extra = frames_.allocator.AllocPage();
  ASSERT_TRUE(extra.ok());
  taken.push_back(extra.value());
  EXPECT_EQ(idle().idle_pages(), 0u);
  EXPECT_EQ(idle().idle_caches(), 1u);  // listed, empty
  for (PhysAddr frame : taken) frames_.allocator.Unref(frame);
  // The emptied cache refills from the file.
  MapAndUnmap(*file);
  EXPECT_EQ(file->reads, 8);
}

TEST_F(IdlePageCacheTest, WithoutIdleCachesAllocationFailureStaysEnomem) {
  std::vector<PhysAddr> taken;
  while (frames_.allocator.free_pages() > 0) taken.push_back(frames_.allocator.AllocPage().value());
  EXPECT_EQ(frames_.allocator.AllocPage().error(), ktl::Errno::kENOMEM);
  for (PhysAddr frame : taken) frames_.allocator.Unref(frame);
}

TEST_F(IdlePageCacheTest, LowMemoryKeepsNothingIdle) {
  RefPtr<CountingFile> file = NewFile(/*read_only=*/true, 2);
  RefPtr<InodePageCache> cache = InodePageCache::For(*file, frames_.allocator).value();
  for (uint64_t i = 0; i < 2; ++i) frames_.allocator.Unref(cache->GetPage(i).value());
  // Leave fewer free pages than total / kLowMemoryDivisor.
  std::vector<PhysAddr> taken;
  while (frames_.allocator.free_pages() >=
         frames_.allocator.total_pages() / IdlePageCaches::kLowMemoryDivisor) {
    taken.push_back(frames_.allocator.AllocPage().value());
  }
  size_t free_before = frames_.allocator.free_pages();
  cache.reset();  // the last mapping goes
  EXPECT_EQ(idle().idle_caches(), 0u);
  EXPECT_EQ(frames_.allocator.free_pages(), free_before + 2);
  for (PhysAddr frame : taken) frames_.allocator.Unref(frame);
}

TEST_F(IdlePageCacheTest, TheInodeGoingDeletesItsIdleCache) {
  RefPtr<CountingFile> file = NewFile(/*read_only=*/true, 3);
  size_t free_before = frames_.allocator.free_pages();
  MapAndUnmap(*file);
  ASSERT_EQ(idle().idle_caches(), 1u);
  file.reset();  // as when the dentry cache evicts a Gofer node
  EXPECT_EQ(destroyed_, 1);
  EXPECT_EQ(idle().idle_caches(), 0u);
  EXPECT_EQ(idle().idle_pages(), 0u);
  EXPECT_EQ(frames_.allocator.free_pages(), free_before);
}

TEST_F(IdlePageCacheTest, AMappedCacheKeepsItsInodeAlive) {
  RefPtr<CountingFile> file = NewFile(/*read_only=*/true, 1);
  RefPtr<InodePageCache> cache = InodePageCache::For(*file, frames_.allocator).value();
  CountingFile* raw = file.get();
  file.reset();
  EXPECT_EQ(destroyed_, 0);  // the mapping still reads through it
  frames_.allocator.Unref(cache->GetPage(0).value());
  EXPECT_EQ(raw->reads, 1);
  cache.reset();  // unmapped: parked, then the inode goes and takes it along
  EXPECT_EQ(destroyed_, 1);
  EXPECT_EQ(idle().idle_caches(), 0u);
}

}  // namespace
}  // namespace sentry::vfs::testing
