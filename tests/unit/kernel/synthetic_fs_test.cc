// The synthetic file-system building blocks and the VFS hooks they use:
// snapshot files, magic links in the path walk, mount iteration.
#include "kernel/fs/synthetic/synthetic.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/kernel/vfs_test_fixture.h"

namespace sentry::vfs::testing {
namespace {

// Each generation gives different text ("generation N\n" padded), so a
// description that regenerated mid-read would be caught.
class CountingFile final : public synthetic::GeneratedFile {
 public:
  using GeneratedFile::GeneratedFile;
  ktl::Result<void> Generate(ktl::Vector<char>* out) override {
    ++generations;
    TRY(synthetic::Appendf(out, "generation %d\n", generations));
    return synthetic::Append(out, std::string(5000, 'a' + generations % 26).c_str());
  }
  int generations = 0;
};

// A magic link to a fixed Path.
class JumpLink final : public synthetic::Inode {
 public:
  JumpLink(synthetic::FileSystem* fs, Path target)
      : Inode(fs, synthetic::InodeAttr{kS_IFLNK | 0777}), target_(std::move(target)) {}
  bool IsMagicLink() const override { return true; }
  ktl::Result<void> Readlink(ktl::Vector<char>* out) override {
    return synthetic::Append(out, "text-that-does-not-resolve");
  }
  ktl::Result<Path> JumpTarget(const Path&) override { return Path(target_); }

 private:
  Path target_;
};

class SyntheticFsTest : public VfsTest {
 protected:
  void SetUp() override {
    VfsTest::SetUp();
    fs_ = new synthetic::FileSystem("testfs", Timespec{42, 0});
    root_dir_ = RefPtr<synthetic::StaticDirectory>::Adopt(new synthetic::StaticDirectory(fs_, 0555));
    fs_->Unref();
    counting_ = RefPtr<CountingFile>::Adopt(new CountingFile(fs_));
    ASSERT_TRUE(root_dir_->Add("counting", counting_).ok());
    ASSERT_EQ(Mkdir("/s"), ktl::Errno{0});
    ASSERT_TRUE(vfs_.Mount(AsRoot(), "/s", root_dir_, 0).ok());
  }

