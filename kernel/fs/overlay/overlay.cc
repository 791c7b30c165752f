#include "kernel/fs/overlay/overlay.h"

#include <new>

#include "kernel/ktl/format.h"
#include "kernel/ktl/string.h"
#include "kernel/vfs/dentry.h"
#include "kernel/vfs/file_description.h"
#include "kernel/vfs/mount.h"

namespace sentry::overlay {

using vfs::RefPtr;

namespace {

// Copy-up reads the lower file in chunks this big, and skips all-zero
// blocks of kHoleBlock bytes (they stay holes in the copy).
constexpr size_t kCopyChunk = 64 * 1024;
constexpr size_t kHoleBlock = 4096;
constexpr char kScratchPrefix[] = ".ringfence-wh.";

// A whiteout: a character device 0/0, as Linux's overlayfs writes.
bool IsWhiteout(vfs::Inode& inode) {
  return inode.type() == vfs::kS_IFCHR && inode.Getattr().rdev == 0;
}

bool IsPrivateXattr(ktl::StringView name) { return name.StartsWith(kPrivateXattrPrefix); }

bool IsOpaque(vfs::Inode& dir) {
  ktl::Vector<char> value;
  if (!dir.Getxattr(kOpaqueXattr, &value).ok()) return false;
  return value.size() == 1 && value[0] == 'y';
}

ktl::Result<void> SetOpaque(vfs::Inode& dir) {
  const char yes[] = {'y'};
  return dir.Setxattr(kOpaqueXattr, std::span<const char>(yes, 1), 0);
}

// The lower inode number a copy-up recorded, if any.
bool OriginOf(vfs::Inode& upper, uint64_t* ino) {
  ktl::Vector<char> value;
  if (!upper.Getxattr(kOriginXattr, &value).ok() || value.size() != sizeof(*ino)) return false;
  ktl::MemCopy(ino, value.data(), sizeof(*ino));
  return true;
}

// st_ino of an object whose upper is `upper` and that merges with nothing
// below: its copy-up origin, else the upper number tagged as such.
uint64_t UpperIno(vfs::Inode& upper) {
  uint64_t ino;
  if (OriginOf(upper, &ino)) return ino;
  return upper.ino() | kUpperInoBit;
}

ktl::Result<RefPtr<vfs::Inode>> MakeWhiteout(vfs::Inode& dir, ktl::StringView name) {
  vfs::NewInode attr;
  attr.mode = vfs::kS_IFCHR;
  return dir.Create(name, attr);
}

// A whiteout under a fresh scratch name in `dir`, written to `name` (a
// buffer of kScratchNameSize bytes); returns the name.
constexpr size_t kScratchNameSize = 48;
ktl::Result<ktl::StringView> MakeScratchWhiteout(FileSystem& fs, vfs::Inode& dir,
                                                 char (&name)[kScratchNameSize]) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    size_t length = ktl::FormatTo(name, sizeof(name), "%s%u", kScratchPrefix, fs.next_scratch++);
    ktl::StringView view(name, length);
    auto made = MakeWhiteout(dir, view);
    if (made.ok()) return view;
    if (made.error() != ktl::Errno::kEEXIST) return made.error();
  }
  return ktl::Errno::kEEXIST;
}

// Removes the whiteouts in the upper directory `dir` (before rmdir: the
// overlay has checked that nothing else is left).
ktl::Result<void> ClearWhiteouts(vfs::Inode& dir) {
  ktl::Vector<ktl::Vector<char>> names;
  ktl::Result<void> copied = ktl::Ok();
  TRY(dir.ReadDir(0, [&](const vfs::DirEntry& entry) {
    if (entry.type != vfs::kDT_CHR) return true;
    ktl::Vector<char> name;
    copied = name.Reserve(entry.name.size());
    if (!copied.ok()) return false;
    for (char c : entry.name) (void)name.PushBack(c);
    copied = names.PushBack(std::move(name));
    return copied.ok();
  }));
  TRY(copied);
  for (const ktl::Vector<char>& name : names) {
    ktl::StringView view(name.data(), name.size());
    auto child = dir.Lookup(view);
    if (child.ok() && IsWhiteout(*child.value())) TRY(dir.Unlink(view));
  }
  return ktl::Ok();
}

// A description of a layer object opened by the layer itself, outside any
// namespace (a private mount of just that object): the layer keeps what an
// open file needs for the description's life (the Gofer's host handle, so
// each read is not an open, a read and a close).
ktl::Result<RefPtr<vfs::FileDescription>> OpenLayer(RefPtr<vfs::Inode> inode, uint32_t flags) {
  RefPtr<vfs::Dentry> dentry = vfs::Dentry::MakeRoot(inode);
  if (!dentry) return ktl::Errno::kENOMEM;
  RefPtr<vfs::Mount> mount = vfs::MakeRef<vfs::Mount>(dentry, 0);
  if (!mount) return ktl::Errno::kENOMEM;
  vfs::Path path{std::move(mount), std::move(dentry)};
  return inode->Open(path, flags);
}

// An overlay file's open description: I/O goes to the layer file opened
// (fixed at open, see overlay.h), whose own description `layer` keeps the
// layer's per-open state.
class FileDescription final : public vfs::FileDescription {
 public:
  FileDescription(uint32_t flags, vfs::Path path, RefPtr<vfs::FileDescription> layer)
      : vfs::FileDescription(flags, std::move(path), RefPtr<vfs::Inode>(&layer->inode())),
        layer_(std::move(layer)) {}

