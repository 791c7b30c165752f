// File-backed memory objects: the page cache (fill, EOF, dirty tracking,
// writeback, release), its coherence with read/write through a file
// description, tmpfs's direct frames, and the VMA rules for file mappings.
#include <cstdlib>
#include <cstring>
#include <string>

#include "kernel/mm/maps_line.h"
#include "kernel/mm/page_cache.h"
#include "kernel/mm/vma_set.h"
#include "kernel/vfs/inode_page_cache.h"
#include "tests/unit/kernel/host_frames.h"
#include "tests/unit/kernel/vfs_test_fixture.h"

namespace sentry::vfs::testing {
namespace {

using ktl::Errno;
using mm::kPageSize;
using mm::PhysAddr;

using sentry::testing::HostFrames;

// A page cache over a std::string, with injectable write failures.
class StringCache final : public mm::PageCache {
 public:
  StringCache(mm::PageAllocator& pages, std::string* file) : PageCache(pages), file_(file) {}
  bool fail_writes = false;
  int writes = 0;

 protected:
  uint64_t FileSize() override { return file_->size(); }
  ktl::Result<size_t> FileRead(uint64_t offset, std::byte* out, size_t length) override {
    if (offset >= file_->size()) return size_t{0};
    size_t n = std::min<size_t>(length, file_->size() - offset);
    std::memcpy(out, file_->data() + offset, n);
    return n;
  }
  ktl::Result<void> FileWrite(uint64_t offset, const std::byte* data, size_t length) override {
    if (fail_writes) return Errno::kEIO;
    ++writes;
    if (offset + length > file_->size()) file_->resize(offset + length);
    std::memcpy(file_->data() + offset, data, length);
    return ktl::Ok();
  }

