// tmpfs extended attributes: storage per inode, create/replace flags, the
// per-attribute and per-file-system limits, listing, removal and ctime.
#include <string>
#include <vector>

#include "tests/unit/kernel/vfs_test_fixture.h"

namespace sentry::vfs::testing {
namespace {

using ktl::Errno;

class TmpfsXattrTest : public VfsTest {
 protected:
  void SetUp() override {
    VfsTest::SetUp();
    ASSERT_EQ(WriteFile("/f", "data"), Errno{0});
    ASSERT_EQ(Mkdir("/d"), Errno{0});
  }
  Inode& InodeOf(const char* path) { return Resolve(path).inode(); }
  static Errno Set(Inode& inode, const std::string& name, const std::string& value,
                   uint32_t flags = 0) {
    return ErrorOf(inode.Setxattr(ktl::StringView(name.data(), name.size()),
                                  std::span<const char>(value.data(), value.size()), flags));
  }
  static std::string Get(Inode& inode, const std::string& name, Errno* error = nullptr) {
    ktl::Vector<char> out;
    auto got = inode.Getxattr(ktl::StringView(name.data(), name.size()), &out);
    if (error) *error = ErrorOf(got);
    return std::string(out.data(), out.size());
  }
  static std::vector<std::string> Names(Inode& inode) {
    ktl::Vector<char> out;
    EXPECT_TRUE(inode.Listxattr(&out).ok());
    std::vector<std::string> names;
    std::string current;
    for (char c : out) {
      if (c == '\0') {
        names.push_back(current);
        current.clear();
      } else {
        current += c;
      }
    }
    EXPECT_TRUE(current.empty()) << "list must end with a NUL";
    return names;
  }
  tmpfs::FileSystem& Fs() { return static_cast<tmpfs::FileSystem&>(InodeOf("/").fs()); }
};

TEST_F(TmpfsXattrTest, SetGetOnFilesDirectoriesAndSymlinks) {
  ASSERT_EQ(Symlink("f", "/link"), Errno{0});
  Path link = vfs_.Resolve(AsRoot(), "/link", kAT_SYMLINK_NOFOLLOW).value();
  for (Inode* inode : {&InodeOf("/f"), &InodeOf("/d"), &link.inode()}) {
    EXPECT_EQ(Set(*inode, "user.mime", "text/plain"), Errno{0});
    EXPECT_EQ(Get(*inode, "user.mime"), "text/plain");
  }
  // Each inode has its own set.
  EXPECT_EQ(Set(InodeOf("/f"), "trusted.x", "1"), Errno{0});
  Errno error;
  Get(InodeOf("/d"), "trusted.x", &error);
  EXPECT_EQ(error, Errno::kENODATA);
  // Hard links share the inode, hence the attributes.
  ASSERT_EQ(ErrorOf(vfs_.Link(AsRoot(), "/f", AsRoot(), "/g", 0)), Errno{0});
  EXPECT_EQ(Get(InodeOf("/g"), "trusted.x"), "1");
}

TEST_F(TmpfsXattrTest, MissingAttributeIsEnodata) {
  Errno error;
  EXPECT_EQ(Get(InodeOf("/f"), "user.none", &error), "");
  EXPECT_EQ(error, Errno::kENODATA);
  EXPECT_EQ(ErrorOf(InodeOf("/f").Removexattr("user.none")), Errno::kENODATA);
}

TEST_F(TmpfsXattrTest, CreateAndReplaceFlags) {
  Inode& f = InodeOf("/f");
  EXPECT_EQ(Set(f, "user.a", "1", kXATTR_REPLACE), Errno::kENODATA);
  EXPECT_EQ(Set(f, "user.a", "1", kXATTR_CREATE), Errno{0});
  EXPECT_EQ(Set(f, "user.a", "2", kXATTR_CREATE), Errno::kEEXIST);
  EXPECT_EQ(Get(f, "user.a"), "1");
  EXPECT_EQ(Set(f, "user.a", "22", kXATTR_REPLACE), Errno{0});
  EXPECT_EQ(Get(f, "user.a"), "22");
  EXPECT_EQ(Set(f, "user.a", "333"), Errno{0});  // 0: either
  EXPECT_EQ(Get(f, "user.a"), "333");
  EXPECT_EQ(Set(f, "user.a", "x", kXATTR_CREATE | kXATTR_REPLACE), Errno::kEEXIST);
  EXPECT_EQ(Set(f, "user.a", "x", 4), Errno::kEINVAL);
}

TEST_F(TmpfsXattrTest, EmptyAndBinaryValues) {
  Inode& f = InodeOf("/f");
  EXPECT_EQ(Set(f, "user.empty", ""), Errno{0});
  Errno error;
  EXPECT_EQ(Get(f, "user.empty", &error), "");
  EXPECT_EQ(error, Errno{0});
  std::string binary("a\0b\xff", 4);
  EXPECT_EQ(Set(f, "user.bin", binary), Errno{0});
  EXPECT_EQ(Get(f, "user.bin"), binary);
}

TEST_F(TmpfsXattrTest, ListInInsertionOrderAndRemove) {
  Inode& f = InodeOf("/f");
  EXPECT_TRUE(Names(f).empty());
  ASSERT_EQ(Set(f, "user.b", "1"), Errno{0});
  ASSERT_EQ(Set(f, "trusted.a", "2"), Errno{0});
  ASSERT_EQ(Set(f, "user.c", "3"), Errno{0});
  EXPECT_EQ(Names(f), (std::vector<std::string>{"user.b", "trusted.a", "user.c"}));
  ASSERT_EQ(ErrorOf(f.Removexattr("trusted.a")), Errno{0});
  EXPECT_EQ(Names(f), (std::vector<std::string>{"user.b", "user.c"}));
  Errno error;
  Get(f, "trusted.a", &error);
  EXPECT_EQ(error, Errno::kENODATA);
  // Replacing keeps the position.
  ASSERT_EQ(Set(f, "user.b", "again"), Errno{0});
  EXPECT_EQ(Names(f), (std::vector<std::string>{"user.b", "user.c"}));
  // List appends to what the caller already has.
  ktl::Vector<char> out;
  ASSERT_TRUE(out.PushBack('X').ok());
  ASSERT_TRUE(f.Listxattr(&out).ok());
  EXPECT_EQ(std::string(out.data(), out.size()), std::string("Xuser.b\0user.c\0", 15));
}

TEST_F(TmpfsXattrTest, NameAndValueLimits) {
  Inode& f = InodeOf("/f");
  EXPECT_EQ(Set(f, "", "v"), Errno::kERANGE);
  std::string longest = "user." + std::string(kXattrNameMax - 5, 'n');
  EXPECT_EQ(Set(f, longest, "v"), Errno{0});
  EXPECT_EQ(Get(f, longest), "v");
  EXPECT_EQ(Set(f, longest + "n", "v"), Errno::kERANGE);
  std::string biggest(kXattrSizeMax, 'v');
  EXPECT_EQ(Set(f, "user.big", biggest), Errno{0});
  EXPECT_EQ(Get(f, "user.big").size(), kXattrSizeMax);
  EXPECT_EQ(Set(f, "user.bigger", biggest + "v"), Errno::kE2BIG);
}

TEST_F(TmpfsXattrTest, NameListStaysWithinListxattrMax) {
  Inode& f = InodeOf("/f");
  // 256 bytes per listed name: 256 names fill the 64 KiB list exactly.
  std::string name = "user." + std::string(kXattrNameMax - 5 - 3, 'n');
  size_t accepted = 0;
  Errno last{0};
  for (int i = 0; i < 300; ++i) {
    char suffix[4];
    snprintf(suffix, sizeof(suffix), "%03d", i);
    last = Set(f, name + suffix, "");
    if (last != Errno{0}) break;
    ++accepted;
  }
  EXPECT_EQ(accepted, kXattrListMax / (kXattrNameMax + 1));
  EXPECT_EQ(last, Errno::kENOSPC);
  ktl::Vector<char> out;
  ASSERT_TRUE(f.Listxattr(&out).ok());
  EXPECT_EQ(out.size(), kXattrListMax);
}

TEST_F(TmpfsXattrTest, FileSystemTotalIsBoundedAndReleased) {
  tmpfs::Options options;
  options.clock = &clock_;
  options.pages = &pages_;
  options.max_xattr_bytes = 1000;
  RefPtr<Inode> root = tmpfs::Create(options).value();
  auto& fs = static_cast<tmpfs::FileSystem&>(root->fs());
  NewInode attr{kS_IFREG | 0644, 0, 0, 0};
  RefPtr<Inode> a = root->Create("a", attr).value();
  RefPtr<Inode> b = root->Create("b", attr).value();
  EXPECT_EQ(Set(*a, "user.x", std::string(500, 'a')), Errno{0});  // 506 bytes
  EXPECT_EQ(fs.xattr_bytes_used(), 506u);
  EXPECT_EQ(Set(*b, "user.y", std::string(489, 'b')), Errno::kENOSPC);  // 1001
  EXPECT_EQ(Set(*b, "user.y", std::string(488, 'b')), Errno{0});        // 1000
  // Growing a value past the bound fails and keeps the old value.
  EXPECT_EQ(Set(*a, "user.x", std::string(501, 'A')), Errno::kENOSPC);
  EXPECT_EQ(Get(*a, "user.x"), std::string(500, 'a'));
  // Shrinking releases, removing releases, and so does deleting the inode.
  EXPECT_EQ(Set(*a, "user.x", std::string(100, 'a')), Errno{0});
  EXPECT_EQ(fs.xattr_bytes_used(), 600u);
  EXPECT_EQ(ErrorOf(b->Removexattr("user.y")), Errno{0});
  EXPECT_EQ(fs.xattr_bytes_used(), 106u);
  ASSERT_EQ(ErrorOf(root->Unlink("a")), Errno{0});
  a.reset();
  EXPECT_EQ(fs.xattr_bytes_used(), 0u);
  EXPECT_EQ(Set(*b, "user.y", std::string(990, 'b')), Errno{0});
}

TEST_F(TmpfsXattrTest, ChangesUpdateCtimeOnly) {
  Attr before = StatOf("/f");
  clock_.Advance(10);
  ASSERT_EQ(Set(InodeOf("/f"), "user.a", "1"), Errno{0});
  Attr after = StatOf("/f");
  EXPECT_EQ(after.ctime.tv_sec, before.ctime.tv_sec + 10);
  EXPECT_TRUE(SameTime(after.mtime, before.mtime));
  clock_.Advance(10);
  ASSERT_EQ(ErrorOf(InodeOf("/f").Removexattr("user.a")), Errno{0});
  EXPECT_EQ(StatOf("/f").ctime.tv_sec, before.ctime.tv_sec + 20);
  // A failed change leaves ctime alone.
  clock_.Advance(10);
  ASSERT_EQ(Set(InodeOf("/f"), "user.a", "1", kXATTR_REPLACE), Errno::kENODATA);
  EXPECT_EQ(StatOf("/f").ctime.tv_sec, before.ctime.tv_sec + 20);
}

}  // namespace
}  // namespace sentry::vfs::testing