 private:
  RefPtr<vfs::FileDescription> layer_;
};

bool AllZero(const char* data, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    if (data[i] != 0) return false;
  }
  return true;
}

// Copies `size` bytes of file data; all-zero blocks stay holes.
ktl::Result<void> CopyData(vfs::Inode& from, vfs::Inode& to, uint64_t size) {
  char* buffer = new (std::nothrow) char[kCopyChunk];
  if (buffer == nullptr) return ktl::Errno::kENOMEM;
  ktl::Result<void> result = ktl::Ok();
  for (uint64_t offset = 0; offset < size;) {
    size_t want = size - offset < kCopyChunk ? size - offset : kCopyChunk;
    vfs::KernelIoBuffer in(static_cast<void*>(buffer), want);
    auto got = from.Read(in, offset);
    if (!got.ok()) {
      result = got.error();
      break;
    }
    if (got.value() == 0) break;  // the lower file shrank: copy what there is
    for (size_t at = 0; at < got.value() && result.ok(); at += kHoleBlock) {
      size_t length = got.value() - at < kHoleBlock ? got.value() - at : kHoleBlock;
      if (AllZero(buffer + at, length)) continue;
      vfs::KernelIoBuffer out(static_cast<const void*>(buffer + at), length);
      uint64_t end;
      auto put = to.Write(out, offset + at, /*append=*/false, &end);
      if (!put.ok()) {
        result = put.error();
      } else if (put.value() != length) {
        result = ktl::Errno::kENOSPC;
      }
    }
    if (!result.ok()) break;
    offset += got.value();
  }
  delete[] buffer;
  return result;
}

// Copies the extended attributes the app can see (not the overlay's own).
ktl::Result<void> CopyXattrs(vfs::Inode& from, vfs::Inode& to) {
  ktl::Vector<char> names;
  auto listed = from.Listxattr(&names);
  if (!listed.ok()) {
    return listed.error() == ktl::Errno::kEOPNOTSUPP ? ktl::Ok() : listed.error();
  }
  for (size_t at = 0; at < names.size();) {
    size_t length = ktl::StrNLen(names.data() + at, names.size() - at);
    ktl::StringView name(names.data() + at, length);
    at += length + 1;
    if (name.empty() || IsPrivateXattr(name)) continue;
    ktl::Vector<char> value;
    auto got = from.Getxattr(name, &value);
    if (!got.ok()) {
      if (got.error() == ktl::Errno::kENODATA) continue;  // removed meanwhile
      return got.error();
    }
    auto set = to.Setxattr(name, std::span<const char>(value.data(), value.size()), 0);
    // An upper file system without xattrs loses them, as Linux tolerates.
    if (!set.ok() && set.error() != ktl::Errno::kEOPNOTSUPP) return set.error();
  }
  return ktl::Ok();
}

ktl::Result<void> CopyName(ktl::StringView name, ktl::Vector<char>* out) {
  ktl::Vector<char> copy;
  TRY(copy.Reserve(name.size()));
  for (char c : name) (void)copy.PushBack(c);
  *out = std::move(copy);
  return ktl::Ok();
}

}  // namespace

// --- creation -------------------------------------------------------------------

ktl::Result<RefPtr<vfs::Inode>> Create(RefPtr<vfs::Inode> lower_root,
                                       RefPtr<vfs::Inode> upper_root) {
  if (!lower_root || !upper_root) return ktl::Errno::kEINVAL;
  if (!lower_root->IsDir() || !upper_root->IsDir()) return ktl::Errno::kENOTDIR;
  RefPtr<FileSystem> fs = vfs::MakeRef<FileSystem>();
  if (!fs) return ktl::Errno::kENOMEM;
  // An opaque upper root hides the whole lower tree.
  if (IsOpaque(*upper_root)) lower_root = nullptr;
  uint64_t ino = lower_root ? lower_root->ino() : upper_root->ino() | kUpperInoBit;
  RefPtr<Inode> root = vfs::MakeRef<Inode>(fs.get(), ino, vfs::kS_IFDIR, std::move(upper_root),
                                           std::move(lower_root));
  if (!root) return ktl::Errno::kENOMEM;
  return RefPtr<vfs::Inode>(std::move(root));
}

Inode::Inode(FileSystem* fs, uint64_t ino, uint32_t mode, RefPtr<vfs::Inode> upper,
             RefPtr<vfs::Inode> lower)
    : vfs::Inode(fs, ino, mode), upper_(std::move(upper)), lower_(std::move(lower)) {}

Inode::~Inode() {
  // Children whose parent we are lose it (they may live on in open files).
  for (Child& child : children_) {
    if (child.inode->parent_ == this) child.inode->parent_ = nullptr;
  }
}

RefPtr<vfs::Inode> Inode::upper() {
  ktl::SpinlockGuard guard(lock_);
  return upper_;
}

RefPtr<vfs::Inode> Inode::real() {
  ktl::SpinlockGuard guard(lock_);
  return upper_ ? upper_ : lower_;
}

// --- the child cache --------------------------------------------------------------

