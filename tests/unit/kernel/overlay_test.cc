// overlay: a tmpfs upper layer over a populated tmpfs lower layer, driven
// through the VFS as the sandbox drives it. Every rule of overlay.h: lookup
// merging, whiteouts, opaque directories, copy-up (and what it copies),
// unlink/rmdir/mkdir/rename over both layers, readdir merging and cookies,
// inode numbers, hard links, xattrs, open descriptions across copy-up, and a
// lower tree left byte-for-byte unchanged.
#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "kernel/fs/overlay/overlay.h"
#include "tests/unit/kernel/vfs_test_fixture.h"

namespace sentry::vfs::testing {
namespace {

using ktl::Errno;

// Walks `path` ("a/b", relative) from `root` by Inode::Lookup; null if absent.
RefPtr<Inode> LayerLookup(const RefPtr<Inode>& root, const std::string& path) {
  RefPtr<Inode> node = root;
  size_t at = 0;
  while (at < path.size()) {
    size_t slash = path.find('/', at);
    if (slash == std::string::npos) slash = path.size();
    std::string name = path.substr(at, slash - at);
    at = slash + 1;
    if (name.empty()) continue;
    auto child = node->Lookup(ktl::StringView(name.data(), name.size()));
    if (!child.ok()) return nullptr;
    node = std::move(child).value();
  }
  return node;
}

std::string ReadInode(Inode& inode) {
  std::string out;
  char chunk[4096];
  for (;;) {
    KernelIoBuffer buffer(static_cast<void*>(chunk), sizeof(chunk));
    auto got = inode.Read(buffer, out.size());
    if (!got.ok() || got.value() == 0) break;
    out.append(chunk, got.value());
  }
  return out;
}

std::string XattrOf(Inode& inode, const char* name, Errno* error = nullptr) {
  ktl::Vector<char> value;
  auto got = inode.Getxattr(name, &value);
  if (error) *error = ErrorOf(got);
  return std::string(value.data(), value.size());
}

bool IsWhiteoutInode(Inode& inode) {
  return inode.type() == kS_IFCHR && inode.Getattr().rdev == 0;
}

// Everything observable about a tree except atimes (reading a lower file
// through the overlay may update its atime, as on Linux), one line per
// object, sorted by path.
void DumpTree(Inode& dir, const std::string& prefix, std::string* out) {
  std::vector<std::string> names;
  EXPECT_TRUE(dir.ReadDir(0, [&](const DirEntry& entry) {
                   names.emplace_back(entry.name.data(), entry.name.size());
                   return true;
                 }).ok());
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    if (name == "." || name == "..") continue;
    RefPtr<Inode> child = dir.Lookup(ktl::StringView(name.data(), name.size())).value();
    Attr a = child->Getattr();
    std::string path = prefix + "/" + name;
    char line[512];
    snprintf(line, sizeof(line), "%s ino=%lu mode=%o uid=%u gid=%u nlink=%u size=%lu rdev=%lu "
             "mtime=%ld.%ld ctime=%ld.%ld",
             path.c_str(), a.ino, a.mode, a.uid, a.gid, a.nlink, a.size, a.rdev,
             a.mtime.tv_sec, a.mtime.tv_nsec, a.ctime.tv_sec, a.ctime.tv_nsec);
    *out += line;
    if (child->IsRegular()) *out += " data=" + ReadInode(*child);
    if (child->IsSymlink()) {
      ktl::Vector<char> target;
      EXPECT_TRUE(child->Readlink(&target).ok());
      *out += " target=" + std::string(target.data(), target.size());
    }
    ktl::Vector<char> xattrs;
    if (child->Listxattr(&xattrs).ok()) {
      for (size_t at = 0; at < xattrs.size();) {
        std::string xname(xattrs.data() + at);
        *out += " xattr:" + xname + "=" + XattrOf(*child, xname.c_str());
        at += xname.size() + 1;
      }
    }
    *out += "\n";
    if (child->IsDir()) DumpTree(*child, path, out);
  }
}

class OverlayTest : public VfsTest {
 protected:
  void SetUp() override {
    lower_root_ = NewTmpfs(0, 0755);
    upper_root_ = NewTmpfs(0, 0755);
    ASSERT_TRUE(lower_vfs_.MountRoot(lower_root_, 0).ok());
    ASSERT_TRUE(upper_vfs_.MountRoot(upper_root_, 0).ok());
    PopulateLower();
    PrepareUpper();
    lower_dump_ = DumpLower();
    auto root = overlay::Create(lower_root_, upper_root_);
    ASSERT_TRUE(root.ok());
    ASSERT_TRUE(vfs_.MountRoot(std::move(root).value(), 0).ok());
    root_ = vfs_.root();
    cwd_ = root_;
    clock_.Advance(100);  // changes through the overlay get later times
  }
  void TearDown() override {
    if (!HasFailure()) {
      EXPECT_EQ(DumpLower(), lower_dump_) << "the lower tree changed";
    }
  }

  // A layer's own Vfs, used only to build it before the overlay is mounted
  // (afterwards its dentry cache would be stale; tests inspect layers with
  // LayerLookup).
  Caller LayerCaller(Vfs& layer, Path* root) {
    *root = layer.root();
    return Caller{*root, *root, root_creds_, 0};
  }
  void LayerWrite(Vfs& layer, const char* path, const std::string& data, uint32_t mode,
                  uint32_t uid = 0, uint32_t gid = 0) {
    Path root;
    Caller caller = LayerCaller(layer, &root);
    auto file = layer.Open(caller, path, kO_CREAT | kO_WRONLY | kO_TRUNC, mode);
    ASSERT_TRUE(file.ok()) << path;
    KernelIoBuffer buffer(static_cast<const void*>(data.data()), data.size());
    ASSERT_TRUE(file.value()->WriteFrom(buffer, -1).ok());
    if (uid != 0 || gid != 0) {
      ASSERT_TRUE(layer.Chown(caller, path, uid, gid, 0).ok());
    }
  }
  void LayerMkdir(Vfs& layer, const char* path, uint32_t mode, uint32_t uid = 0) {
    Path root;
    Caller caller = LayerCaller(layer, &root);
    ASSERT_TRUE(layer.Mkdir(caller, path, mode).ok()) << path;
    if (uid != 0) {
      ASSERT_TRUE(layer.Chown(caller, path, uid, uid, 0).ok());
    }
  }
  void LayerMknod(Vfs& layer, const char* path, uint32_t mode, uint64_t device) {
    Path root;
    ASSERT_TRUE(layer.Mknod(LayerCaller(layer, &root), path, mode, device).ok()) << path;
  }

