#include "kernel/vfs/vfs.h"

#include "kernel/vfs/permission.h"

namespace sentry::vfs {
namespace {

using Kind = LastComponent::Kind;

bool IsReadOnly(const Path& path) { return path.mount->read_only(); }

// Write access to these types needs a writable mount; fifos, sockets and
// devices do not (their data is not stored on the file system).
bool StoresData(uint32_t mode) {
  uint32_t type = mode & kS_IFMT;
  return type == kS_IFREG || type == kS_IFDIR || type == kS_IFLNK;
}

bool ValidTimespec(const Timespec& t) {
  return t.tv_nsec == kUTIME_NOW || t.tv_nsec == kUTIME_OMIT ||
         (t.tv_nsec >= 0 && t.tv_nsec < 1000000000);
}

}  // namespace

Vfs::~Vfs() {
  ktl::SpinlockGuard guard(tree_lock_);
  root_ = Path();
  mounts_.Teardown();
}

size_t Vfs::DropUnusedCaches() {
  ktl::SpinlockGuard guard(tree_lock_);
  return mounts_.SweepUnused();
}

// --- mount table ---------------------------------------------------------------

ktl::Result<void> Vfs::MountRoot(RefPtr<Inode> fs_root, uint32_t mount_flags) {
  if (!fs_root->IsDir()) return ktl::Errno::kENOTDIR;
  RefPtr<Dentry> dentry = Dentry::MakeRoot(std::move(fs_root));
  if (!dentry) return ktl::Errno::kENOMEM;
  RefPtr<vfs::Mount> mount = MakeRef<vfs::Mount>(std::move(dentry), mount_flags);
  if (!mount) return ktl::Errno::kENOMEM;
  ktl::SpinlockGuard guard(tree_lock_);
  if (root_.valid()) return ktl::Errno::kEBUSY;
  TRY(mounts_.AttachRoot(mount));
  root_.dentry = mount->root_ref();
  root_.mount = std::move(mount);
  return ktl::Ok();
}

Path Vfs::root() {
  ktl::SpinlockGuard guard(tree_lock_);
  return root_;
}

ktl::Result<void> Vfs::Mount(const Caller& caller, ktl::StringView target, RefPtr<Inode> fs_root,
                             uint32_t mount_flags) {
  if (!fs_root->IsDir()) return ktl::Errno::kENOTDIR;
  RefPtr<Dentry> dentry = Dentry::MakeRoot(std::move(fs_root));
  if (!dentry) return ktl::Errno::kENOMEM;
  RefPtr<vfs::Mount> mount = MakeRef<vfs::Mount>(std::move(dentry), mount_flags);
  if (!mount) return ktl::Errno::kENOMEM;
  ktl::SpinlockGuard guard(tree_lock_);
  Path where = TRY(ResolveLocked(caller, target, 0));
  if (!where.inode().IsDir()) return ktl::Errno::kENOTDIR;
  return mounts_.Attach(std::move(mount), where);
}

ktl::Result<void> Vfs::BindMount(const Caller& caller, ktl::StringView source,
                                 ktl::StringView target, uint32_t mount_flags) {
  ktl::SpinlockGuard guard(tree_lock_);
  Path from = TRY(ResolveLocked(caller, source, 0));
  Path where = TRY(ResolveLocked(caller, target, 0));
  if (from.inode().IsDir() != where.inode().IsDir()) return ktl::Errno::kENOTDIR;
  RefPtr<vfs::Mount> mount = MakeRef<vfs::Mount>(from.dentry, mount_flags);
  if (!mount) return ktl::Errno::kENOMEM;
  return mounts_.Attach(std::move(mount), where);
}

ktl::Result<void> Vfs::Unmount(const Caller& caller, ktl::StringView target) {
  ktl::SpinlockGuard guard(tree_lock_);
  Path where = TRY(ResolveLocked(caller, target, 0));
  if (where.dentry.get() != where.mount->root()) return ktl::Errno::kEINVAL;
  if (where.mount->parent() == nullptr) return ktl::Errno::kEBUSY;
  return mounts_.Detach(where.mount.get());
}

bool Vfs::IsMountpoint(const Path& path) const {
  return mounts_.MountedOn(path.mount.get(), path.dentry.get()) != nullptr ||
         path.dentry.get() == path.mount->root();
}

// --- resolution ------------------------------------------------------------------

ktl::Result<Path> Vfs::ResolveLocked(const Caller& caller, ktl::StringView path,
                                     uint32_t at_flags) {
  if (path.empty()) {
    if ((at_flags & kAT_EMPTY_PATH) == 0) return ktl::Errno::kENOENT;
    return Path(caller.start);
  }
  PathWalker walker(mounts_, caller.root, caller.creds);
  return walker.Resolve(caller.start, path, (at_flags & kAT_SYMLINK_NOFOLLOW) == 0);
}

ktl::Result<Path> Vfs::Resolve(const Caller& caller, ktl::StringView path, uint32_t at_flags) {
  ktl::SpinlockGuard guard(tree_lock_);
  return ResolveLocked(caller, path, at_flags);
}

ktl::Result<size_t> Vfs::PathName(const Path& root, const Path& path, std::span<char> out) {
  ktl::SpinlockGuard guard(tree_lock_);
  return PathNameLocked(root, path, out);
}

namespace {

// Whether `path` lies at or below `root` in the mount tree.
bool IsWithin(const Path& path, const Path& root) {
  Path p = path;
  while (!(p == root)) {
    if (p.dentry.get() == p.mount->root()) {
      vfs::Mount* parent = p.mount->parent();
      if (parent == nullptr) return false;
      p.dentry = p.mount->mountpoint_ref();
      p.mount = RefPtr<vfs::Mount>(parent);
      continue;
    }
    Dentry* up = p.dentry->parent();
    if (up == nullptr) return false;
    p.dentry = RefPtr<Dentry>(up);
  }
  return true;
}

// The path of `dentry` from the root of its file system, in `out`.
ktl::Result<size_t> PathInFileSystem(Dentry* dentry, std::span<char> out) {
  size_t start = out.size() - 1;
  out[start] = '\0';
  for (Dentry* d = dentry; !d->IsRoot(); d = d->parent()) {
    ktl::StringView name = d->name();
    if (start < name.size() + 1) return ktl::Errno::kERANGE;
    start -= name.size();
    ktl::MemCopy(&out[start], name.data(), name.size());
    out[--start] = '/';
  }
  if (start == out.size() - 1) out[--start] = '/';
  size_t length = out.size() - 1 - start;
  ktl::MemMove(out.data(), &out[start], length + 1);
  return length;
}

}  // namespace

ktl::Result<void> Vfs::ForEachMount(
    const Path& root, ktl::FunctionRef<ktl::Result<void>(const MountRecord&)> emit) {
  ktl::SpinlockGuard guard(tree_lock_);
  ktl::Vector<char> buffers;
  TRY(buffers.Resize(2 * kPathMax));
  std::span<char> point(buffers.data(), kPathMax);
  std::span<char> inside(buffers.data() + kPathMax, kPathMax);
  for (const RefPtr<vfs::Mount>& mount : mounts_.mounts()) {
    Path top{mount, mount->root_ref()};
    if (!IsWithin(top, root)) continue;
    size_t point_length = TRY(PathNameLocked(root, top, point));
    size_t inside_length = TRY(PathInFileSystem(mount->root(), inside));
    vfs::Mount* parent = mount->parent();
    MountRecord record{*mount, parent != nullptr ? parent->id() : mount->id(),
                       ktl::StringView(point.data(), point_length),
                       ktl::StringView(inside.data(), inside_length)};
    TRY(emit(record));
  }
  return ktl::Ok();
}

ktl::Result<size_t> PathNameLocked(const Path& root, const Path& path, std::span<char> out) {
  if (path.dentry->dead()) return ktl::Errno::kENOENT;
  if (out.empty()) return ktl::Errno::kERANGE;
  // Build right to left at the end of `out`, then slide to the front.
  size_t start = out.size() - 1;
  out[start] = '\0';
  Path p = path;
  while (!(p == root)) {
    if (p.dentry.get() == p.mount->root()) {
      vfs::Mount* parent = p.mount->parent();
      if (parent == nullptr) break;  // outside the caller's root: show from the top
      p.dentry = p.mount->mountpoint_ref();
      p.mount = RefPtr<vfs::Mount>(parent);
      continue;
    }
    ktl::StringView name = p.dentry->name();
    if (start < name.size() + 1) return ktl::Errno::kERANGE;
    start -= name.size();
    ktl::MemCopy(&out[start], name.data(), name.size());
    out[--start] = '/';
    p.dentry = RefPtr<Dentry>(p.dentry->parent());
  }
  if (start == out.size() - 1) {
    if (start < 1) return ktl::Errno::kERANGE;
    out[--start] = '/';
  }
  size_t length = out.size() - 1 - start;
  ktl::MemMove(out.data(), &out[start], length + 1);
  return length;
}

// --- helpers ---------------------------------------------------------------------

NewInode Vfs::NewInodeAttr(const Path& dir, uint32_t mode, const Credentials& creds) {
  Attr parent = dir.inode().Getattr();
  NewInode attr;
  attr.mode = mode;
  attr.uid = creds.fsuid;
  attr.gid = creds.fsgid;
  if (parent.mode & kS_ISGID) {
    // BSD group semantics in a setgid directory: inherit its group, and a
    // new subdirectory inherits the bit.
    attr.gid = parent.gid;
    if (IsDirMode(mode)) attr.mode |= kS_ISGID;
  }
  if (!IsDirMode(attr.mode) && (attr.mode & (kS_ISGID | kS_IXGRP)) == (kS_ISGID | kS_IXGRP) &&
      !creds.InGroup(attr.gid) && !creds.Has(kCapFsetid)) {
    attr.mode &= ~kS_ISGID;
  }
  return attr;
}

ktl::Result<void> Vfs::MayCreate(const Path& dir, const Credentials& creds) {
  if (dir.dentry->dead()) return ktl::Errno::kENOENT;
  return CheckPermission(creds, dir.inode().Getattr(), kMayWrite | kMayExec);
}

ktl::Result<void> Vfs::MayDelete(const Path& dir, const Path& victim, bool want_dir,
                                 const Credentials& creds) {
  Attr dir_attr = dir.inode().Getattr();
  TRY(CheckPermission(creds, dir_attr, kMayWrite | kMayExec));
  TRY(CheckSticky(creds, dir_attr, victim.inode().Getattr()));
  if (want_dir) {
    if (!victim.inode().IsDir()) return ktl::Errno::kENOTDIR;
    if (victim.dentry->IsRoot()) return ktl::Errno::kEBUSY;
  } else if (victim.inode().IsDir()) {
    return ktl::Errno::kEISDIR;
  }
  if (IsMountpoint(victim)) return ktl::Errno::kEBUSY;
  return ktl::Ok();
}

ktl::Result<LastComponent> Vfs::PrepareCreate(PathWalker& walker, const Caller& caller,
                                              ktl::StringView path, bool directory) {
  LastComponent last = TRY(walker.WalkParent(caller.start, path));
  if (last.kind != Kind::kNormal) return ktl::Errno::kEEXIST;
  auto existing = walker.LookupLast(last, /*cross_mounts=*/false);
  if (existing.ok()) return ktl::Errno::kEEXIST;
  if (existing.error() != ktl::Errno::kENOENT) return existing.error();
  if (last.trailing_slash && !directory) return ktl::Errno::kENOENT;
  if (IsReadOnly(last.parent)) return ktl::Errno::kEROFS;
  TRY(MayCreate(last.parent, caller.creds));
  return last;
}

void Vfs::CacheChild(const LastComponent& last, RefPtr<Inode> inode) {
  if (last.parent.dentry->FindChild(last.name) != nullptr) return;
  if (last.parent.dentry->AddChild(last.name, std::move(inode)).ok()) mounts_.NoteCached();
}

ktl::Result<void> Vfs::DoSetattr(const Path& target, const SetAttr& change) {
  return target.inode().Setattr(change);
}

// --- open ------------------------------------------------------------------------

ktl::Result<RefPtr<FileDescription>> Vfs::Open(const Caller& caller, ktl::StringView path,
                                               uint32_t flags, uint32_t mode) {
  if ((flags & kO_TMPFILE) == kO_TMPFILE) return ktl::Errno::kEOPNOTSUPP;
  if (flags & kO_PATH) flags &= kO_PATH | kO_DIRECTORY | kO_NOFOLLOW | kO_CLOEXEC;
  bool create = (flags & kO_CREAT) != 0;
  if (create && (flags & kO_DIRECTORY)) return ktl::Errno::kEINVAL;  // as Linux 6.4+
  bool follow = (flags & kO_NOFOLLOW) == 0 && !(create && (flags & kO_EXCL));

  ktl::SpinlockGuard guard(tree_lock_);
  PathWalker walker(mounts_, caller.root, caller.creds);
  LastComponent last = TRY(walker.WalkParent(caller.start, path));
  Path target;
  bool created = false;
  if (!create) {
    target = TRY(walker.ResolveLast(std::move(last), follow));
  } else {
    for (;;) {
      // open(2): O_CREAT on "/", "." or "..", or with a trailing slash, is EISDIR.
      if (last.kind != Kind::kNormal || last.trailing_slash) return ktl::Errno::kEISDIR;
      auto found = walker.LookupLast(last);
      if (found.ok()) {
        if (flags & kO_EXCL) return ktl::Errno::kEEXIST;
        if (found.value().inode().IsSymlink() && follow) {
          // A dangling link creates its target, wherever it points.
          TRY(walker.FollowSymlink(found.value(), &last));
          if (found.value().inode().IsMagicLink()) {
            // A jump lands on an existing object ("> /dev/stdout").
            target = std::move(last.parent);
            break;
          }
          continue;
        }
        target = std::move(found).value();
        break;
      }
      if (found.error() != ktl::Errno::kENOENT) return found.error();
      if (IsReadOnly(last.parent)) return ktl::Errno::kEROFS;
      TRY(MayCreate(last.parent, caller.creds));
      NewInode attr = NewInodeAttr(last.parent, kS_IFREG | (mode & kPermissionBits & ~caller.umask),
                                   caller.creds);
      RefPtr<Inode> inode = TRY(last.parent.inode().Create(last.name, attr));
      target.mount = last.parent.mount;
      target.dentry = TRY(last.parent.dentry->AddChild(last.name, std::move(inode)));
      mounts_.NoteCached();
      created = true;
      break;
    }
  }

  Inode& inode = target.inode();
  if (inode.IsSymlink()) {
    // Only reachable with O_NOFOLLOW (or O_CREAT|O_EXCL, which found it).
    if (!(flags & kO_PATH)) return ktl::Errno::kELOOP;
  }
  if ((flags & kO_DIRECTORY) && !inode.IsDir()) return ktl::Errno::kENOTDIR;
  uint32_t kept_flags = flags & ~(kO_CREAT | kO_EXCL | kO_TRUNC | kO_NOCTTY | kO_CLOEXEC);
  if (flags & kO_PATH) {
    RefPtr<FileDescription> description = RefPtr<FileDescription>::Adopt(
        new (std::nothrow) FileDescription(kept_flags, target));
    if (!description) return ktl::Errno::kENOMEM;
    return description;
  }

  uint32_t access = flags & kO_ACCMODE;
  uint32_t may = 0;
  if (access == kO_RDONLY || access == kO_RDWR || access == kO_ACCMODE) may |= kMayRead;
  if (access == kO_WRONLY || access == kO_RDWR || access == kO_ACCMODE) may |= kMayWrite;
  bool truncate = (flags & kO_TRUNC) && inode.IsRegular();
  if (inode.IsDir() && (create || (may & kMayWrite))) return ktl::Errno::kEISDIR;
  if (!created) {
    Attr attr = inode.Getattr();
    TRY(CheckPermission(caller.creds, attr, may | (truncate ? kMayWrite : 0)));
    if (((may & kMayWrite) || truncate) && StoresData(attr.mode) && IsReadOnly(target)) {
      return ktl::Errno::kEROFS;
    }
    if (truncate) {
      SetAttr change;
      change.mask = SetAttr::kSize;
      change.size = 0;
      TRY(DoSetattr(target, change));
    }
  }
  return inode.Open(target, kept_flags);
}

// --- stat, mkdir, mknod, symlink ---------------------------------------------------

ktl::Result<Attr> Vfs::Stat(const Caller& caller, ktl::StringView path, uint32_t at_flags) {
  if (at_flags & ~(kAT_SYMLINK_NOFOLLOW | kAT_EMPTY_PATH | kAT_NO_AUTOMOUNT)) {
    return ktl::Errno::kEINVAL;
  }
  ktl::SpinlockGuard guard(tree_lock_);
  Path target = TRY(ResolveLocked(caller, path, at_flags));
  return target.inode().Getattr();
}

ktl::Result<void> Vfs::Mkdir(const Caller& caller, ktl::StringView path, uint32_t mode) {
  ktl::SpinlockGuard guard(tree_lock_);
  PathWalker walker(mounts_, caller.root, caller.creds);
  LastComponent last = TRY(PrepareCreate(walker, caller, path, /*directory=*/true));
  NewInode attr = NewInodeAttr(last.parent, kS_IFDIR | (mode & 01777 & ~caller.umask),
                               caller.creds);
  RefPtr<Inode> inode = TRY(last.parent.inode().Mkdir(last.name, attr));
  CacheChild(last, std::move(inode));
  return ktl::Ok();
}

ktl::Result<void> Vfs::Mknod(const Caller& caller, ktl::StringView path, uint32_t mode,
                             uint64_t device) {
  uint32_t type = mode & kS_IFMT;
  if (type == 0) type = kS_IFREG;
  switch (type) {
    case kS_IFREG:
    case kS_IFIFO:
    case kS_IFSOCK:
    case kS_IFCHR:
    case kS_IFBLK:
      break;
    case kS_IFDIR:
      return ktl::Errno::kEPERM;
    default:
      return ktl::Errno::kEINVAL;
  }
  ktl::SpinlockGuard guard(tree_lock_);
  PathWalker walker(mounts_, caller.root, caller.creds);
  LastComponent last = TRY(PrepareCreate(walker, caller, path, /*directory=*/false));
  if ((type == kS_IFCHR || type == kS_IFBLK) && !caller.creds.Has(kCapMknod)) {
    return ktl::Errno::kEPERM;
  }
  NewInode attr =
      NewInodeAttr(last.parent, type | (mode & kPermissionBits & ~caller.umask), caller.creds);
  attr.rdev = (type == kS_IFCHR || type == kS_IFBLK) ? device : 0;
  RefPtr<Inode> inode = TRY(last.parent.inode().Create(last.name, attr));
  CacheChild(last, std::move(inode));
  return ktl::Ok();
}

ktl::Result<void> Vfs::Symlink(ktl::StringView target, const Caller& caller,
                               ktl::StringView path) {
  if (target.empty()) return ktl::Errno::kENOENT;
  if (target.size() >= kPathMax) return ktl::Errno::kENAMETOOLONG;
  ktl::SpinlockGuard guard(tree_lock_);
  PathWalker walker(mounts_, caller.root, caller.creds);
  LastComponent last = TRY(PrepareCreate(walker, caller, path, /*directory=*/false));
  NewInode attr = NewInodeAttr(last.parent, kS_IFLNK | 0777, caller.creds);
  RefPtr<Inode> inode = TRY(last.parent.inode().Symlink(last.name, target, attr));
  CacheChild(last, std::move(inode));
  return ktl::Ok();
}

// --- unlink, rmdir -----------------------------------------------------------------

ktl::Result<void> Vfs::Unlink(const Caller& caller, ktl::StringView path) {
  ktl::SpinlockGuard guard(tree_lock_);
  PathWalker walker(mounts_, caller.root, caller.creds);
  LastComponent last = TRY(walker.WalkParent(caller.start, path));
  if (last.kind != Kind::kNormal) return ktl::Errno::kEISDIR;
  if (IsReadOnly(last.parent)) return ktl::Errno::kEROFS;
  Path victim = TRY(walker.LookupLast(last, /*cross_mounts=*/false));
  if (last.trailing_slash) {
    return victim.inode().IsDir() ? ktl::Errno::kEISDIR : ktl::Errno::kENOTDIR;
  }
  TRY(MayDelete(last.parent, victim, /*want_dir=*/false, caller.creds));
  TRY(last.parent.inode().Unlink(last.name));
  last.parent.dentry->RemoveChild(victim.dentry.get());
  return ktl::Ok();
}

ktl::Result<void> Vfs::Rmdir(const Caller& caller, ktl::StringView path) {
  ktl::SpinlockGuard guard(tree_lock_);
  PathWalker walker(mounts_, caller.root, caller.creds);
  LastComponent last = TRY(walker.WalkParent(caller.start, path));
  switch (last.kind) {
    case Kind::kDot:
      return ktl::Errno::kEINVAL;
    case Kind::kDotDot:
      return ktl::Errno::kENOTEMPTY;
    case Kind::kRoot:
      return ktl::Errno::kEBUSY;
    case Kind::kNormal:
      break;
  }
  if (IsReadOnly(last.parent)) return ktl::Errno::kEROFS;
  Path victim = TRY(walker.LookupLast(last, /*cross_mounts=*/false));
  TRY(MayDelete(last.parent, victim, /*want_dir=*/true, caller.creds));
  TRY(last.parent.inode().Rmdir(last.name));
  last.parent.dentry->RemoveChild(victim.dentry.get());
  return ktl::Ok();
}

// --- rename, link --------------------------------------------------------------------

ktl::Result<void> Vfs::Rename(const Caller& old_at, ktl::StringView old_path,
                              const Caller& new_at, ktl::StringView new_path, uint32_t flags) {
  if (flags & ~(kRENAME_NOREPLACE | kRENAME_EXCHANGE | kRENAME_WHITEOUT)) {
    return ktl::Errno::kEINVAL;
  }
  if ((flags & kRENAME_NOREPLACE) && (flags & kRENAME_EXCHANGE)) return ktl::Errno::kEINVAL;
  if (flags & kRENAME_WHITEOUT) return ktl::Errno::kEINVAL;  // not supported yet
  bool exchange = (flags & kRENAME_EXCHANGE) != 0;
  const Credentials& creds = old_at.creds;

  ktl::SpinlockGuard guard(tree_lock_);
  PathWalker old_walker(mounts_, old_at.root, creds);
  PathWalker new_walker(mounts_, new_at.root, creds);
  LastComponent old_last = TRY(old_walker.WalkParent(old_at.start, old_path));
  LastComponent new_last = TRY(new_walker.WalkParent(new_at.start, new_path));
  if (!(old_last.parent.mount == new_last.parent.mount)) return ktl::Errno::kEXDEV;
  if (old_last.kind != Kind::kNormal) return ktl::Errno::kEBUSY;
  if (new_last.kind != Kind::kNormal) {
    return (flags & kRENAME_NOREPLACE) ? ktl::Errno::kEEXIST : ktl::Errno::kEBUSY;
  }
  if (IsReadOnly(old_last.parent)) return ktl::Errno::kEROFS;

  Path old_path_resolved = TRY(old_walker.LookupLast(old_last, /*cross_mounts=*/false));
  Path target;
  auto found = new_walker.LookupLast(new_last, /*cross_mounts=*/false);
  if (found.ok()) {
    target = std::move(found).value();
  } else if (found.error() != ktl::Errno::kENOENT) {
    return found.error();
  }
  bool target_exists = target.valid();
  if (exchange && !target_exists) return ktl::Errno::kENOENT;
  if ((flags & kRENAME_NOREPLACE) && target_exists) return ktl::Errno::kEEXIST;

  Inode& source = old_path_resolved.inode();
  bool source_is_dir = source.IsDir();
  if (!source_is_dir) {
    if (old_last.trailing_slash) return ktl::Errno::kENOTDIR;
    if (!exchange && new_last.trailing_slash) return ktl::Errno::kENOTDIR;
  }
  if (exchange && !target.inode().IsDir() && new_last.trailing_slash) {
    return ktl::Errno::kENOTDIR;
  }
  // The source must not be an ancestor of the target ("rename a dir into
  // its own subdirectory")...
  if (new_last.parent.dentry->IsDescendantOf(old_path_resolved.dentry.get())) {
    return ktl::Errno::kEINVAL;
  }
  // ... nor the target an ancestor of the source.
  if (target_exists && old_last.parent.dentry->IsDescendantOf(target.dentry.get())) {
    return exchange ? ktl::Errno::kEINVAL : ktl::Errno::kENOTEMPTY;
  }

  // Renaming a name onto a link to the same inode does nothing.
  if (target_exists && &target.inode() == &source) return ktl::Ok();

  TRY(MayDelete(old_last.parent, old_path_resolved, source_is_dir, creds));
  if (target_exists) {
    TRY(MayDelete(new_last.parent, target, exchange ? target.inode().IsDir() : source_is_dir,
                  creds));
  } else {
    TRY(MayCreate(new_last.parent, creds));
  }
  bool moves = old_last.parent.dentry != new_last.parent.dentry;
  if (moves && source_is_dir) {
    // The directory's ".." changes: that is a write to it.
    TRY(CheckPermission(creds, source.Getattr(), kMayWrite));
  }
  if (moves && exchange && target.inode().IsDir()) {
    TRY(CheckPermission(creds, target.inode().Getattr(), kMayWrite));
  }

  TRY(old_last.parent.inode().Rename(old_last.name, new_last.parent.inode(), new_last.name,
                                     flags));
  if (exchange) {
    Dentry::Exchange(old_path_resolved.dentry.get(), target.dentry.get());
  } else if (!old_path_resolved.dentry->MoveTo(new_last.parent.dentry.get(), new_last.name)
                  .ok()) {
    // Out of memory for the cache: forget both names; lookups will ask the
    // file system, which is already right.
    old_last.parent.dentry->RemoveChild(old_path_resolved.dentry.get());
    if (target_exists) new_last.parent.dentry->RemoveChild(target.dentry.get());
  }
  return ktl::Ok();
}

ktl::Result<void> Vfs::Link(const Caller& old_at, ktl::StringView old_path, const Caller& new_at,
                            ktl::StringView new_path, uint32_t at_flags) {
  if (at_flags & ~(kAT_SYMLINK_FOLLOW | kAT_EMPTY_PATH)) return ktl::Errno::kEINVAL;
  ktl::SpinlockGuard guard(tree_lock_);
  uint32_t resolve_flags = (at_flags & kAT_EMPTY_PATH) |
                           ((at_flags & kAT_SYMLINK_FOLLOW) ? 0 : kAT_SYMLINK_NOFOLLOW);
  Path source = TRY(ResolveLocked(old_at, old_path, resolve_flags));
  PathWalker walker(mounts_, new_at.root, new_at.creds);
  // PrepareCreate checks EROFS and permission before EXDEV; Linux checks
  // EXDEV first, so look for EEXIST/ENOENT ourselves, then EXDEV.
  LastComponent last = TRY(walker.WalkParent(new_at.start, new_path));
  if (last.kind != Kind::kNormal) return ktl::Errno::kEEXIST;
  auto existing = walker.LookupLast(last, /*cross_mounts=*/false);
  if (existing.ok()) return ktl::Errno::kEEXIST;
  if (existing.error() != ktl::Errno::kENOENT) return existing.error();
  if (last.trailing_slash) return ktl::Errno::kENOENT;
  if (IsReadOnly(last.parent)) return ktl::Errno::kEROFS;
  if (!(source.mount == last.parent.mount)) return ktl::Errno::kEXDEV;
  TRY(MayCreate(last.parent, new_at.creds));
  if (source.inode().IsDir()) return ktl::Errno::kEPERM;
  TRY(last.parent.inode().Link(last.name, source.inode()));
  CacheChild(last, source.dentry->inode_ref());
  return ktl::Ok();
}

// --- readlink ------------------------------------------------------------------------

ktl::Result<size_t> Vfs::Readlink(const Caller& caller, ktl::StringView path,
                                  std::span<char> out) {
  if (out.empty()) return ktl::Errno::kEINVAL;
  ktl::SpinlockGuard guard(tree_lock_);
  Path link = TRY(ResolveLocked(caller, path, kAT_SYMLINK_NOFOLLOW | kAT_EMPTY_PATH));
  if (!link.inode().IsSymlink()) {
    return path.empty() ? ktl::Errno::kENOENT : ktl::Errno::kEINVAL;
  }
  ktl::Vector<char> body;
  TRY(link.inode().Readlink(&body));
  size_t count = body.size() < out.size() ? body.size() : out.size();
  ktl::MemCopy(out.data(), body.data(), count);
  return count;
}

// --- attributes ------------------------------------------------------------------------

ktl::Result<void> Vfs::ChmodLocked(const Path& target, uint32_t mode, const Credentials& creds) {
  // fchmodat(AT_SYMLINK_NOFOLLOW) on a link: Linux has no symlink modes.
  if (target.inode().IsSymlink()) return ktl::Errno::kEOPNOTSUPP;
  if (IsReadOnly(target)) return ktl::Errno::kEROFS;
  Attr attr = target.inode().Getattr();
  if (!OwnerOrFowner(creds, attr)) return ktl::Errno::kEPERM;
  SetAttr change;
  change.mask = SetAttr::kMode;
  change.mode = mode & kPermissionBits;
  // Setting the set-group-ID bit needs membership of the file's group.
  if (!creds.InGroup(attr.gid) && !creds.Has(kCapFsetid)) change.mode &= ~kS_ISGID;
  return DoSetattr(target, change);
}

ktl::Result<void> Vfs::ChownLocked(const Path& target, uint32_t uid, uint32_t gid,
                                   const Credentials& creds) {
  if (IsReadOnly(target)) return ktl::Errno::kEROFS;
  Attr attr = target.inode().Getattr();
  SetAttr change;
  if (uid != kNoChange) {
    bool ok = (creds.fsuid == attr.uid && uid == attr.uid) || creds.Has(kCapChown);
    if (!ok) return ktl::Errno::kEPERM;
    change.mask |= SetAttr::kUid;
    change.uid = uid;
  }
  if (gid != kNoChange) {
    bool ok = (creds.fsuid == attr.uid && (creds.InGroup(gid) || gid == attr.gid)) ||
              creds.Has(kCapChown);
    if (!ok) return ktl::Errno::kEPERM;
    change.mask |= SetAttr::kGid;
    change.gid = gid;
  }
  if (!IsDirMode(attr.mode)) {
    // chown(2): the set-user-ID bit goes, and set-group-ID if it means
    // "set group ID" (group-executable) rather than mandatory locking.
    uint32_t mode = attr.mode & kPermissionBits;
    uint32_t cleared = mode & ~kS_ISUID;
    if ((mode & (kS_ISGID | kS_IXGRP)) == (kS_ISGID | kS_IXGRP)) cleared &= ~kS_ISGID;
    if (cleared != mode) {
      change.mask |= SetAttr::kMode;
      change.mode = cleared;
    }
  }
  change.mask |= SetAttr::kCtime;
  return DoSetattr(target, change);
}

ktl::Result<void> Vfs::TruncateLocked(const Path& target, int64_t length,
                                      const Credentials& creds, bool check_permission) {
  if (length < 0) return ktl::Errno::kEINVAL;
  Inode& inode = target.inode();
  if (inode.IsDir()) return ktl::Errno::kEISDIR;
  if (!inode.IsRegular()) return ktl::Errno::kEINVAL;
  if (IsReadOnly(target)) return ktl::Errno::kEROFS;
  if (check_permission) TRY(CheckPermission(creds, inode.Getattr(), kMayWrite));
  SetAttr change;
  change.mask = SetAttr::kSize;
  change.size = static_cast<uint64_t>(length);
  return DoSetattr(target, change);
}

ktl::Result<void> Vfs::UtimensLocked(const Path& target, const Timespec* times,
                                     const Credentials& creds) {
  if (times && times[0].tv_nsec == kUTIME_OMIT && times[1].tv_nsec == kUTIME_OMIT) {
    return ktl::Ok();
  }
  if (IsReadOnly(target)) return ktl::Errno::kEROFS;
  Attr attr = target.inode().Getattr();
  bool to_now = times == nullptr ||
                (times[0].tv_nsec == kUTIME_NOW && times[1].tv_nsec == kUTIME_NOW);
  bool explicit_time = !to_now && ((times[0].tv_nsec != kUTIME_NOW &&
                                    times[0].tv_nsec != kUTIME_OMIT) ||
                                   (times[1].tv_nsec != kUTIME_NOW &&
                                    times[1].tv_nsec != kUTIME_OMIT));
  if (!OwnerOrFowner(creds, attr)) {
    // Setting a time other than "now" needs ownership; "now" also suffices
    // with write permission.
    if (explicit_time) return ktl::Errno::kEPERM;
    TRY(CheckPermission(creds, attr, kMayWrite));
  }
  SetAttr change;
  change.mask = SetAttr::kCtime;
  for (int i = 0; i < 2; ++i) {
    int64_t nsec = times ? times[i].tv_nsec : kUTIME_NOW;
    if (nsec == kUTIME_OMIT) continue;
    uint32_t now_bit = i == 0 ? SetAttr::kAtimeNow : SetAttr::kMtimeNow;
    uint32_t set_bit = i == 0 ? SetAttr::kAtime : SetAttr::kMtime;
    if (nsec == kUTIME_NOW) {
      change.mask |= now_bit;
    } else {
      change.mask |= set_bit;
      (i == 0 ? change.atime : change.mtime) = times[i];
    }
  }
  return DoSetattr(target, change);
}

ktl::Result<void> Vfs::Chmod(const Caller& caller, ktl::StringView path, uint32_t mode,
                             uint32_t at_flags) {
  if (at_flags & ~(kAT_SYMLINK_NOFOLLOW | kAT_EMPTY_PATH)) return ktl::Errno::kEINVAL;
  ktl::SpinlockGuard guard(tree_lock_);
  Path target = TRY(ResolveLocked(caller, path, at_flags));
  return ChmodLocked(target, mode, caller.creds);
}

ktl::Result<void> Vfs::Chown(const Caller& caller, ktl::StringView path, uint32_t uid,
                             uint32_t gid, uint32_t at_flags) {
  if (at_flags & ~(kAT_SYMLINK_NOFOLLOW | kAT_EMPTY_PATH)) return ktl::Errno::kEINVAL;
  ktl::SpinlockGuard guard(tree_lock_);
  Path target = TRY(ResolveLocked(caller, path, at_flags));
  return ChownLocked(target, uid, gid, caller.creds);
}

ktl::Result<void> Vfs::Truncate(const Caller& caller, ktl::StringView path, int64_t length) {
  if (length < 0) return ktl::Errno::kEINVAL;
  ktl::SpinlockGuard guard(tree_lock_);
  Path target = TRY(ResolveLocked(caller, path, 0));
  return TruncateLocked(target, length, caller.creds, /*check_permission=*/true);
}

ktl::Result<void> Vfs::Utimens(const Caller& caller, ktl::StringView path, const Timespec* times,
                               uint32_t at_flags) {
  if (at_flags & ~(kAT_SYMLINK_NOFOLLOW | kAT_EMPTY_PATH)) return ktl::Errno::kEINVAL;
  if (times && (!ValidTimespec(times[0]) || !ValidTimespec(times[1]))) {
    return ktl::Errno::kEINVAL;
  }
  ktl::SpinlockGuard guard(tree_lock_);
  Path target = TRY(ResolveLocked(caller, path, at_flags));
  return UtimensLocked(target, times, caller.creds);
}

ktl::Result<void> Vfs::Access(const Caller& caller, ktl::StringView path, uint32_t mode,
                              uint32_t at_flags) {
  if (mode & ~(kR_OK | kW_OK | kX_OK)) return ktl::Errno::kEINVAL;
  if (at_flags & ~(kAT_EACCESS | kAT_SYMLINK_NOFOLLOW | kAT_EMPTY_PATH)) {
    return ktl::Errno::kEINVAL;
  }
  // Without AT_EACCESS the whole check, path search included, uses the real
  // ids (access(2)).
  Credentials creds = (at_flags & kAT_EACCESS) ? caller.creds : caller.creds.ForAccess();
  Caller as{caller.root, caller.start, creds, caller.umask};
  ktl::SpinlockGuard guard(tree_lock_);
  Path target = TRY(ResolveLocked(as, path, at_flags & ~kAT_EACCESS));
  if (mode == kF_OK) return ktl::Ok();
  Attr attr = target.inode().Getattr();
  // R_OK/W_OK/X_OK have MAY_READ/MAY_WRITE/MAY_EXEC's values.
  TRY(CheckPermission(creds, attr, mode));
  if ((mode & kW_OK) && StoresData(attr.mode) && IsReadOnly(target)) return ktl::Errno::kEROFS;
  return ktl::Ok();
}

ktl::Result<void> Vfs::ChmodAt(const Path& target, uint32_t mode, const Credentials& creds) {
  ktl::SpinlockGuard guard(tree_lock_);
  return ChmodLocked(target, mode, creds);
}

ktl::Result<void> Vfs::ChownAt(const Path& target, uint32_t uid, uint32_t gid,
                               const Credentials& creds) {
  ktl::SpinlockGuard guard(tree_lock_);
  return ChownLocked(target, uid, gid, creds);
}

ktl::Result<void> Vfs::TruncateAt(const Path& target, int64_t length, const Credentials& creds,
                                  bool check_permission) {
  ktl::SpinlockGuard guard(tree_lock_);
  return TruncateLocked(target, length, creds, check_permission);
}

ktl::Result<void> Vfs::UtimensAt(const Path& target, const Timespec* times,
                                 const Credentials& creds) {
  if (times && (!ValidTimespec(times[0]) || !ValidTimespec(times[1]))) {
    return ktl::Errno::kEINVAL;
  }
  ktl::SpinlockGuard guard(tree_lock_);
  return UtimensLocked(target, times, creds);
}

}  // namespace sentry::vfs