size_t Inode::ChildIndexLocked(ktl::StringView name) const {
  size_t low = 0, high = children_.size();
  while (low < high) {
    size_t mid = (low + high) / 2;
    if (vfs::CompareNames(children_[mid].Name(), name) < 0) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  return low;
}

void Inode::AddChildLocked(ktl::StringView name, RefPtr<Inode> child) {
  size_t i = ChildIndexLocked(name);
  if (i < children_.size() && children_[i].Name() == name) return;  // cached already
  // Allocate everything first: failing leaves the child uncached and
  // unchanged.
  Child entry;
  ktl::Vector<char> own_name;
  if (!CopyName(name, &entry.name).ok() || !CopyName(name, &own_name).ok() ||
      !children_.ReserveAtLeast(children_.size() + 1).ok()) {
    return;
  }
  if (child->parent_ == nullptr) {
    child->name_ = std::move(own_name);
    child->parent_ = this;
  }
  entry.inode = std::move(child);
  (void)children_.Insert(i, std::move(entry));  // reserved
}

void Inode::RemoveChildLocked(ktl::StringView name) {
  size_t i = ChildIndexLocked(name);
  if (i >= children_.size() || children_[i].Name() != name) return;
  if (children_[i].inode->parent_ == this) children_[i].inode->parent_ = nullptr;
  children_.Erase(i);
}

size_t Inode::PruneChildrenLocked() {
  // Iterative post-order walk (the kernel stack is small and paths deep):
  // `next` counts the children of `node` still to visit, from the last to
  // the first, so an erase only shifts visited slots. A cached directory's
  // parent_ is the directory caching it (directories have one name), which
  // leads back up.
  size_t dropped = 0;
  Inode* node = this;
  size_t next = children_.size();
  for (;;) {
    if (next > 0) {
      Inode* child = node->children_[next - 1].inode.get();
      if (!child->children_.empty()) {
        node = child;
        next = child->children_.size();
        continue;
      }
      --next;
      if (child->HasOneReference()) {
        if (child->parent_ == node) child->parent_ = nullptr;
        node->children_.Erase(next);
        ++dropped;
      }
      continue;
    }
    if (node == this) return dropped;
    Inode* parent = node->parent_;
    size_t index = parent->ChildIndexLocked(ktl::StringView(node->name_.data(), node->name_.size()));
    KTL_ASSERT(index < parent->children_.size() && parent->children_[index].inode.get() == node);
    if (node->children_.empty() && node->HasOneReference()) {
      node->parent_ = nullptr;
      parent->children_.Erase(index);  // deletes node
      ++dropped;
    }
    node = parent;
    next = index;
  }
}

size_t FileSystem::PruneCaches(vfs::Inode& mount_root) {
  ktl::SpinlockGuard guard(lock);
  return static_cast<Inode&>(mount_root).PruneChildrenLocked();
}

ktl::Result<RefPtr<Inode>> Inode::LookupLocked(ktl::StringView name) {
  if (!IsDir()) return ktl::Errno::kENOTDIR;
  size_t i = ChildIndexLocked(name);
  if (i < children_.size() && children_[i].Name() == name) return children_[i].inode;

  RefPtr<vfs::Inode> upper_dir = upper();
  RefPtr<vfs::Inode> upper_child, lower_child;
  if (upper_dir) {
    auto found = upper_dir->Lookup(name);
    if (found.ok()) {
      upper_child = std::move(found).value();
      if (IsWhiteout(*upper_child)) return ktl::Errno::kENOENT;
    } else if (found.error() != ktl::Errno::kENOENT) {
      return found.error();
    }
  }
  // An upper non-directory hides the lower entry; an upper directory merges
  // with a lower directory unless it is opaque.
  bool want_lower = lower_ && (!upper_child || (upper_child->IsDir() && !IsOpaque(*upper_child)));
  if (want_lower) {
    auto found = lower_->Lookup(name);
    if (found.ok()) {
      lower_child = std::move(found).value();
      if (IsWhiteout(*lower_child)) lower_child = nullptr;
    } else if (found.error() != ktl::Errno::kENOENT) {
      return found.error();
    }
  }
  if (upper_child && lower_child && !lower_child->IsDir()) lower_child = nullptr;
  if (!upper_child && !lower_child) return ktl::Errno::kENOENT;
  uint64_t ino = lower_child ? lower_child->ino() : UpperIno(*upper_child);
  uint32_t type = upper_child ? upper_child->type() : lower_child->type();
  RefPtr<Inode> child = vfs::MakeRef<Inode>(&overlay(), ino, type, std::move(upper_child),
                                            std::move(lower_child));
  if (!child) return ktl::Errno::kENOMEM;
  AddChildLocked(name, child);
  return child;
}

ktl::Result<bool> Inode::LowerHasLocked(ktl::StringView name) {
  if (!lower_) return false;
  auto found = lower_->Lookup(name);
  if (found.ok()) return !IsWhiteout(*found.value());
  if (found.error() == ktl::Errno::kENOENT) return false;
  return found.error();
}

// --- copy-up ------------------------------------------------------------------------

ktl::Result<void> Inode::CopyUpLocked(bool with_data) {
  if (upper()) return ktl::Ok();
  // The chain of objects to copy, this one first; iterative so deep trees
  // cannot exhaust a kernel stack. The root always has an upper.
  ktl::Vector<Inode*> chain;
  for (Inode* node = this; !node->upper(); node = node->parent_) {
    if (node->parent_ == nullptr) return ktl::Errno::kENOENT;  // its name is gone
    TRY(chain.PushBack(node));
  }
  for (size_t i = chain.size(); i-- > 0;) {
    TRY(chain[i]->CopyUpOneLocked(i == 0 ? with_data : true));
  }
  return ktl::Ok();
}

ktl::Result<void> Inode::CopyUpOneLocked(bool with_data) {
  RefPtr<vfs::Inode> dir = parent_->upper();
  ktl::StringView name(name_.data(), name_.size());
  vfs::Attr attr = lower_->Getattr();
  vfs::NewInode init;
  init.mode = attr.mode;
  init.uid = attr.uid;
  init.gid = attr.gid;
  init.rdev = attr.rdev;
  // Copying up is no change to the parent: it keeps its times, as on Linux.
  vfs::Attr dir_attr = dir->Getattr();
  RefPtr<vfs::Inode> copy;
  if (IsDir()) {
    copy = TRY(dir->Mkdir(name, init));
  } else if (IsSymlink()) {
    ktl::Vector<char> target;
    TRY(lower_->Readlink(&target));
    copy = TRY(dir->Symlink(name, ktl::StringView(target.data(), target.size()), init));
  } else {
    copy = TRY(dir->Create(name, init));
  }

  auto fill = [&]() -> ktl::Result<void> {
    if (IsRegular() && with_data) {
      RefPtr<vfs::FileDescription> source = TRY(OpenLayer(lower_, vfs::kO_RDONLY));
      TRY(CopyData(source->inode(), *copy, attr.size));
    }
    TRY(CopyXattrs(*lower_, *copy));
    if (!IsDir()) {
      // Later lookups of the copy (under any name) keep the lower st_ino.
      uint64_t origin = lower_->ino();
      TRY(copy->Setxattr(kOriginXattr,
                         std::span<const char>(reinterpret_cast<const char*>(&origin),
                                               sizeof(origin)),
                         0));
    }
    vfs::SetAttr times;
    times.mask = vfs::SetAttr::kAtime | vfs::SetAttr::kMtime;
    times.atime = attr.atime;
    times.mtime = attr.mtime;
    if (IsRegular() && with_data) {
      times.mask |= vfs::SetAttr::kSize;  // trailing holes
      times.size = attr.size;
    }
    return copy->Setattr(times);
  };
  auto filled = fill();
  if (!filled.ok()) {
    // Leave no partial copy behind: the lower object shows through again.
    (void)(IsDir() ? dir->Rmdir(name) : dir->Unlink(name));
    return filled.error();
  }
  vfs::SetAttr dir_times;
  dir_times.mask = vfs::SetAttr::kAtime | vfs::SetAttr::kMtime;
  dir_times.atime = dir_attr.atime;
  dir_times.mtime = dir_attr.mtime;
  (void)dir->Setattr(dir_times);
  ktl::SpinlockGuard guard(lock_);
  upper_ = std::move(copy);
  return ktl::Ok();
}

// --- attributes ------------------------------------------------------------------------

vfs::Attr Inode::Getattr() {
  RefPtr<vfs::Inode> upper_inode = upper();
  vfs::Attr attr = (upper_inode ? upper_inode : lower_)->Getattr();
  attr.ino = ino();
  attr.dev = fs().device();
  // Counting a merged directory's subdirectories over both layers is not
  // worth it; 1 tells find(1) and friends "unknown", as Linux reports.
  if (IsDir() && upper_inode && lower_) attr.nlink = 1;
  return attr;
}

ktl::Result<void> Inode::Setattr(const vfs::SetAttr& change) {
  ktl::SpinlockGuard guard(overlay().lock);
  bool truncates_to_zero = (change.mask & vfs::SetAttr::kSize) && change.size == 0;
  TRY(CopyUpLocked(/*with_data=*/!truncates_to_zero));
  return upper()->Setattr(change);
}

// --- directories -----------------------------------------------------------------------

ktl::Result<RefPtr<vfs::Inode>> Inode::Lookup(ktl::StringView name) {
  ktl::SpinlockGuard guard(overlay().lock);
  RefPtr<Inode> child = TRY(LookupLocked(name));
  return RefPtr<vfs::Inode>(std::move(child));
}

ktl::Result<RefPtr<vfs::Inode>> Inode::CreateUpperLocked(
    ktl::StringView name, bool directory,
    ktl::FunctionRef<ktl::Result<RefPtr<vfs::Inode>>(vfs::Inode& upper_dir)> make) {
  if (!IsDir()) return ktl::Errno::kENOTDIR;
  auto existing = LookupLocked(name);
  if (existing.ok()) return ktl::Errno::kEEXIST;
  if (existing.error() != ktl::Errno::kENOENT) return existing.error();
  TRY(CopyUpLocked(/*with_data=*/true));
  RefPtr<vfs::Inode> dir = upper();
  // ENOENT from the overlay with an upper entry there means a whiteout.
  bool whiteout = dir->Lookup(name).ok();
  if (whiteout) TRY(dir->Unlink(name));
  auto made = make(*dir);
  if (!made.ok()) {
    if (whiteout) (void)MakeWhiteout(*dir, name);
    return made.error();
  }
  RefPtr<vfs::Inode> inode = std::move(made).value();
  if (directory && whiteout) {
    // A directory where a lower entry was deleted must not merge with it.
    auto opaque = SetOpaque(*inode);
    if (!opaque.ok()) {
      (void)dir->Rmdir(name);
      (void)MakeWhiteout(*dir, name);
      return opaque.error();
    }
  }
  return inode;
}

ktl::Result<RefPtr<vfs::Inode>> Inode::AdoptNewLocked(ktl::StringView name,
                                                      RefPtr<vfs::Inode> upper_inode) {
  uint64_t ino = upper_inode->ino() | kUpperInoBit;
  uint32_t type = upper_inode->type();
  RefPtr<Inode> child = vfs::MakeRef<Inode>(&overlay(), ino, type, std::move(upper_inode), nullptr);
  // The object exists already; without memory for ours the next lookup
  // finds it.
  if (!child) return ktl::Errno::kENOMEM;
  AddChildLocked(name, child);
  return RefPtr<vfs::Inode>(std::move(child));
}

ktl::Result<RefPtr<vfs::Inode>> Inode::Create(ktl::StringView name, const vfs::NewInode& attr) {
  ktl::SpinlockGuard guard(overlay().lock);
  RefPtr<vfs::Inode> made = TRY(CreateUpperLocked(
      name, false, [&](vfs::Inode& dir) { return dir.Create(name, attr); }));
  return AdoptNewLocked(name, std::move(made));
}

ktl::Result<RefPtr<vfs::Inode>> Inode::Mkdir(ktl::StringView name, const vfs::NewInode& attr) {
  ktl::SpinlockGuard guard(overlay().lock);
  RefPtr<vfs::Inode> made = TRY(CreateUpperLocked(
      name, true, [&](vfs::Inode& dir) { return dir.Mkdir(name, attr); }));
  return AdoptNewLocked(name, std::move(made));
}

ktl::Result<RefPtr<vfs::Inode>> Inode::Symlink(ktl::StringView name, ktl::StringView target,
                                               const vfs::NewInode& attr) {
  ktl::SpinlockGuard guard(overlay().lock);
  RefPtr<vfs::Inode> made = TRY(CreateUpperLocked(
      name, false, [&](vfs::Inode& dir) { return dir.Symlink(name, target, attr); }));
  return AdoptNewLocked(name, std::move(made));
}

ktl::Result<void> Inode::Link(ktl::StringView name, vfs::Inode& target_inode) {
  if (&target_inode.fs() != &fs()) return ktl::Errno::kEXDEV;
  if (target_inode.IsDir()) return ktl::Errno::kEPERM;
  auto& target = static_cast<Inode&>(target_inode);
  ktl::SpinlockGuard guard(overlay().lock);
  if (!IsDir()) return ktl::Errno::kENOTDIR;
  // Check the name first: a failed link must not copy the target up.
  auto existing = LookupLocked(name);
  if (existing.ok()) return ktl::Errno::kEEXIST;
  if (existing.error() != ktl::Errno::kENOENT) return existing.error();
  TRY(target.CopyUpLocked(/*with_data=*/true));
  RefPtr<vfs::Inode> target_upper = target.upper();
  TRY(CreateUpperLocked(name, false, [&](vfs::Inode& dir) -> ktl::Result<RefPtr<vfs::Inode>> {
    TRY(dir.Link(name, *target_upper));
    return target_upper;
  }));
  // Both names are one object (the VFS caches the target's inode too).
  AddChildLocked(name, RefPtr<Inode>(&target));
  return ktl::Ok();
}

ktl::Result<void> Inode::RemoveLocked(ktl::StringView name, bool directory) {
  if (!IsDir()) return ktl::Errno::kENOTDIR;
  RefPtr<Inode> child = TRY(LookupLocked(name));
  if (directory) {
    if (!child->IsDir()) return ktl::Errno::kENOTDIR;
    TRY(child->CheckEmptyLocked());
  } else if (child->IsDir()) {
    return ktl::Errno::kEISDIR;
  }
  bool needs_whiteout = TRY(LowerHasLocked(name));
  TRY(CopyUpLocked(/*with_data=*/true));
  RefPtr<vfs::Inode> dir = upper();
  RefPtr<vfs::Inode> child_upper = child->upper();
  if (!child_upper) {
    // Only in the lower tree: hide it.
    TRY(MakeWhiteout(*dir, name));
  } else if (needs_whiteout) {
    // Swap a whiteout in atomically, then drop the old object under the
    // scratch name it got.
    char scratch_buffer[kScratchNameSize];
    ktl::StringView scratch = TRY(MakeScratchWhiteout(overlay(), *dir, scratch_buffer));
    auto swapped = dir->Rename(scratch, *dir, name, vfs::kRENAME_EXCHANGE);
    if (!swapped.ok()) {
      (void)dir->Unlink(scratch);
      return swapped.error();
    }
    if (directory) {
      (void)ClearWhiteouts(*child_upper);
      (void)dir->Rmdir(scratch);
    } else {
      (void)dir->Unlink(scratch);
    }
  } else if (directory) {
    TRY(ClearWhiteouts(*child_upper));
    TRY(dir->Rmdir(name));
  } else {
    TRY(dir->Unlink(name));
  }
  RemoveChildLocked(name);
  return ktl::Ok();
}

ktl::Result<void> Inode::Unlink(ktl::StringView name) {
  ktl::SpinlockGuard guard(overlay().lock);
  return RemoveLocked(name, /*directory=*/false);
}

ktl::Result<void> Inode::Rmdir(ktl::StringView name) {
  ktl::SpinlockGuard guard(overlay().lock);
  return RemoveLocked(name, /*directory=*/true);
}

ktl::Result<void> Inode::Rename(ktl::StringView old_name, vfs::Inode& new_dir_inode,
                                ktl::StringView new_name, uint32_t flags) {
  if (&new_dir_inode.fs() != &fs()) return ktl::Errno::kEXDEV;
  if (!IsDir() || !new_dir_inode.IsDir()) return ktl::Errno::kENOTDIR;
  if (flags & ~(vfs::kRENAME_NOREPLACE | vfs::kRENAME_EXCHANGE)) return ktl::Errno::kEINVAL;
  auto& new_dir = static_cast<Inode&>(new_dir_inode);
  bool exchange = (flags & vfs::kRENAME_EXCHANGE) != 0;
  ktl::SpinlockGuard guard(overlay().lock);
  RefPtr<Inode> source = TRY(LookupLocked(old_name));
  RefPtr<Inode> target;
  auto found = new_dir.LookupLocked(new_name);
  if (found.ok()) {
    target = std::move(found).value();
  } else if (found.error() != ktl::Errno::kENOENT) {
    return found.error();
  }
  if (exchange && !target) return ktl::Errno::kENOENT;
  if (target && (flags & vfs::kRENAME_NOREPLACE)) return ktl::Errno::kEEXIST;
  if (target == source) return ktl::Ok();  // two names of one object
  // Without redirect_dir a directory with lower content cannot move: the
  // lower tree cannot record it. Linux says EXDEV and mv copies instead.
  if (source->IsDir() && source->lower_) return ktl::Errno::kEXDEV;
  if (exchange && target->IsDir() && target->lower_) return ktl::Errno::kEXDEV;
  if (target && !exchange) {
    if (source->IsDir() && !target->IsDir()) return ktl::Errno::kENOTDIR;
    if (!source->IsDir() && target->IsDir()) return ktl::Errno::kEISDIR;
    if (target->IsDir()) TRY(target->CheckEmptyLocked());
  }
  bool old_has_lower = TRY(LowerHasLocked(old_name));
  bool new_has_lower = TRY(new_dir.LowerHasLocked(new_name));

  TRY(CopyUpLocked(/*with_data=*/true));
  TRY(new_dir.CopyUpLocked(/*with_data=*/true));
  TRY(source->CopyUpLocked(/*with_data=*/true));
  if (exchange) TRY(target->CopyUpLocked(/*with_data=*/true));
  RefPtr<vfs::Inode> old_upper = upper();
  RefPtr<vfs::Inode> new_upper = new_dir.upper();
  RefPtr<vfs::Inode> source_upper = source->upper();
  if (target && target->upper() && target->upper() == source_upper) return ktl::Ok();
  // A directory landing where the lower tree has an entry must not merge
  // with it.
  if (source->IsDir() && new_has_lower) TRY(SetOpaque(*source_upper));
  if (exchange && target->IsDir() && old_has_lower) TRY(SetOpaque(*target->upper()));

  if (exchange) {
    TRY(old_upper->Rename(old_name, *new_upper, new_name, vfs::kRENAME_EXCHANGE));
  } else {
    RefPtr<vfs::Inode> at_new;
    auto existing = new_upper->Lookup(new_name);
    if (existing.ok()) at_new = std::move(existing).value();
    bool over_whiteout = at_new && IsWhiteout(*at_new);
    if (at_new && at_new->IsDir()) TRY(ClearWhiteouts(*at_new));  // checked empty above
    if (over_whiteout) {
      // Swap with the whiteout: the old name gets it, which is what it needs
      // if the lower tree has an entry there; otherwise drop it.
      TRY(old_upper->Rename(old_name, *new_upper, new_name, vfs::kRENAME_EXCHANGE));
      if (!old_has_lower) (void)old_upper->Unlink(old_name);
    } else if (old_has_lower) {
      // Have the whiteout ready before the move, so the lower entry never
      // shows through.
      char scratch_buffer[kScratchNameSize];
      ktl::StringView scratch = TRY(MakeScratchWhiteout(overlay(), *old_upper, scratch_buffer));
      auto moved = old_upper->Rename(old_name, *new_upper, new_name, 0);
      if (!moved.ok()) {
        (void)old_upper->Unlink(scratch);
        return moved.error();
      }
      if (!old_upper->Rename(scratch, *old_upper, old_name, 0).ok()) {
        // Out of memory for the name: a fresh whiteout is the fallback.
        (void)old_upper->Unlink(scratch);
        (void)MakeWhiteout(*old_upper, old_name);
      }
    } else {
      TRY(old_upper->Rename(old_name, *new_upper, new_name, 0));
    }
  }

  RemoveChildLocked(old_name);
  new_dir.RemoveChildLocked(new_name);
  new_dir.AddChildLocked(new_name, source);
  if (exchange) AddChildLocked(old_name, target);
  return ktl::Ok();
}

// --- readdir ---------------------------------------------------------------------------

void Inode::SortIndicesByName(const ktl::Vector<LowerEntry>& entries,
                              ktl::Vector<uint32_t>* indices) {
  // Shell sort (Ciura's gaps): no allocation, fast enough for directories
  // of thousands of entries, sorted once per directory.
  static constexpr size_t kGaps[] = {1750, 701, 301, 132, 57, 23, 10, 4, 1};
  ktl::Vector<uint32_t>& v = *indices;
  auto sort_with_gap = [&](size_t gap) {
    for (size_t i = gap; i < v.size(); ++i) {
      uint32_t moving = v[i];
      size_t j = i;
      while (j >= gap && vfs::CompareNames(entries[v[j - gap]].Name(), entries[moving].Name()) > 0) {
        v[j] = v[j - gap];
        j -= gap;
      }
      v[j] = moving;
    }
  };
  for (size_t gap : kGaps) sort_with_gap(gap);
}

ktl::Result<void> Inode::SnapshotLowerLocked() {
  if (lower_snapshot_taken_ || !lower_) return ktl::Ok();
  ktl::Vector<LowerEntry> entries;
  ktl::Result<void> copied = ktl::Ok();
  TRY(lower_->ReadDir(0, [&](const vfs::DirEntry& entry) {
    if (entry.name == "." || entry.name == "..") return true;
    LowerEntry copy;
    copied = CopyName(entry.name, &copy.name);
    if (copied.ok()) {
      copy.ino = entry.ino;
      copy.type = entry.type;
      copied = entries.PushBack(std::move(copy));
    }
    return copied.ok();
  }));
  TRY(copied);
  // Character devices may be whiteouts (a lower tree that is itself an
  // overlay's upper layer): leave those out.
  ktl::Vector<LowerEntry> kept;
  TRY(kept.Reserve(entries.size()));
  for (LowerEntry& entry : entries) {
    if (entry.type == vfs::kDT_CHR || entry.type == vfs::kDT_UNKNOWN) {
      auto child = lower_->Lookup(entry.Name());
      if (!child.ok() || IsWhiteout(*child.value())) continue;
      if (entry.type == vfs::kDT_UNKNOWN) entry.type = vfs::DirentType(child.value()->type());
    }
    (void)kept.PushBack(std::move(entry));  // reserved
  }
  ktl::Vector<uint32_t> by_name;
  TRY(by_name.Reserve(kept.size()));
  for (size_t i = 0; i < kept.size(); ++i) (void)by_name.PushBack(static_cast<uint32_t>(i));
  SortIndicesByName(kept, &by_name);
  lower_entries_ = std::move(kept);
  lower_by_name_ = std::move(by_name);
  lower_snapshot_taken_ = true;
  return ktl::Ok();
}

const Inode::LowerEntry* Inode::FindLowerLocked(ktl::StringView name) const {
  size_t low = 0, high = lower_by_name_.size();
  while (low < high) {
    size_t mid = (low + high) / 2;
    int c = vfs::CompareNames(lower_entries_[lower_by_name_[mid]].Name(), name);
    if (c == 0) return &lower_entries_[lower_by_name_[mid]];
    if (c < 0) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  return nullptr;
}

ktl::Result<void> Inode::ReadEntriesLocked(uint64_t cookie,
                                           ktl::FunctionRef<bool(const vfs::DirEntry&)> emit) {
  TRY(SnapshotLowerLocked());
  RefPtr<vfs::Inode> upper_dir = upper();
  // An upper object "continues" a lower entry of the same name when it is
  // that entry's copy-up or a directory merged with it; such names are
  // listed in the lower pass, where they were before the copy-up, so a
  // listing in progress sees each of them exactly once.
  auto continues = [&](vfs::Inode& upper_child, const LowerEntry& entry) {
    if (upper_child.IsDir()) return entry.type == vfs::kDT_DIR && !IsOpaque(upper_child);
    uint64_t origin;
    return OriginOf(upper_child, &origin) && origin == entry.ino;
  };

  if (upper_dir && cookie < kLowerCookieBase) {
    struct UpperEntry {
      ktl::Vector<char> name;
      uint64_t next_cookie;
    };
    ktl::Vector<UpperEntry> entries;
    ktl::Result<void> copied = ktl::Ok();
    TRY(upper_dir->ReadDir(cookie < 2 ? 0 : cookie, [&](const vfs::DirEntry& entry) {
      if (entry.name == "." || entry.name == "..") return true;
      if (entry.next_cookie >= kLowerCookieBase) {
        copied = ktl::Errno::kEOVERFLOW;
        return false;
      }
      UpperEntry copy;
      copied = CopyName(entry.name, &copy.name);
      if (copied.ok()) {
        copy.next_cookie = entry.next_cookie;
        copied = entries.PushBack(std::move(copy));
      }
      return copied.ok();
    }));
    TRY(copied);
    for (const UpperEntry& entry : entries) {
      ktl::StringView name(entry.name.data(), entry.name.size());
      auto child = upper_dir->Lookup(name);
      if (!child.ok() || IsWhiteout(*child.value())) continue;  // gone since, or hidden
      vfs::Inode& upper_child = *child.value();
      const LowerEntry* lower_entry = lower_ ? FindLowerLocked(name) : nullptr;
      if (lower_entry != nullptr && continues(upper_child, *lower_entry)) continue;
      vfs::DirEntry out{UpperIno(upper_child), vfs::DirentType(upper_child.type()), name,
                        entry.next_cookie};
      if (!emit(out)) return ktl::Ok();
    }
  }
  if (!lower_) return ktl::Ok();
  size_t first = cookie >= kLowerCookieBase ? cookie - kLowerCookieBase : 0;
  for (size_t i = first; i < lower_entries_.size(); ++i) {
    const LowerEntry& entry = lower_entries_[i];
    if (upper_dir) {
      auto child = upper_dir->Lookup(entry.Name());
      if (child.ok() && !continues(*child.value(), entry)) continue;  // hidden or replaced
    }
    vfs::DirEntry out{entry.ino, entry.type, entry.Name(), kLowerCookieBase + i + 1};
    if (!emit(out)) return ktl::Ok();
  }
  return ktl::Ok();
}

ktl::Result<void> Inode::ReadDir(uint64_t cookie,
                                 ktl::FunctionRef<bool(const vfs::DirEntry&)> emit) {
  if (!IsDir()) return ktl::Errno::kENOTDIR;
  ktl::SpinlockGuard guard(overlay().lock);
  if (cookie == 0 && !emit(vfs::DirEntry{ino(), vfs::kDT_DIR, ".", 1})) return ktl::Ok();
  if (cookie <= 1) {
    uint64_t parent_ino = parent_ != nullptr ? parent_->ino() : ino();
    if (!emit(vfs::DirEntry{parent_ino, vfs::kDT_DIR, "..", 2})) return ktl::Ok();
  }
  return ReadEntriesLocked(cookie < 2 ? 2 : cookie, emit);
}

ktl::Result<void> Inode::CheckEmptyLocked() {
  bool empty = true;
  TRY(ReadEntriesLocked(2, [&](const vfs::DirEntry&) {
    empty = false;
    return false;
  }));
  return empty ? ktl::Ok() : ktl::Result<void>(ktl::Errno::kENOTEMPTY);
}

// --- data --------------------------------------------------------------------------------

ktl::Result<void> Inode::Readlink(ktl::Vector<char>* out) { return real()->Readlink(out); }

ktl::Result<size_t> Inode::Read(vfs::IoBuffer& dst, uint64_t offset) {
  return real()->Read(dst, offset);
}

ktl::Result<size_t> Inode::Write(vfs::IoBuffer& src, uint64_t offset, bool append,
                                 uint64_t* end) {
  if (!IsRegular()) return ktl::Errno::kEINVAL;
  {
    ktl::SpinlockGuard guard(overlay().lock);
    TRY(CopyUpLocked(/*with_data=*/true));
  }
  return upper()->Write(src, offset, append, end);
}

// --- extended attributes ----------------------------------------------------------------

ktl::Result<void> Inode::Getxattr(ktl::StringView name, ktl::Vector<char>* out) {
  if (IsPrivateXattr(name)) return ktl::Errno::kEOPNOTSUPP;
  return real()->Getxattr(name, out);
}

ktl::Result<void> Inode::Listxattr(ktl::Vector<char>* out) {
  ktl::Vector<char> names;
  TRY(real()->Listxattr(&names));
  TRY(out->ReserveAtLeast(out->size() + names.size()));
  for (size_t at = 0; at < names.size();) {
    size_t length = ktl::StrNLen(names.data() + at, names.size() - at);
    ktl::StringView name(names.data() + at, length);
    if (!IsPrivateXattr(name)) {
      for (char c : name) (void)out->PushBack(c);  // reserved
      (void)out->PushBack('\0');
    }
    at += length + 1;
  }
  return ktl::Ok();
}

ktl::Result<void> Inode::Setxattr(ktl::StringView name, std::span<const char> value,
                                  uint32_t flags) {
  if (IsPrivateXattr(name)) return ktl::Errno::kEOPNOTSUPP;
  ktl::SpinlockGuard guard(overlay().lock);
  TRY(CopyUpLocked(/*with_data=*/true));
  return upper()->Setxattr(name, value, flags);
}

ktl::Result<void> Inode::Removexattr(ktl::StringView name) {
  if (IsPrivateXattr(name)) return ktl::Errno::kEOPNOTSUPP;
  ktl::SpinlockGuard guard(overlay().lock);
  if (!upper()) {
    // Removing what is not there changes nothing: no copy-up for ENODATA.
    ktl::Vector<char> value;
    TRY(lower_->Getxattr(name, &value));
  }
  TRY(CopyUpLocked(/*with_data=*/true));
  return upper()->Removexattr(name);
}

// --- open ---------------------------------------------------------------------------------

ktl::Result<RefPtr<vfs::FileDescription>> Inode::Open(const vfs::Path& path, uint32_t flags) {
  if (IsDir()) return vfs::Inode::Open(path, flags);  // merged listing through ReadDir
  if (!IsRegular()) return real()->Open(path, flags);  // fifos, devices: no data here
  if ((flags & vfs::kO_ACCMODE) != vfs::kO_RDONLY) {
    ktl::SpinlockGuard guard(overlay().lock);
    TRY(CopyUpLocked(/*with_data=*/true));
  }
  // The description keeps the layer file it opened (see overlay.h).
  RefPtr<vfs::FileDescription> layer = TRY(OpenLayer(real(), flags));
  RefPtr<vfs::FileDescription> description = RefPtr<vfs::FileDescription>::Adopt(
      new (std::nothrow) FileDescription(flags, path, std::move(layer)));
  if (!description) return ktl::Errno::kENOMEM;
  return description;
}

}  // namespace sentry::overlay