  // The lower tree every test starts with.
  void PopulateLower() {
    LayerWrite(lower_vfs_, "/file", "lower file", 0640, 1000, 1001);
    ASSERT_TRUE(LayerLookup(lower_root_, "file")->Setxattr("user.color", {"blue", 4}, 0).ok());
    LayerMkdir(lower_vfs_, "/dir", 0755);
    LayerWrite(lower_vfs_, "/dir/a", "A", 0644);
    LayerWrite(lower_vfs_, "/dir/b", "B", 0644);
    LayerMkdir(lower_vfs_, "/dir/sub", 0700, 1000);
    LayerWrite(lower_vfs_, "/dir/sub/deep", "deep", 0600, 1000, 1000);
    LayerMkdir(lower_vfs_, "/empty", 0755);
    Path root;
    ASSERT_TRUE(lower_vfs_.Symlink("file", LayerCaller(lower_vfs_, &root), "/link").ok());
    LayerWrite(lower_vfs_, "/hard1", "hard", 0644);
    ASSERT_TRUE(lower_vfs_.Link(LayerCaller(lower_vfs_, &root), "/hard1",
                                LayerCaller(lower_vfs_, &root), "/hard2", 0)
                    .ok());
    {
      // Sparse: data, a hole of several pages, data.
      auto file = lower_vfs_.Open(LayerCaller(lower_vfs_, &root), "/sparse",
                                  kO_CREAT | kO_WRONLY, 0644);
      ASSERT_TRUE(file.ok());
      KernelIoBuffer head(static_cast<const void*>("head"), 4);
      KernelIoBuffer tail(static_cast<const void*>("tail"), 4);
      ASSERT_TRUE(file.value()->WriteFrom(head, 0).ok());
      ASSERT_TRUE(file.value()->WriteFrom(tail, 5 * 4096 + 10).ok());
    }
    LayerMknod(lower_vfs_, "/fifo", kS_IFIFO | 0644, 0);
    LayerMknod(lower_vfs_, "/null", kS_IFCHR | 0666, (1 << 8) | 3);
    LayerMknod(lower_vfs_, "/whiteout", kS_IFCHR, 0);  // hidden even in the lower layer
    clock_.Advance(10);
  }
  // Upper content made before the overlay is mounted (some tests).
  virtual void PrepareUpper() {}

  std::string DumpLower() {
    std::string out;
    DumpTree(*lower_root_, "", &out);
    return out;
  }
  RefPtr<Inode> Upper(const std::string& path) { return LayerLookup(upper_root_, path); }
  RefPtr<Inode> Lower(const std::string& path) { return LayerLookup(lower_root_, path); }

  RefPtr<FileDescription> Open(const char* path, uint32_t flags) {
    auto f = vfs_.Open(AsRoot(), path, flags, 0644);
    EXPECT_TRUE(f.ok()) << path << ": " << ktl::ErrnoName(ErrorOf(f));
    return f.ok() ? f.value() : RefPtr<FileDescription>();
  }
  static void WriteAt(FileDescription& f, const std::string& data, int64_t offset) {
    KernelIoBuffer io(static_cast<const void*>(data.data()), data.size());
    auto n = f.WriteFrom(io, offset);
    ASSERT_TRUE(n.ok()) << ktl::ErrnoName(ErrorOf(n));
    EXPECT_EQ(n.value(), data.size());
  }
  std::vector<std::string> Names(const char* path) {
    std::vector<std::string> names = List(path);
    std::sort(names.begin(), names.end());
    return names;
  }
  Errno Chmod(const char* path, uint32_t mode, uint32_t at_flags = 0) {
    return ErrorOf(vfs_.Chmod(AsRoot(), path, mode, at_flags));
  }
  Errno Link(const char* from, const char* to) {
    return ErrorOf(vfs_.Link(AsRoot(), from, AsRoot(), to, 0));
  }
  Errno SetXattr(const char* path, const char* name, const std::string& value,
                 uint32_t flags = 0) {
    return ErrorOf(Resolve(path).inode().Setxattr(
        name, std::span<const char>(value.data(), value.size()), flags));
  }