  synthetic::FileSystem* fs_;
  RefPtr<synthetic::StaticDirectory> root_dir_;
  RefPtr<CountingFile> counting_;
};

TEST_F(SyntheticFsTest, ReadsOfOneDescriptionSeeOneSnapshot) {
  auto file = vfs_.Open(AsRoot(), "/s/counting", kO_RDONLY, 0);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(counting_->generations, 0);  // generated on first read, not at open
  char head[13] = {};
  KernelIoBuffer first(static_cast<void*>(head), 12);
  ASSERT_EQ(file.value()->ReadTo(first, -1).value(), 12u);
  EXPECT_EQ(std::string(head), "generation 1");
  // pread at 0 and the rest of the sequential read come from the same text.
  KernelIoBuffer again(static_cast<void*>(head), 12);
  ASSERT_EQ(file.value()->ReadTo(again, 0).value(), 12u);
  EXPECT_EQ(std::string(head), "generation 1");
  std::string rest = ReadAll(*file.value());
  EXPECT_EQ(rest.size(), 1 + 5000u);
  EXPECT_EQ(counting_->generations, 1);
  // A new description takes a new snapshot.
  EXPECT_EQ(ReadFile("/s/counting").substr(0, 12), "generation 2");
  EXPECT_EQ(StatOf("/s/counting").size, 0u);  // as procfs reports
}

TEST_F(SyntheticFsTest, SnapshotSeekingFollowsSeqFile) {
  auto file = vfs_.Open(AsRoot(), "/s/counting", kO_RDONLY, 0);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file.value()->Lseek(11, kSEEK_SET).value(), 11);
  EXPECT_EQ(file.value()->Lseek(0, kSEEK_END).error(), ktl::Errno::kEINVAL);
  EXPECT_EQ(file.value()->Lseek(-20, kSEEK_CUR).error(), ktl::Errno::kEINVAL);
  char c = 0;
  KernelIoBuffer one(static_cast<void*>(&c), 1);
  ASSERT_EQ(file.value()->ReadTo(one, -1).value(), 1u);
  EXPECT_EQ(c, '1');
  // Root may open it for writing (DAC override), but writes are refused.
  auto writer = vfs_.Open(AsRoot(), "/s/counting", kO_WRONLY, 0);
  ASSERT_TRUE(writer.ok());
  KernelIoBuffer data(static_cast<const void*>("x"), 1);
  EXPECT_EQ(writer.value()->WriteFrom(data, -1).error(), ktl::Errno::kEINVAL);
  // Others may not.
  EXPECT_EQ(ErrorOf(vfs_.Open(As(Credentials::User(1000, 1000)), "/s/counting", kO_WRONLY, 0)),
            ktl::Errno::kEACCES);
}

TEST_F(SyntheticFsTest, MagicLinksJumpToTheirObject) {
  ASSERT_EQ(Mkdir("/target"), ktl::Errno{0});
  ASSERT_EQ(WriteFile("/target/file", "contents"), ktl::Errno{0});
  Path target = Resolve("/target");
  ASSERT_TRUE(root_dir_->Add("jump", RefPtr<Inode>::Adopt(new JumpLink(fs_, target))).ok());
  // In the middle of a path and at its end, the jump ignores the text.
  EXPECT_EQ(ReadFile("/s/jump/file"), "contents");
  EXPECT_TRUE(Resolve("/s/jump") == target);
  // Without following, it is the link, whose text readlink shows.
  EXPECT_EQ(StatOf("/s/jump", kAT_SYMLINK_NOFOLLOW).mode, kS_IFLNK | 0777);
  char text[64];
  auto length = vfs_.Readlink(AsRoot(), "/s/jump", text);
  ASSERT_TRUE(length.ok());
  EXPECT_EQ(std::string(text, length.value()), "text-that-does-not-resolve");
  // O_CREAT through a jump opens the existing object (a shell's "> /dev/stdout").
  ASSERT_TRUE(root_dir_->Add("filejump", RefPtr<Inode>::Adopt(
                                             new JumpLink(fs_, Resolve("/target/file"))))
                  .ok());
  auto created = vfs_.Open(AsRoot(), "/s/filejump", kO_CREAT | kO_WRONLY | kO_TRUNC, 0644);
  ASSERT_TRUE(created.ok()) << ktl::ErrnoName(created.error());
  EXPECT_TRUE(created.value()->path() == Resolve("/target/file"));
  EXPECT_EQ(ReadFile("/target/file"), "");  // truncated
  EXPECT_EQ(ErrorOf(vfs_.Open(AsRoot(), "/s/filejump", kO_CREAT | kO_EXCL | kO_WRONLY, 0644)),
            ktl::Errno::kEEXIST);
  // ".." after the jump starts from the target.
  EXPECT_TRUE(Resolve("/s/jump/..") == root_);
}

TEST_F(SyntheticFsTest, DotDotAfterAJumpToTheRootStaysInTheRoot) {
  ASSERT_EQ(Mkdir("/jail"), ktl::Errno{0});
  ASSERT_EQ(Mkdir("/jail/inner"), ktl::Errno{0});
  Path jail = Resolve("/jail");
  ASSERT_TRUE(root_dir_->Add("root", RefPtr<Inode>::Adopt(new JumpLink(fs_, jail))).ok());
  ASSERT_EQ(Mkdir("/jail/proc"), ktl::Errno{0});
  ASSERT_TRUE(vfs_.BindMount(AsRoot(), "/s", "/jail/proc", 0).ok());
  // A process chrooted at /jail reading /proc/root/.. stays at /jail.
  Caller jailed{jail, jail, root_creds_, 022};
  auto up = vfs_.Resolve(jailed, "/proc/root/../..", 0);
  ASSERT_TRUE(up.ok());
  EXPECT_TRUE(up.value() == jail);
  auto inner = vfs_.Resolve(jailed, "/proc/root/inner/../../../inner", 0);
  ASSERT_TRUE(inner.ok());
  EXPECT_TRUE(inner.value() == Resolve("/jail/inner"));
}

TEST_F(SyntheticFsTest, MagicLinkLoopsAreCounted) {
  // A link that jumps to its own directory, followed many times.
  Path self = Resolve("/s");
  ASSERT_TRUE(root_dir_->Add("me", RefPtr<Inode>::Adopt(new JumpLink(fs_, self))).ok());
  std::string path = "/s";
  for (int i = 0; i < 41; ++i) path += "/me";
  EXPECT_EQ(ErrorOf(vfs_.Resolve(AsRoot(), path.c_str(), 0)), ktl::Errno::kELOOP);
}

TEST_F(SyntheticFsTest, DirectoriesRefuseNameChanges) {
  EXPECT_EQ(Mkdir("/s/d"), ktl::Errno::kEPERM);
  EXPECT_EQ(Symlink("x", "/s/l"), ktl::Errno::kEPERM);
  EXPECT_EQ(Unlink("/s/counting"), ktl::Errno::kEPERM);
  EXPECT_EQ(Rename("/s/counting", "/s/other"), ktl::Errno::kEPERM);
  EXPECT_EQ(ErrorOf(vfs_.Chown(AsRoot(), "/s/counting", 1, 1, 0)), ktl::Errno::kEPERM);
  EXPECT_EQ(root_dir_->Add("counting", counting_).error(), ktl::Errno::kEEXIST);
  Attr attr = StatOf("/s/counting");
  EXPECT_EQ(attr.mtime.tv_sec, 42);
  EXPECT_EQ(attr.mode, kS_IFREG | 0444);
}

TEST_F(SyntheticFsTest, ForEachMountListsWhatTheRootSees) {
  ASSERT_EQ(Mkdir("/jail"), ktl::Errno{0});
  ASSERT_EQ(Mkdir("/jail/tmp"), ktl::Errno{0});
  ASSERT_EQ(Mkdir("/with space"), ktl::Errno{0});
  ASSERT_TRUE(vfs_.Mount(AsRoot(), "/jail/tmp", NewTmpfs(), 0).ok());
  ASSERT_TRUE(vfs_.Mount(AsRoot(), "/with space", NewTmpfs(), kMountReadOnly).ok());
  auto collect = [&](const Path& root) {
    std::vector<std::string> lines;
    auto listed = vfs_.ForEachMount(root, [&](const Vfs::MountRecord& m) -> ktl::Result<void> {
      lines.push_back(std::string(m.mount_point.data(), m.mount_point.size()) + " " +
                      m.mount.root()->inode().fs().name() + " " +
                      std::string(m.root.data(), m.root.size()) +
                      (m.parent_id == m.mount.id() ? " top" : ""));
      return ktl::Ok();
    });
    EXPECT_TRUE(listed.ok());
    return lines;
  };
  std::vector<std::string> all = collect(root_);
  std::vector<std::string> expected = {"/ tmpfs / top", "/s testfs /", "/jail/tmp tmpfs /",
                                       "/with space tmpfs /"};
  EXPECT_EQ(all, expected);
  // From a chroot at /jail only what lies below it shows, as seen from there.
  std::vector<std::string> jailed = collect(Resolve("/jail"));
  EXPECT_EQ(jailed, std::vector<std::string>{"/tmp tmpfs /"});
}

}  // namespace
}  // namespace sentry::vfs::testing