 private:
  std::string* file_;
};

TEST(PageCacheTest, FillsPagesFromTheFileAndRefusesPagesPastTheEnd) {
  HostFrames frames(32);
  size_t free_before = frames.allocator.free_pages();
  std::string file(kPageSize + 10, 'a');
  file[kPageSize] = 'b';
  {
    auto cache = RefPtr<StringCache>::Adopt(new StringCache(frames.allocator, &file));
    auto page1 = cache->GetPage(1);
    ASSERT_TRUE(page1.ok());
    EXPECT_EQ(frames.At(page1.value())[0], 'b');
    EXPECT_EQ(frames.At(page1.value())[9], 'a');
    EXPECT_EQ(frames.At(page1.value())[10], '\0');  // the tail of the last page is zeros
    EXPECT_EQ(frames.allocator.RefCount(page1.value()), 2u);  // the cache's and ours
    // The same frame again, not a second copy.
    auto again = cache->GetPage(1);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again.value(), page1.value());
    EXPECT_EQ(cache->GetPage(2).error(), Errno::kENXIO);
    EXPECT_TRUE(cache->IsResident(1));
    EXPECT_FALSE(cache->IsResident(0));
    // The file shrank: its cached page past the new end is out of reach.
    file.resize(kPageSize);
    EXPECT_EQ(cache->GetPage(1).error(), Errno::kENXIO);
    frames.allocator.Unref(page1.value());
    frames.allocator.Unref(again.value());
  }
  EXPECT_EQ(frames.allocator.free_pages(), free_before);
}

TEST(PageCacheTest, WritesBackOnlyDirtyPagesClippedToTheFileSize) {
  HostFrames frames(32);
  std::string file(kPageSize + 100, 'x');
  auto cache = RefPtr<StringCache>::Adopt(new StringCache(frames.allocator, &file));
  PhysAddr p0 = cache->GetPage(0).value();
  PhysAddr p1 = cache->GetPage(1).value();
  frames.At(p0)[5] = 'A';
  frames.At(p1)[5] = 'B';
  frames.At(p1)[200] = 'Z';  // past the end: must not extend the file
  cache->MarkDirty(1);
  ASSERT_TRUE(cache->Writeback(0, 10).ok());
  EXPECT_EQ(cache->writes, 1);
  EXPECT_EQ(file.size(), kPageSize + 100);
  EXPECT_EQ(file[kPageSize + 5], 'B');
  EXPECT_EQ(file[5], 'x');  // page 0 was never marked dirty
  EXPECT_FALSE(cache->IsDirty(1));
  // Clean now: nothing more to write.
  ASSERT_TRUE(cache->Writeback(0, 10).ok());
  EXPECT_EQ(cache->writes, 1);
  // A failed writeback leaves the page dirty and reports the error.
  cache->MarkDirty(0);
  cache->fail_writes = true;
  EXPECT_EQ(cache->Writeback(0, 1).error(), Errno::kEIO);
  EXPECT_TRUE(cache->IsDirty(0));
  cache->fail_writes = false;
  ASSERT_TRUE(cache->Writeback(0, 1).ok());
  EXPECT_EQ(file[5], 'A');
  frames.allocator.Unref(p0);
  frames.allocator.Unref(p1);
}

class MappedFileTest : public VfsTest {
 protected:
  RefPtr<FileDescription> Open(const char* path, uint32_t flags = kO_CREAT | kO_RDWR) {
    auto f = vfs_.Open(AsRoot(), path, flags, 0644);
    EXPECT_TRUE(f.ok()) << path;
    return f.ok() ? f.value() : RefPtr<FileDescription>();
  }
  HostFrames frames_{64};
};

// The fixture's tmpfs takes its pages from the heap, which cannot be mapped,
// so its files get the generic page cache, as any file system's would.
TEST_F(MappedFileTest, GenericPageCacheIsCoherentWithReadAndWrite) {
  auto f = Open("/generic");
  WriteAt(*f, std::string(2 * kPageSize, 'o'), 0);
  auto object = f->inode().GetMemoryObject(frames_.allocator);
  ASSERT_TRUE(object.ok());
  EXPECT_TRUE(object.value()->tracks_dirty());
  ASSERT_TRUE(f->inode().ActivePageCache());
  PhysAddr page = object.value()->GetPage(1).value();
  // A "mapping" writes the page: read(2) sees it before any writeback.
  std::memcpy(frames_.At(page) + 10, "mapped", 6);
  object.value()->MarkDirty(1);
  EXPECT_EQ(ReadAt(*f, 6, kPageSize + 10), "mapped");
  // write(2) reaches the cached page.
  WriteAt(*f, "fd!", kPageSize + 100);
  EXPECT_EQ(std::string(frames_.At(page) + 100, 3), "fd!");
  // A second mapping shares the cache.
  auto second = f->inode().GetMemoryObject(frames_.allocator);
  EXPECT_EQ(second.value().get(), object.value().get());
  frames_.allocator.Unref(page);
  second.value().reset();
  object.value().reset();
  // The last mapping went: written back, cache gone, frames freed.
  EXPECT_FALSE(f->inode().ActivePageCache());
  EXPECT_EQ(ReadAt(*f, 6, kPageSize + 10), "mapped");
  EXPECT_EQ(ReadAt(*f, 3, kPageSize + 100), "fd!");
  EXPECT_EQ(frames_.allocator.free_pages(), frames_.allocator.total_pages());
}

TEST_F(MappedFileTest, DirectoriesCannotBeMapped) {
  ASSERT_EQ(Mkdir("/d"), Errno{0});
  auto d = Open("/d", kO_RDONLY | kO_DIRECTORY);
  EXPECT_EQ(d->inode().GetMemoryObject(frames_.allocator).error(), Errno::kENODEV);
}

TEST_F(MappedFileTest, TmpfsMapsItsOwnFrames) {
  tmpfs::PageAllocatorPageSource source(&frames_.allocator);
  tmpfs::Options options;
  options.clock = &clock_;
  options.pages = &source;
  Vfs vfs;
  ASSERT_TRUE(vfs.MountRoot(tmpfs::Create(options).value(), 0).ok());
  Path root = vfs.root();
  Caller caller{root, root, root_creds_, 022};
  auto f = vfs.Open(caller, "/t", kO_CREAT | kO_RDWR, 0644).value();
  WriteAt(*f, std::string(kPageSize + 1, 't'), 0);
  auto object = f->inode().GetMemoryObject(frames_.allocator);
  ASSERT_TRUE(object.ok());
  EXPECT_FALSE(object.value()->tracks_dirty());
  EXPECT_FALSE(f->inode().ActivePageCache());
  PhysAddr page = object.value()->GetPage(0).value();
  EXPECT_EQ(frames_.allocator.RefCount(page), 2u);  // tmpfs's and the mapping's
  frames_.At(page)[0] = 'M';
  EXPECT_EQ(ReadAt(*f, 2, 0), "Mt");  // the file's bytes themselves
  EXPECT_EQ(object.value()->GetPage(2).error(), Errno::kENXIO);
  // Truncating frees tmpfs's reference; the mapped frame stays valid.
  ASSERT_EQ(ErrorOf(vfs.Truncate(caller, "/t", 0)), Errno{0});
  EXPECT_EQ(frames_.allocator.RefCount(page), 1u);
  EXPECT_EQ(object.value()->GetPage(0).error(), Errno::kENXIO);
  frames_.allocator.Unref(page);
}

TEST(FileVmaTest, ProtectRespectsMaxProtAndFilePiecesMerge) {
  mm::VmaSet set(0x7f0000000000);
  HostFrames frames(8);
  std::string file(4 * kPageSize, 'f');
  auto cache = RefPtr<mm::MemoryObject>::Adopt(new StringCache(frames.allocator, &file));
  auto mapping = mm::FileMapping::Create(cache, "/data/file", 7, 42);
  ASSERT_TRUE(mapping.ok());
  EXPECT_STREQ(mapping.value()->path(), "/data/file");
  EXPECT_EQ(mapping.value()->device(), 7u);
  EXPECT_EQ(mapping.value()->inode(), 42u);
  mm::Vma vma;
  vma.start = 0x10000000;
  vma.end = vma.start + 4 * kPageSize;
  vma.prot = mm::kProtRead;
  vma.max_prot = mm::kProtRead | mm::kProtExec;  // MAP_SHARED of a read-only fd
  vma.kind = mm::VmaKind::kFileShared;
  vma.file = mapping.value();
  vma.offset = 8 * kPageSize;
  ASSERT_TRUE(set.Insert(vma).ok());
  EXPECT_EQ(set.Protect(vma.start, vma.end, mm::kProtRead | mm::kProtWrite).error(),
            Errno::kEACCES);
  ASSERT_TRUE(set.Protect(vma.start + kPageSize, vma.start + 2 * kPageSize, mm::kProtNone).ok());
  ASSERT_EQ(set.size(), 3u);
  EXPECT_EQ(set.vmas()[1].offset, 9 * kPageSize);
  EXPECT_EQ(set.vmas()[2].FilePage(set.vmas()[2].start), 10u);
  // Back to one piece: offsets are contiguous and the file is the same.
  ASSERT_TRUE(set.Protect(vma.start + kPageSize, vma.start + 2 * kPageSize, mm::kProtRead).ok());
  EXPECT_EQ(set.size(), 1u);
  ASSERT_TRUE(set.Unmap(vma.start, vma.end).ok());
}

TEST(MapsLineTest, FormatsLikeLinux) {
  HostFrames frames(8);
  std::string file(kPageSize, 'f');
  auto cache = RefPtr<mm::MemoryObject>::Adopt(new StringCache(frames.allocator, &file));
  // st_dev 0x100305 is major 3, minor 0x105 (glibc's makedev encoding).
  mm::Vma vma;
  vma.start = 0x400000;
  vma.end = 0x452000;
  vma.prot = mm::kProtRead | mm::kProtExec;
  vma.kind = mm::VmaKind::kFilePrivate;
  vma.file = mm::FileMapping::Create(cache, "/bin/prog", 0x100305, 12).value();
  vma.offset = 0x3000;
  char line[256];
  size_t n = mm::FormatMapsLine(vma, line, sizeof line);
  std::string expected = "00400000-00452000 r-xp 00003000 03:105 12";
  expected += std::string(73 - expected.size(), ' ') + "/bin/prog\n";
  EXPECT_EQ(std::string(line), expected);
  EXPECT_EQ(n, expected.size());
  vma.kind = mm::VmaKind::kFileShared;
  vma.prot = mm::kProtRead | mm::kProtWrite;
  mm::FormatMapsLine(vma, line, sizeof line);
  EXPECT_EQ(std::string(line, 22), "00400000-00452000 rw-s");

  mm::Vma heap;
  heap.start = 0x7f0000001000;
  heap.end = 0x7f0000003000;
  heap.prot = mm::kProtRead | mm::kProtWrite;
  heap.name = mm::kHeapVmaName;
  mm::FormatMapsLine(heap, line, sizeof line);
  expected = "7f0000001000-7f0000003000 rw-p 00000000 00:00 0";
  expected += std::string(73 - expected.size(), ' ') + "[heap]\n";
  EXPECT_EQ(std::string(line), expected);
  heap.name = nullptr;
  mm::FormatMapsLine(heap, line, sizeof line);
  EXPECT_EQ(std::string(line), "7f0000001000-7f0000003000 rw-p 00000000 00:00 0 \n");
}

}  // namespace
}  // namespace sentry::vfs::testing