  RefPtr<Inode> lower_root_, upper_root_;
  Vfs lower_vfs_, upper_vfs_;
  std::string lower_dump_;
};

using NameList = std::vector<std::string>;

// --- creation ---------------------------------------------------------------------------

TEST_F(OverlayTest, CreateChecksItsLayers) {
  RefPtr<Inode> file = Lower("file");
  EXPECT_EQ(ErrorOf(overlay::Create(file, upper_root_)), Errno::kENOTDIR);
  EXPECT_EQ(ErrorOf(overlay::Create(lower_root_, file)), Errno::kENOTDIR);
  EXPECT_EQ(ErrorOf(overlay::Create(nullptr, upper_root_)), Errno::kEINVAL);
  EXPECT_STREQ(Resolve("/").inode().fs().name(), "overlay");
}

// --- lookup and the lower view ------------------------------------------------------------

TEST_F(OverlayTest, LowerTreeShowsThrough) {
  EXPECT_EQ(ReadFile("/file"), "lower file");
  EXPECT_EQ(ReadFile("/dir/sub/deep"), "deep");
  EXPECT_EQ(ReadFile("/link"), "lower file");  // followed
  char target[16];
  auto length = vfs_.Readlink(AsRoot(), "/link", target);
  ASSERT_TRUE(length.ok());
  EXPECT_EQ(std::string(target, length.value()), "file");
  Attr attr = StatOf("/file");
  Attr lower = Lower("file")->Getattr();
  EXPECT_EQ(attr.mode, kS_IFREG | 0640u);
  EXPECT_EQ(attr.uid, 1000u);
  EXPECT_EQ(attr.gid, 1001u);
  EXPECT_EQ(attr.size, 10u);
  EXPECT_TRUE(SameTime(attr.mtime, lower.mtime));
  EXPECT_EQ(StatOf("/null").rdev, (1u << 8) | 3);
  EXPECT_EQ(StatError("/whiteout"), Errno::kENOENT);
  EXPECT_EQ(StatError("/missing"), Errno::kENOENT);
  EXPECT_EQ(StatError("/file/x"), Errno::kENOTDIR);
  EXPECT_EQ(Names("/"), (NameList{".", "..", "dir", "empty", "fifo", "file", "hard1", "hard2",
                               "link", "null", "sparse"}));
  // Looking does not copy anything up.
  EXPECT_EQ(Upper("file"), nullptr);
  EXPECT_EQ(Upper("dir"), nullptr);
}

TEST_F(OverlayTest, DeviceIsTheOverlaysAndInodeNumbersAreTheLowerOnes) {
  Attr root = StatOf("/");
  Attr file = StatOf("/file");
  EXPECT_EQ(file.dev, root.dev);
  EXPECT_NE(file.dev, lower_root_->fs().device());
  EXPECT_NE(file.dev, upper_root_->fs().device());
  EXPECT_EQ(file.ino, Lower("file")->ino());
  EXPECT_EQ(StatOf("/dir/sub").ino, Lower("dir/sub")->ino());
  EXPECT_EQ(StatOf("/hard1").ino, StatOf("/hard2").ino);
  EXPECT_EQ(StatOf("/hard1").nlink, 2u);
}

class OverlayPreparedUpperTest : public OverlayTest {
 protected:
  void PrepareUpper() override {
    LayerWrite(upper_vfs_, "/file", "upper file", 0600);
    LayerMkdir(upper_vfs_, "/dir", 0750);
    LayerWrite(upper_vfs_, "/dir/c", "C", 0644);
    LayerMknod(upper_vfs_, "/dir/a", kS_IFCHR, 0);           // whiteout
    LayerMknod(upper_vfs_, "/dir/dev", kS_IFCHR, (1 << 8) | 5);  // a device, not a whiteout
    LayerMkdir(upper_vfs_, "/empty", 0755);
    LayerWrite(upper_vfs_, "/empty/new", "new", 0644);
    LayerMkdir(upper_vfs_, "/only", 0755);
    LayerMknod(upper_vfs_, "/hard2", kS_IFCHR, 0);
    // An opaque /dir/sub hides the lower one's content.
    LayerMkdir(upper_vfs_, "/dir/sub", 0755);
    ASSERT_TRUE(Upper("dir/sub")->Setxattr(overlay::kOpaqueXattr, {"y", 1}, 0).ok());
  }
};

TEST_F(OverlayPreparedUpperTest, UpperHidesLowerDirectoriesMergeWhiteoutsHide) {
  EXPECT_EQ(ReadFile("/file"), "upper file");
  EXPECT_EQ(StatOf("/file").mode, kS_IFREG | 0600u);
  EXPECT_EQ(StatOf("/dir").mode, kS_IFDIR | 0750u);  // the upper directory's attributes
  EXPECT_EQ(Names("/dir"), (NameList{".", "..", "b", "c", "dev", "sub"}));
  EXPECT_EQ(StatError("/dir/a"), Errno::kENOENT);
  EXPECT_EQ(ReadFile("/dir/b"), "B");
  EXPECT_EQ(StatOf("/dir/dev").rdev, (1u << 8) | 5);
  EXPECT_EQ(Names("/dir/sub"), (NameList{".", ".."}));
  EXPECT_EQ(StatError("/dir/sub/deep"), Errno::kENOENT);
  EXPECT_EQ(Names("/empty"), (NameList{".", "..", "new"}));
  EXPECT_EQ(StatError("/hard2"), Errno::kENOENT);
  EXPECT_EQ(ReadFile("/hard1"), "hard");
  EXPECT_EQ(Names("/only"), (NameList{".", ".."}));
  // Merged directories report one link; others their layer's count.
  EXPECT_EQ(StatOf("/dir").nlink, 1u);
  EXPECT_EQ(StatOf("/only").nlink, 2u);
  EXPECT_EQ(StatOf("/dir/sub").nlink, 2u);
  // Objects made in the upper layer get tagged upper numbers.
  EXPECT_EQ(StatOf("/only").ino, Upper("only")->ino() | overlay::kUpperInoBit);
  EXPECT_EQ(StatOf("/dir").ino, Lower("dir")->ino());
}

TEST_F(OverlayPreparedUpperTest, OverlayXattrsAreHidden) {
  Inode& sub = Resolve("/dir/sub").inode();
  Errno error;
  XattrOf(sub, overlay::kOpaqueXattr, &error);
  EXPECT_EQ(error, Errno::kEOPNOTSUPP);
  EXPECT_EQ(SetXattr("/dir/sub", overlay::kOpaqueXattr, "n"), Errno::kEOPNOTSUPP);
  EXPECT_EQ(ErrorOf(sub.Removexattr(overlay::kOpaqueXattr)), Errno::kEOPNOTSUPP);
  ktl::Vector<char> names;
  ASSERT_TRUE(sub.Listxattr(&names).ok());
  EXPECT_EQ(names.size(), 0u);
}

// --- copy-up ------------------------------------------------------------------------------

TEST_F(OverlayTest, WriteOpenCopiesUpDataModeOwnerTimesAndXattrs) {
  Attr before = StatOf("/file");
  auto f = Open("/file", kO_WRONLY);
  ASSERT_TRUE(f);
  RefPtr<Inode> copy = Upper("file");
  ASSERT_TRUE(copy);
  Attr attr = copy->Getattr();
  EXPECT_EQ(ReadInode(*copy), "lower file");
  EXPECT_EQ(attr.mode, kS_IFREG | 0640u);
  EXPECT_EQ(attr.uid, 1000u);
  EXPECT_EQ(attr.gid, 1001u);
  EXPECT_TRUE(SameTime(attr.mtime, before.mtime));
  EXPECT_TRUE(SameTime(attr.atime, before.atime));
  EXPECT_EQ(XattrOf(*copy, "user.color"), "blue");
  // Same object for the app: same number, device and attributes.
  Attr after = StatOf("/file");
  EXPECT_EQ(after.ino, before.ino);
  EXPECT_EQ(after.dev, before.dev);
  EXPECT_TRUE(SameTime(after.mtime, before.mtime));
  WriteAt(*f, "UPPER", 0);
  EXPECT_EQ(ReadFile("/file"), "UPPER file");
  EXPECT_EQ(ReadInode(*Lower("file")), "lower file");
  EXPECT_EQ(StatOf("/file").ino, before.ino);
  // A read-only open copies nothing.
  ASSERT_TRUE(Open("/dir/a", kO_RDONLY));
  EXPECT_EQ(Upper("dir"), nullptr);
}

TEST_F(OverlayTest, CopyUpBringsTheParentChain) {
  ASSERT_TRUE(Open("/dir/sub/deep", kO_RDWR));
  RefPtr<Inode> dir = Upper("dir");
  RefPtr<Inode> sub = Upper("dir/sub");
  ASSERT_TRUE(dir && sub && Upper("dir/sub/deep"));
  EXPECT_EQ(sub->Getattr().mode, kS_IFDIR | 0700u);
  EXPECT_EQ(sub->Getattr().uid, 1000u);
  EXPECT_TRUE(SameTime(sub->Getattr().mtime, Lower("dir/sub")->Getattr().mtime));
  // Only the chain: siblings stay below, and the directories still merge.
  EXPECT_EQ(Upper("dir/a"), nullptr);
  EXPECT_EQ(Names("/dir"), (NameList{".", "..", "a", "b", "sub"}));
  EXPECT_EQ(StatOf("/dir/sub").ino, Lower("dir/sub")->ino());
}

TEST_F(OverlayTest, UnusedNodesAreDroppedAndRebuiltTheSame) {
  Attr deep = StatOf("/dir/sub/deep");
  Attr file = StatOf("/file");
  // Nothing holds the walked nodes: their dentries and the overlay's own
  // cache entries (each holding a lower node: a Gofer fid in the sandbox) go.
  EXPECT_GE(vfs_.DropUnusedCaches(), 8u);  // dentries and overlay nodes of dir, sub, deep, file
  EXPECT_EQ(vfs_.DropUnusedCaches(), 0u);
  // A new walk rebuilds equal nodes.
  EXPECT_EQ(StatOf("/dir/sub/deep").ino, deep.ino);
  EXPECT_EQ(StatOf("/file").ino, file.ino);
  EXPECT_EQ(Names("/dir"), (NameList{".", "..", "a", "b", "sub"}));
}

TEST_F(OverlayTest, NodesInUseKeepTheirParentChainAcrossDrops) {
  auto reader = Open("/dir/sub/deep", kO_RDONLY);
  ASSERT_TRUE(reader);
  Attr before = StatOf("/dir/sub/deep");
  vfs_.DropUnusedCaches();
  // Copy-up through the kept node still finds its parents.
  ASSERT_TRUE(Open("/dir/sub/deep", kO_RDWR | kO_TRUNC));
  ASSERT_TRUE(Upper("dir/sub/deep"));
  EXPECT_EQ(StatOf("/dir/sub/deep").ino, before.ino);
  EXPECT_EQ(StatOf("/dir/sub/deep").size, 0u);
  // A copied-up file dropped and looked up again keeps its st_ino.
  reader = {};
  vfs_.DropUnusedCaches();
  EXPECT_EQ(StatOf("/dir/sub/deep").ino, before.ino);
  EXPECT_EQ(StatOf("/dir/sub/deep").size, 0u);
}

TEST_F(OverlayTest, SparseFileCopiesUpWithItsHole) {
  Attr before = StatOf("/sparse");
  ASSERT_TRUE(Open("/sparse", kO_WRONLY));
  RefPtr<Inode> copy = Upper("sparse");
  ASSERT_TRUE(copy);
  EXPECT_EQ(ReadInode(*copy), ReadInode(*Lower("sparse")));
  EXPECT_EQ(copy->Getattr().size, before.size);
  EXPECT_EQ(static_cast<tmpfs::RegularFile&>(*copy).resident_pages(), 2u);
}

TEST_F(OverlayTest, TruncateCopiesUp) {
  ASSERT_EQ(ErrorOf(vfs_.Truncate(AsRoot(), "/file", 5)), Errno{0});
  EXPECT_EQ(ReadFile("/file"), "lower");
  EXPECT_EQ(ReadInode(*Upper("file")), "lower");
  // O_TRUNC: nothing worth copying, the copy starts empty.
  ASSERT_TRUE(Open("/dir/a", kO_WRONLY | kO_TRUNC));
  EXPECT_EQ(ReadFile("/dir/a"), "");
  EXPECT_EQ(Upper("dir/a")->Getattr().size, 0u);
  EXPECT_EQ(XattrOf(*Upper("file"), "user.color"), "blue");
}

TEST_F(OverlayTest, SetattrCopiesUp) {
  ASSERT_EQ(Chmod("/file", 0600), Errno{0});
  EXPECT_EQ(StatOf("/file").mode, kS_IFREG | 0600u);
  EXPECT_EQ(Upper("file")->Getattr().mode, kS_IFREG | 0600u);
  EXPECT_EQ(ReadFile("/file"), "lower file");
  ASSERT_EQ(ErrorOf(vfs_.Chown(AsRoot(), "/dir/b", 7, 8, 0)), Errno{0});
  EXPECT_EQ(StatOf("/dir/b").uid, 7u);
  EXPECT_EQ(Upper("dir/b")->Getattr().gid, 8u);
  Timespec times[2] = {{5, 0}, {6, 0}};
  ASSERT_EQ(ErrorOf(vfs_.Utimens(AsRoot(), "/dir/sub", times, 0)), Errno{0});
  EXPECT_EQ(StatOf("/dir/sub").mtime.tv_sec, 6);
  EXPECT_EQ(Upper("dir/sub")->Getattr().atime.tv_sec, 5);
  EXPECT_EQ(Names("/dir/sub"), (NameList{".", "..", "deep"}));  // still merged
  // A symlink is copied as a symlink, with its target.
  ASSERT_EQ(ErrorOf(vfs_.Chown(AsRoot(), "/link", 9, 9, kAT_SYMLINK_NOFOLLOW)), Errno{0});
  RefPtr<Inode> link = Upper("link");
  ASSERT_TRUE(link && link->IsSymlink());
  ktl::Vector<char> target;
  ASSERT_TRUE(link->Readlink(&target).ok());
  EXPECT_EQ(std::string(target.data(), target.size()), "file");
  EXPECT_EQ(StatOf("/link", kAT_SYMLINK_NOFOLLOW).uid, 9u);
  // Special files copy as what they are.
  ASSERT_EQ(Chmod("/null", 0600), Errno{0});
  EXPECT_EQ(Upper("null")->Getattr().rdev, (1u << 8) | 3);
  ASSERT_EQ(Chmod("/fifo", 0600), Errno{0});
  EXPECT_EQ(Upper("fifo")->type(), kS_IFIFO);
}

TEST_F(OverlayTest, XattrChangesCopyUpReadsDoNot) {
  Errno error;
  EXPECT_EQ(XattrOf(Resolve("/file").inode(), "user.color"), "blue");
  XattrOf(Resolve("/file").inode(), "user.none", &error);
  EXPECT_EQ(error, Errno::kENODATA);
  // Removing a missing attribute fails without a copy-up.
  EXPECT_EQ(ErrorOf(Resolve("/file").inode().Removexattr("user.none")), Errno::kENODATA);
  EXPECT_EQ(Upper("file"), nullptr);
  EXPECT_EQ(SetXattr("/file", "user.color", "x", kXATTR_CREATE), Errno::kEEXIST);
  EXPECT_EQ(SetXattr("/file", "user.size", "big"), Errno{0});
  ASSERT_TRUE(Upper("file"));
  EXPECT_EQ(XattrOf(*Upper("file"), "user.size"), "big");
  EXPECT_EQ(ErrorOf(Resolve("/dir/a").inode().Removexattr("user.none")), Errno::kENODATA);
  ASSERT_EQ(SetXattr("/dir/a", "user.k", "v"), Errno{0});
  ASSERT_EQ(ErrorOf(Resolve("/dir/a").inode().Removexattr("user.k")), Errno{0});
  ktl::Vector<char> names;
  ASSERT_TRUE(Resolve("/file").inode().Listxattr(&names).ok());
  // The origin record stays private.
  EXPECT_EQ(std::string(names.data(), names.size()), std::string("user.color\0user.size\0", 21));
}

TEST_F(OverlayTest, DescriptionsOpenedBeforeCopyUpKeepTheLowerFile) {
  auto reader = Open("/file", kO_RDONLY);
  ASSERT_TRUE(reader);
  EXPECT_EQ(&reader->data_inode(), Lower("file").get());
  auto writer = Open("/file", kO_RDWR);
  ASSERT_TRUE(writer);
  EXPECT_EQ(&writer->data_inode(), Upper("file").get());
  EXPECT_EQ(&reader->inode(), &writer->inode());  // one overlay object
  WriteAt(*writer, "CHANGED!!!", 0);
  EXPECT_EQ(ReadAll(*reader), "lower file");   // Linux: the lower file it opened
  EXPECT_EQ(ReadAll(*Open("/file", kO_RDONLY)), "CHANGED!!!");
  EXPECT_EQ(ReadAll(*writer), "CHANGED!!!");
  // fstat shows the object as it is now.
  linux_abi::Stat st;
  ASSERT_TRUE(reader->Stat(&st).ok());
  EXPECT_EQ(st.size, 10);
  EXPECT_EQ(st.ino, Lower("file")->ino());
}

// --- hard links ----------------------------------------------------------------------------

TEST_F(OverlayTest, HardLinkOfALowerFile) {
  ASSERT_EQ(Link("/file", "/dir/again"), Errno{0});
  EXPECT_EQ(Link("/file", "/dir/b"), Errno::kEEXIST);
  Attr a = StatOf("/file");
  Attr b = StatOf("/dir/again");
  EXPECT_EQ(a.ino, b.ino);
  EXPECT_EQ(a.ino, Lower("file")->ino());
  EXPECT_EQ(a.nlink, 2u);
  EXPECT_EQ(Upper("file"), Upper("dir/again"));
  WriteAt(*Open("/dir/again", kO_WRONLY), "LINKED", 0);
  EXPECT_EQ(ReadFile("/file"), "LINKEDfile");
  ASSERT_EQ(Unlink("/file"), Errno{0});
  EXPECT_EQ(StatOf("/dir/again").nlink, 1u);
  EXPECT_EQ(ReadFile("/dir/again"), "LINKEDfile");
  EXPECT_TRUE(IsWhiteoutInode(*Upper("file")));
  // A fresh overlay of the same layers (nothing cached) finds the lower
  // number through the copy's origin record.
  RefPtr<Inode> again = overlay::Create(lower_root_, upper_root_).value();
  EXPECT_EQ(LayerLookup(again, "dir/again")->Getattr().ino, Lower("file")->ino());
}

TEST_F(OverlayTest, LowerHardLinksBreakOnCopyUpAsLinuxWithoutIndex) {
  WriteAt(*Open("/hard1", kO_WRONLY), "HARD", 0);
  EXPECT_EQ(ReadFile("/hard1"), "HARD");
  EXPECT_EQ(ReadFile("/hard2"), "hard");
  EXPECT_EQ(StatOf("/hard1").ino, StatOf("/hard2").ino);  // both from the origin
}

// --- unlink, rmdir, mkdir, create ------------------------------------------------------------

TEST_F(OverlayTest, UnlinkLeavesWhiteoutsForLowerEntriesOnly) {
  ASSERT_EQ(Unlink("/dir/a"), Errno{0});
  EXPECT_EQ(StatError("/dir/a"), Errno::kENOENT);
  EXPECT_EQ(Unlink("/dir/a"), Errno::kENOENT);
  EXPECT_EQ(Names("/dir"), (NameList{".", "..", "b", "sub"}));
  RefPtr<Inode> whiteout = Upper("dir/a");
  ASSERT_TRUE(whiteout);
  EXPECT_TRUE(IsWhiteoutInode(*whiteout));
  EXPECT_TRUE(Lower("dir/a"));
  // An upper-only file goes without a trace.
  ASSERT_EQ(WriteFile("/dir/new", "n"), Errno{0});
  ASSERT_EQ(Unlink("/dir/new"), Errno{0});
  EXPECT_EQ(Upper("dir/new"), nullptr);
  // A copied-up file is replaced by a whiteout.
  ASSERT_EQ(Chmod("/dir/b", 0600), Errno{0});
  ASSERT_EQ(Unlink("/dir/b"), Errno{0});
  EXPECT_TRUE(IsWhiteoutInode(*Upper("dir/b")));
  EXPECT_EQ(StatError("/dir/b"), Errno::kENOENT);
  EXPECT_EQ(Unlink("/dir"), Errno::kEISDIR);
  // Symlinks and special files too.
  ASSERT_EQ(Unlink("/link"), Errno{0});
  ASSERT_EQ(Unlink("/fifo"), Errno{0});
  EXPECT_EQ(StatError("/link", kAT_SYMLINK_NOFOLLOW), Errno::kENOENT);
  EXPECT_EQ(StatError("/fifo"), Errno::kENOENT);
  // No scratch names are left behind in the upper layer.
  std::string upper;
  DumpTree(*upper_root_, "", &upper);
  EXPECT_EQ(upper.find("ringfence"), std::string::npos) << upper;
}

TEST_F(OverlayTest, CreateOverAWhiteout) {
  uint64_t lower_ino = StatOf("/dir/a").ino;
  ASSERT_EQ(Unlink("/dir/a"), Errno{0});
  ASSERT_EQ(WriteFile("/dir/a", "fresh"), Errno{0});
  EXPECT_EQ(ReadFile("/dir/a"), "fresh");
  EXPECT_FALSE(IsWhiteoutInode(*Upper("dir/a")));
  EXPECT_NE(StatOf("/dir/a").ino, lower_ino);  // a new object
  EXPECT_EQ(Names("/dir"), (NameList{".", "..", "a", "b", "sub"}));
  ASSERT_EQ(Unlink("/dir/a"), Errno{0});
  EXPECT_TRUE(IsWhiteoutInode(*Upper("dir/a")));
  ASSERT_EQ(Symlink("target", "/dir/a"), Errno{0});
  EXPECT_EQ(StatOf("/dir/a", kAT_SYMLINK_NOFOLLOW).mode & kS_IFMT, kS_IFLNK);
}

TEST_F(OverlayTest, CreateRefusesExistingNamesOfEitherLayer) {
  EXPECT_EQ(ErrorOf(vfs_.Open(AsRoot(), "/file", kO_CREAT | kO_EXCL | kO_WRONLY, 0644)),
            Errno::kEEXIST);
  EXPECT_EQ(Mkdir("/dir"), Errno::kEEXIST);
  EXPECT_EQ(Mkdir("/file"), Errno::kEEXIST);
  EXPECT_EQ(Symlink("x", "/dir/a"), Errno::kEEXIST);
  Inode& dir = Resolve("/dir").inode();
  NewInode attr{kS_IFREG | 0644, 0, 0, 0};
  EXPECT_EQ(ErrorOf(dir.Create("a", attr)), Errno::kEEXIST);
  EXPECT_EQ(ErrorOf(dir.Mkdir("b", NewInode{kS_IFDIR | 0755, 0, 0, 0})), Errno::kEEXIST);
  EXPECT_EQ(ErrorOf(Resolve("/file").inode().Create("x", attr)), Errno::kENOTDIR);
  // A failed create copies nothing up.
  EXPECT_EQ(Upper("dir"), nullptr);
}

TEST_F(OverlayTest, CreateInALowerDirectoryCopiesItUp) {
  ASSERT_EQ(WriteFile("/dir/sub/new", "new"), Errno{0});
  EXPECT_TRUE(Upper("dir/sub/new"));
  EXPECT_EQ(Upper("dir/sub")->Getattr().mode, kS_IFDIR | 0700u);
  EXPECT_EQ(Names("/dir/sub"), (NameList{".", "..", "deep", "new"}));
  EXPECT_EQ(StatOf("/dir/sub/new").ino & overlay::kUpperInoBit, overlay::kUpperInoBit);
  ASSERT_EQ(Mkdir("/dir/newdir", 0700), Errno{0});
  EXPECT_EQ(StatOf("/dir/newdir").mode, kS_IFDIR | 0700u);
  // A directory made where nothing was deleted is not opaque.
  Errno error;
  XattrOf(*Upper("dir/newdir"), overlay::kOpaqueXattr, &error);
  EXPECT_EQ(error, Errno::kENODATA);
  ASSERT_EQ(ErrorOf(vfs_.Mknod(AsRoot(), "/dir/fifo2", kS_IFIFO | 0600, 0)), Errno{0});
  EXPECT_EQ(Upper("dir/fifo2")->type(), kS_IFIFO);
}

TEST_F(OverlayTest, RmdirChecksBothLayers) {
  EXPECT_EQ(Rmdir("/dir"), Errno::kENOTEMPTY);      // lower entries
  EXPECT_EQ(Rmdir("/dir/sub"), Errno::kENOTEMPTY);  // lower entry
  EXPECT_EQ(Rmdir("/file"), Errno::kENOTDIR);
  EXPECT_EQ(Rmdir("/nothing"), Errno::kENOENT);
  ASSERT_EQ(Unlink("/dir/sub/deep"), Errno{0});
  ASSERT_EQ(WriteFile("/dir/sub/upper-only", "u"), Errno{0});
  EXPECT_EQ(Rmdir("/dir/sub"), Errno::kENOTEMPTY);  // upper entry
  ASSERT_EQ(Unlink("/dir/sub/upper-only"), Errno{0});
  // Now only a whiteout is left in the upper copy: logically empty.
  ASSERT_EQ(Rmdir("/dir/sub"), Errno{0});
  EXPECT_EQ(StatError("/dir/sub"), Errno::kENOENT);
  RefPtr<Inode> whiteout = Upper("dir/sub");
  ASSERT_TRUE(whiteout);
  EXPECT_TRUE(IsWhiteoutInode(*whiteout));
  EXPECT_EQ(Names("/dir"), (NameList{".", "..", "a", "b"}));
  // A lower-only empty directory.
  ASSERT_EQ(Rmdir("/empty"), Errno{0});
  EXPECT_TRUE(IsWhiteoutInode(*Upper("empty")));
  EXPECT_EQ(StatError("/empty"), Errno::kENOENT);
  // An upper-only directory.
  ASSERT_EQ(Mkdir("/mine"), Errno{0});
  ASSERT_EQ(Rmdir("/mine"), Errno{0});
  EXPECT_EQ(Upper("mine"), nullptr);
  std::string upper;
  DumpTree(*upper_root_, "", &upper);
  EXPECT_EQ(upper.find("ringfence"), std::string::npos) << upper;
}

TEST_F(OverlayTest, MkdirOverAWhiteoutIsOpaque) {
  ASSERT_EQ(Unlink("/dir/sub/deep"), Errno{0});
  ASSERT_EQ(Rmdir("/dir/sub"), Errno{0});
  ASSERT_EQ(Mkdir("/dir/sub", 0711), Errno{0});
  EXPECT_EQ(Names("/dir/sub"), (NameList{".", ".."}));
  EXPECT_EQ(StatError("/dir/sub/deep"), Errno::kENOENT);
  EXPECT_EQ(StatOf("/dir/sub").mode, kS_IFDIR | 0711u);
  EXPECT_EQ(XattrOf(*Upper("dir/sub"), overlay::kOpaqueXattr), "y");
  // The opaque directory behaves as a plain upper one.
  ASSERT_EQ(WriteFile("/dir/sub/deep", "new deep"), Errno{0});
  EXPECT_EQ(ReadFile("/dir/sub/deep"), "new deep");
  ASSERT_EQ(Unlink("/dir/sub/deep"), Errno{0});
  EXPECT_EQ(Upper("dir/sub/deep"), nullptr);  // nothing below to hide
  ASSERT_EQ(Rmdir("/dir/sub"), Errno{0});
  EXPECT_TRUE(IsWhiteoutInode(*Upper("dir/sub")));
  // Mkdir over a deleted lower file also makes it opaque (harmless).
  ASSERT_EQ(Unlink("/file"), Errno{0});
  ASSERT_EQ(Mkdir("/file"), Errno{0});
  EXPECT_EQ(Names("/file"), (NameList{".", ".."}));
}

// --- rename -----------------------------------------------------------------------------------

TEST_F(OverlayTest, RenameLowerFileLeavesAWhiteoutAndKeepsTheInode) {
  uint64_t ino = StatOf("/dir/a").ino;
  ASSERT_EQ(Rename("/dir/a", "/moved"), Errno{0});
  EXPECT_EQ(StatError("/dir/a"), Errno::kENOENT);
  EXPECT_TRUE(IsWhiteoutInode(*Upper("dir/a")));
  EXPECT_EQ(ReadFile("/moved"), "A");
  EXPECT_EQ(StatOf("/moved").ino, ino);
  EXPECT_EQ(Names("/dir"), (NameList{".", "..", "b", "sub"}));
  // The moved object is writable at its new name (its copy-up happened).
  WriteAt(*Open("/moved", kO_WRONLY | kO_APPEND), "!", -1);
  EXPECT_EQ(ReadFile("/moved"), "A!");
  // And back over its own whiteout.
  ASSERT_EQ(Rename("/moved", "/dir/a"), Errno{0});
  EXPECT_EQ(ReadFile("/dir/a"), "A!");
  EXPECT_EQ(Upper("moved"), nullptr);
  EXPECT_EQ(StatOf("/dir/a").ino, ino);
}

TEST_F(OverlayTest, RenameOverLowerAndUpperFiles) {
  ASSERT_EQ(Rename("/dir/a", "/dir/b"), Errno{0});  // lower over lower
  EXPECT_EQ(ReadFile("/dir/b"), "A");
  EXPECT_EQ(Names("/dir"), (NameList{".", "..", "b", "sub"}));
  ASSERT_EQ(WriteFile("/u1", "1"), Errno{0});
  ASSERT_EQ(WriteFile("/u2", "2"), Errno{0});
  ASSERT_EQ(Rename("/u1", "/u2"), Errno{0});  // upper over upper: no whiteout needed
  EXPECT_EQ(ReadFile("/u2"), "1");
  EXPECT_EQ(Upper("u1"), nullptr);
  ASSERT_EQ(Rename("/u2", "/file"), Errno{0});  // upper over lower
  EXPECT_EQ(ReadFile("/file"), "1");
  EXPECT_EQ(Upper("u2"), nullptr);
  EXPECT_EQ(Rename("/hard1", "/hard2", kRENAME_NOREPLACE), Errno::kEEXIST);
  EXPECT_EQ(Rename("/nothing", "/x"), Errno::kENOENT);
  EXPECT_EQ(Rename("/file", "/dir"), Errno::kEISDIR);
}

TEST_F(OverlayTest, RenameDirectoriesWithLowerContentIsExdev) {
  EXPECT_EQ(Rename("/dir", "/dir2"), Errno::kEXDEV);
  EXPECT_EQ(Rename("/empty", "/empty2"), Errno::kEXDEV);
  ASSERT_EQ(WriteFile("/dir/new", "x"), Errno{0});  // merged now
  EXPECT_EQ(Rename("/dir", "/dir2"), Errno::kEXDEV);
  EXPECT_EQ(Names("/dir"), (NameList{".", "..", "a", "b", "new", "sub"}));
}

TEST_F(OverlayTest, RenameUpperOnlyDirectories) {
  ASSERT_EQ(Mkdir("/mine"), Errno{0});
  ASSERT_EQ(WriteFile("/mine/f", "f"), Errno{0});
  ASSERT_EQ(Rename("/mine", "/dir/mine2"), Errno{0});
  EXPECT_EQ(ReadFile("/dir/mine2/f"), "f");
  EXPECT_EQ(StatError("/mine"), Errno::kENOENT);
  EXPECT_EQ(Upper("mine"), nullptr);
  // Over an empty lower directory: it replaces it and must not merge with it.
  ASSERT_EQ(Rename("/dir/mine2", "/empty"), Errno{0});
  EXPECT_EQ(Names("/empty"), (NameList{".", "..", "f"}));
  EXPECT_EQ(XattrOf(*Upper("empty"), overlay::kOpaqueXattr), "y");
  // Over a lower directory that is not empty.
  ASSERT_EQ(Mkdir("/mine3"), Errno{0});
  EXPECT_EQ(Rename("/mine3", "/dir/sub"), Errno::kENOTEMPTY);
  // Over a directory emptied of its lower content (whiteouts only).
  ASSERT_EQ(Unlink("/dir/sub/deep"), Errno{0});
  ASSERT_EQ(Rename("/mine3", "/dir/sub"), Errno{0});
  EXPECT_EQ(Names("/dir/sub"), (NameList{".", ".."}));
  EXPECT_EQ(StatError("/dir/sub/deep"), Errno::kENOENT);
  // Over a whiteout of a lower directory.
  ASSERT_EQ(Mkdir("/mine4"), Errno{0});
  ASSERT_EQ(Rmdir("/dir/sub"), Errno{0});
  ASSERT_EQ(Rename("/mine4", "/dir/sub"), Errno{0});
  EXPECT_EQ(Names("/dir/sub"), (NameList{".", ".."}));
  EXPECT_EQ(Upper("mine4"), nullptr);
  // The renamed directory's own upper-only moves: fine; a renamed-away
  // opaque directory leaves a whiteout where a lower entry was.
  ASSERT_EQ(Rename("/dir/sub", "/sub-moved"), Errno{0});
  EXPECT_TRUE(IsWhiteoutInode(*Upper("dir/sub")));
  EXPECT_EQ(StatError("/dir/sub"), Errno::kENOENT);
  EXPECT_EQ(Names("/sub-moved"), (NameList{".", ".."}));
}

TEST_F(OverlayTest, RenameExchange) {
  ASSERT_EQ(Rename("/dir/a", "/dir/b", kRENAME_EXCHANGE), Errno{0});
  EXPECT_EQ(ReadFile("/dir/a"), "B");
  EXPECT_EQ(ReadFile("/dir/b"), "A");
  EXPECT_EQ(Rename("/dir/a", "/dir/none", kRENAME_EXCHANGE), Errno::kENOENT);
  EXPECT_EQ(Rename("/file", "/empty", kRENAME_EXCHANGE), Errno::kEXDEV);
  ASSERT_EQ(Mkdir("/mine"), Errno{0});
  ASSERT_EQ(Rename("/mine", "/file", kRENAME_EXCHANGE), Errno{0});
  EXPECT_EQ(ReadFile("/mine"), "lower file");
  EXPECT_EQ(Names("/file"), (NameList{".", ".."}));
}

TEST_F(OverlayTest, RenameAfterCachedLookupsStaysCoherent) {
  // The VFS has cached /dir/b's object; rename copies that very object up,
  // so later changes through either path agree.
  EXPECT_EQ(ReadFile("/dir/b"), "B");
  ASSERT_EQ(Rename("/dir/b", "/dir/sub/b"), Errno{0});
  ASSERT_EQ(Chmod("/dir/sub/b", 0600), Errno{0});
  WriteAt(*Open("/dir/sub/b", kO_WRONLY | kO_APPEND), "b", -1);
  EXPECT_EQ(ReadFile("/dir/sub/b"), "Bb");
  EXPECT_EQ(ReadInode(*Upper("dir/sub/b")), "Bb");
  EXPECT_TRUE(IsWhiteoutInode(*Upper("dir/b")));
}

TEST_F(OverlayTest, ObjectsOfOtherFileSystemsAreExdev) {
  Inode& dir = Resolve("/dir").inode();
  EXPECT_EQ(ErrorOf(dir.Link("x", *Lower("file"))), Errno::kEXDEV);
  EXPECT_EQ(ErrorOf(dir.Rename("a", *upper_root_, "a", 0)), Errno::kEXDEV);
  EXPECT_EQ(ErrorOf(dir.Link("x", Resolve("/dir/sub").inode())), Errno::kEPERM);
  EXPECT_EQ(ErrorOf(dir.Rename("a", Resolve("/file").inode(), "a", 0)), Errno::kENOTDIR);
  EXPECT_EQ(ErrorOf(dir.Rename("a", dir, "b", kRENAME_WHITEOUT)), Errno::kEINVAL);
  EXPECT_EQ(ErrorOf(Resolve("/file").inode().ReadDir(0, [](const DirEntry&) { return true; })),
            Errno::kENOTDIR);
  EXPECT_EQ(Upper("dir"), nullptr);  // nothing was copied up by failures
}

// --- readdir --------------------------------------------------------------------------------

TEST_F(OverlayTest, ReaddirInodeNumbersMatchStat) {
  ASSERT_EQ(WriteFile("/dir/new", "n"), Errno{0});
  ASSERT_EQ(Chmod("/dir/a", 0600), Errno{0});  // copied up
  ASSERT_EQ(Link("/dir/a", "/dir/a-link"), Errno{0});
  std::map<std::string, uint64_t> inos;
  ASSERT_TRUE(Resolve("/dir")
                  .inode()
                  .ReadDir(0,
                           [&](const DirEntry& entry) {
                             inos[std::string(entry.name.data(), entry.name.size())] = entry.ino;
                             return true;
                           })
                  .ok());
  EXPECT_EQ(inos.size(), 7u);
  for (const auto& [name, ino] : inos) {
    std::string path = "/dir/" + name;
    EXPECT_EQ(ino, StatOf(path.c_str()).ino) << name;
  }
  EXPECT_EQ(inos["a"], inos["a-link"]);
  EXPECT_EQ(inos[".."], StatOf("/").ino);
}

TEST_F(OverlayTest, ReaddirCookiesSurviveChangesAndCopyUps) {
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(WriteFile(("/dir/u" + std::to_string(i)).c_str(), "u"), Errno{0});
  }
  for (int i = 0; i < 30; ++i) {
    LayerWrite(lower_vfs_, ("/dir/l" + std::to_string(i)).c_str(), "l", 0644);
  }
  lower_dump_ = DumpLower();  // the lower tree grew before any use of those names
  // Read one entry per call, changing the directory in between: entries
  // present throughout must come exactly once.
  auto dir = Open("/dir", kO_RDONLY | kO_DIRECTORY);
  ASSERT_TRUE(dir);
  std::multiset<std::string> seen;
  for (int step = 0;; ++step) {
    alignas(8) char buffer[32];  // one record
    KernelIoBuffer io(static_cast<void*>(buffer), sizeof(buffer));
    auto got = dir->Getdents64(io);
    ASSERT_TRUE(got.ok());
    if (got.value() == 0) break;
    seen.insert(buffer + 19);
    // Churn: copy up lower entries, delete and create others.
    std::string l = "/dir/l" + std::to_string(step % 30);
    (void)Chmod(l.c_str(), 0600);
    if (step < 40) {
      std::string extra = "/dir/x" + std::to_string(step);
      ASSERT_EQ(WriteFile(extra.c_str(), "x"), Errno{0});
      if (step % 3 == 0) (void)Unlink(("/dir/x" + std::to_string(step / 2)).c_str());
    }
    ASSERT_LT(step, 1000) << "the listing does not end";
  }
  for (int i = 0; i < 30; ++i) {
    EXPECT_EQ(seen.count("u" + std::to_string(i)), 1u) << i;
    EXPECT_EQ(seen.count("l" + std::to_string(i)), 1u) << i;
  }
  for (const char* name : {".", "..", "a", "b", "sub"}) EXPECT_EQ(seen.count(name), 1u) << name;
}

