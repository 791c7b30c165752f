// devfs through the portable VFS API: node attributes, the memory devices'
// semantics, tty/console through HostTerminals, the links, and that /dev
// cannot be changed by name.
#include "kernel/fs/devfs/devfs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "tests/unit/kernel/vfs_test_fixture.h"

namespace sentry::vfs::testing {
namespace {

// Counts calls and fills with a recognisable pattern.
int g_random_calls = 0;
void FakeRandom(std::span<uint8_t> out) {
  ++g_random_calls;
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(0xa5 ^ i);
}

// A File standing in for a host terminal.
class FakeHostFile final : public fs::File {
 public:
  FakeHostFile() : File(kO_RDWR) {}
  ktl::Result<size_t> Read(mm::AddressSpace&, std::span<const fs::UserSegment>,
                           int64_t) override {
    return size_t{0};
  }
  ktl::Result<size_t> Write(mm::AddressSpace&, std::span<const fs::UserSegment>,
                            int64_t) override {
    return size_t{0};
  }
  ktl::Result<void> Stat(linux_abi::Stat* out) override {
    *out = {};
    out->mode = kS_IFCHR | 0620;
    return ktl::Ok();
  }
  bool seekable() const override { return false; }
};

class FakeTerminals final : public devfs::HostTerminals {
 public:
  fs::File* Terminal() override { return Give(terminal); }
  fs::File* Console() override { return Give(console); }
  fs::File* terminal = nullptr;
  fs::File* console = nullptr;

 private:
  static fs::File* Give(fs::File* file) {
    if (file) file->Ref();
    return file;
  }
};

class DevfsTest : public VfsTest {
 protected:
  void SetUp() override {
    VfsTest::SetUp();
    devfs::Options options;
    options.fill_random = FakeRandom;
    options.terminals = &terminals_;
    auto dev = devfs::Create(options);
    ASSERT_TRUE(dev.ok());
    ASSERT_EQ(Mkdir("/dev"), ktl::Errno{0});
    ASSERT_TRUE(vfs_.Mount(AsRoot(), "/dev", std::move(dev).value(), 0).ok());
  }

  RefPtr<FileDescription> Open(const char* path, uint32_t flags) {
    auto file = vfs_.Open(AsRoot(), path, flags, 0);
    EXPECT_TRUE(file.ok()) << path << ": " << ktl::ErrnoName(ErrorOf(file));
    return file.ok() ? file.value() : RefPtr<FileDescription>();
  }
  static ktl::Result<size_t> Read(FileDescription& file, void* data, size_t size,
                                  int64_t offset = -1) {
    KernelIoBuffer buffer(data, size);
    return file.ReadTo(buffer, offset);
  }
  static ktl::Result<size_t> Write(FileDescription& file, const std::string& data) {
    KernelIoBuffer buffer(static_cast<const void*>(data.data()), data.size());
    return file.WriteFrom(buffer, -1);
  }