TEST_F(OverlayTest, ReaddirResumesFromSavedPositions) {
  ASSERT_EQ(WriteFile("/dir/new", "n"), Errno{0});
  auto dir = Open("/dir", kO_RDONLY | kO_DIRECTORY);
  std::vector<std::pair<std::string, int64_t>> positions;
  for (;;) {
    alignas(8) char buffer[32];  // one record
    KernelIoBuffer io(static_cast<void*>(buffer), sizeof(buffer));
    auto got = dir->Getdents64(io);
    ASSERT_TRUE(got.ok());
    if (got.value() == 0) break;
    positions.emplace_back(buffer + 19, dir->position());
  }
  ASSERT_EQ(positions.size(), 6u);
  // Seeking back to each saved position resumes right after that entry.
  for (size_t i = 0; i + 1 < positions.size(); ++i) {
    ASSERT_TRUE(dir->Lseek(positions[i].second, kSEEK_SET).ok());
    alignas(8) char buffer[32];
    KernelIoBuffer io(static_cast<void*>(buffer), sizeof(buffer));
    ASSERT_TRUE(dir->Getdents64(io).ok());
    EXPECT_EQ(std::string(buffer + 19), positions[i + 1].first);
  }
}

// --- the lower tree never changes ---------------------------------------------------------