  FakeTerminals terminals_;
  FakeHostFile host_;  // its first reference is never dropped: a member, not heap
};

TEST_F(DevfsTest, DeviceNodesHaveLinuxNumbersAndModes) {
  struct {
    const char* path;
    uint32_t major, minor, mode;
  } const nodes[] = {
      {"/dev/null", 1, 3, 0666},   {"/dev/zero", 1, 5, 0666}, {"/dev/full", 1, 7, 0666},
      {"/dev/random", 1, 8, 0666}, {"/dev/urandom", 1, 9, 0666}, {"/dev/tty", 5, 0, 0666},
      {"/dev/console", 5, 1, 0620},
  };
  for (const auto& node : nodes) {
    Attr attr = StatOf(node.path);
    EXPECT_EQ(attr.mode, kS_IFCHR | node.mode) << node.path;
    EXPECT_EQ(attr.rdev, MakeDevice(node.major, node.minor)) << node.path;
    EXPECT_EQ(attr.size, 0u) << node.path;
    EXPECT_EQ(attr.blocks, 0u) << node.path;
    EXPECT_EQ(attr.nlink, 1u) << node.path;
  }
  EXPECT_EQ(MakeDevice(1, 3), 0x103u);  // glibc's makedev(1, 3)
  EXPECT_EQ(StatOf("/dev").mode, kS_IFDIR | 0755);
}

TEST_F(DevfsTest, NullReadsNothingAndSwallowsWrites) {
  RefPtr<FileDescription> null = Open("/dev/null", kO_RDWR);
  ASSERT_TRUE(null);
  char buffer[16];
  EXPECT_EQ(Read(*null, buffer, sizeof(buffer)).value(), 0u);
  EXPECT_EQ(Write(*null, "hello").value(), 5u);
  EXPECT_EQ(null->Lseek(100, kSEEK_SET).value(), 0);
  EXPECT_TRUE(null->seekable());
}

TEST_F(DevfsTest, ZeroAndFullReadZeros) {
  for (const char* path : {"/dev/zero", "/dev/full"}) {
    RefPtr<FileDescription> file = Open(path, kO_RDWR);
    ASSERT_TRUE(file);
    std::string buffer(10000, 'x');
    EXPECT_EQ(Read(*file, buffer.data(), buffer.size()).value(), buffer.size()) << path;
    EXPECT_EQ(buffer, std::string(10000, '\0')) << path;
    EXPECT_EQ(Read(*file, buffer.data(), 7, /*offset=*/1234).value(), 7u) << path;
    EXPECT_EQ(file->Lseek(4096, kSEEK_SET).value(), 0) << path;
  }
  RefPtr<FileDescription> zero = Open("/dev/zero", kO_WRONLY);
  EXPECT_EQ(Write(*zero, "abc").value(), 3u);
  RefPtr<FileDescription> full = Open("/dev/full", kO_WRONLY);
  EXPECT_EQ(ErrorOf(Write(*full, "abc")), ktl::Errno::kENOSPC);
}

TEST_F(DevfsTest, RandomDevicesUseTheKernelGenerator) {
  for (const char* path : {"/dev/random", "/dev/urandom"}) {
    RefPtr<FileDescription> file = Open(path, kO_RDONLY);
    ASSERT_TRUE(file);
    int calls = g_random_calls;
    uint8_t buffer[64] = {};
    EXPECT_EQ(Read(*file, buffer, sizeof(buffer)).value(), sizeof(buffer));
    EXPECT_GT(g_random_calls, calls) << path;
    EXPECT_EQ(buffer[0], 0xa5);
    EXPECT_EQ(buffer[1], 0xa4);
  }
}

TEST_F(DevfsTest, AccessModeIsEnforced) {
  RefPtr<FileDescription> null = Open("/dev/null", kO_RDONLY);
  EXPECT_EQ(ErrorOf(Write(*null, "x")), ktl::Errno::kEBADF);
  RefPtr<FileDescription> zero = Open("/dev/zero", kO_WRONLY);
  char c;
  EXPECT_EQ(ErrorOf(Read(*zero, &c, 1)), ktl::Errno::kEBADF);
}

TEST_F(DevfsTest, TtyWithoutTerminalIsEnxio) {
  EXPECT_EQ(ErrorOf(vfs_.Open(AsRoot(), "/dev/tty", kO_RDWR, 0)), ktl::Errno::kENXIO);
  EXPECT_EQ(ErrorOf(vfs_.Open(AsRoot(), "/dev/console", kO_WRONLY, 0)), ktl::Errno::kENXIO);
}

TEST_F(DevfsTest, TtyForwardsToTheHostTerminal) {
  terminals_.terminal = &host_;
  terminals_.console = &host_;
  RefPtr<FileDescription> tty = Open("/dev/tty", kO_RDWR);
  ASSERT_TRUE(tty);
  EXPECT_FALSE(tty->seekable());
  // fstat shows the device node, as on Linux.
  linux_abi::Stat stat;
  ASSERT_TRUE(tty->Stat(&stat).ok());
  EXPECT_EQ(stat.rdev, MakeDevice(5, 0));
  RefPtr<FileDescription> console = Open("/dev/console", kO_WRONLY);
  ASSERT_TRUE(console);
  tty = RefPtr<FileDescription>();
  console = RefPtr<FileDescription>();
}

TEST_F(DevfsTest, StdioLinksPointIntoProc) {
  char target[64];
  auto length = vfs_.Readlink(AsRoot(), "/dev/stdout", target);
  ASSERT_TRUE(length.ok());
  EXPECT_EQ(std::string(target, length.value()), "/proc/self/fd/1");
  auto fd_length = vfs_.Readlink(AsRoot(), "/dev/fd", target);
  ASSERT_TRUE(fd_length.ok());
  EXPECT_EQ(std::string(target, fd_length.value()), "/proc/self/fd");
  EXPECT_EQ(StatOf("/dev/stdin", kAT_SYMLINK_NOFOLLOW).mode, kS_IFLNK | 0777);
  EXPECT_EQ(StatOf("/dev/stdin", kAT_SYMLINK_NOFOLLOW).size, 15u);  // the target's length
}

TEST_F(DevfsTest, ListingHasTheStandardNodesAndNoPtmx) {
  std::vector<std::string> names = List("/dev");
  for (const char* name : {".", "..", "null", "zero", "full", "random", "urandom", "tty",
                           "console", "fd", "stdin", "stdout", "stderr", "shm", "pts"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  }
  EXPECT_EQ(std::find(names.begin(), names.end(), "ptmx"), names.end());
  EXPECT_EQ(StatError("/dev/ptmx"), ktl::Errno::kENOENT);
  EXPECT_EQ(StatOf("/dev/shm").mode, kS_IFDIR | 01777);
}

TEST_F(DevfsTest, NamesCannotChange) {
  EXPECT_EQ(ErrorOf(vfs_.Open(AsRoot(), "/dev/newfile", kO_CREAT | kO_WRONLY, 0644)),
            ktl::Errno::kEPERM);
  EXPECT_EQ(Mkdir("/dev/newdir"), ktl::Errno::kEPERM);
  EXPECT_EQ(Unlink("/dev/null"), ktl::Errno::kEPERM);
  EXPECT_EQ(ErrorOf(vfs_.Chmod(AsRoot(), "/dev/null", 0600, 0)), ktl::Errno::kEPERM);
}

}  // namespace
}  // namespace sentry::vfs::testing