TEST_F(OverlayTest, LowerTreeIsUnchangedAfterManyChanges) {
  std::mt19937 random(12345);
  const std::vector<std::string> paths = {
      "/file", "/dir/a", "/dir/b", "/dir/sub/deep", "/hard1", "/hard2", "/sparse",
      "/link", "/dir/sub/n1", "/empty/n2", "/n3", "/dir/n4"};
  const std::vector<std::string> dirs = {"/dir", "/dir/sub", "/empty", "/d1", "/dir/d2"};
  for (int step = 0; step < 2000; ++step) {
    const std::string& p = paths[random() % paths.size()];
    const std::string& q = paths[random() % paths.size()];
    const std::string& d = dirs[random() % dirs.size()];
    switch (random() % 12) {
      case 0:
        (void)WriteFile(p.c_str(), "step " + std::to_string(step));
        break;
      case 1: {
        auto f = vfs_.Open(AsRoot(), p.c_str(), kO_WRONLY | kO_APPEND, 0);
        if (f.ok()) WriteAt(*f.value(), "+", -1);
        break;
      }
      case 2:
        (void)Unlink(p.c_str());
        break;
      case 3:
        (void)Rename(p.c_str(), q.c_str());
        break;
      case 4:
        (void)Chmod(p.c_str(), 0600 | (step & 077));
        break;
      case 5:
        (void)vfs_.Truncate(AsRoot(), p.c_str(), step % 7);
        break;
      case 6:
        (void)Link(p.c_str(), q.c_str());
        break;
      case 7:
        (void)Mkdir(d.c_str());
        break;
      case 8:
        (void)Rmdir(d.c_str());
        break;
      case 9: {
        auto target = vfs_.Resolve(AsRoot(), p.c_str(), kAT_SYMLINK_NOFOLLOW);
        if (target.ok()) {
          (void)target.value().inode().Setxattr("user.step", {"s", 1}, 0);
        }
        break;
      }
      case 10:
        (void)Rename(d.c_str(), (d + "-r").c_str());
        (void)Rename((d + "-r").c_str(), d.c_str());
        break;
      case 11:
        if (StatError(d.c_str()) == Errno{0}) (void)List(d.c_str());
        if (StatError(p.c_str()) == Errno{0}) (void)ReadFile(p.c_str());
        break;
    }
  }
  // TearDown compares the lower dump; check the overlay is still coherent.
  for (const std::string& d : dirs) {
    if (StatError(d.c_str()) != Errno{0}) continue;
    for (const std::string& name : List(d.c_str())) {
      if (name == "." || name == "..") continue;
      std::string path = d + "/" + name;
      EXPECT_EQ(StatError(path.c_str(), kAT_SYMLINK_NOFOLLOW), Errno{0}) << path;
    }
  }
}

}  // namespace
}  // namespace sentry::vfs::testing
