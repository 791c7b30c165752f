#include "kernel/vfs/path_walk.h"

#include "kernel/vfs/permission.h"

namespace sentry::vfs {
namespace {

ktl::StringView SkipSlashes(ktl::StringView s) {
  size_t i = 0;
  while (i < s.size() && s[i] == '/') ++i;
  return s.Substr(i);
}

LastComponent::Kind KindOf(ktl::StringView name) {
  if (name == ".") return LastComponent::Kind::kDot;
  if (name == "..") return LastComponent::Kind::kDotDot;
  return LastComponent::Kind::kNormal;
}

}  // namespace

ktl::Result<void> PathWalker::MaySearch(const Path& dir) {
  return CheckPermission(creds_, dir.inode().Getattr(), kMayExec);
}

ktl::Result<ktl::StringView> PathWalker::ReadLink(Inode& link) {
  ktl::Vector<char> body;
  TRY(link.Readlink(&body));
  TRY(link_bodies_.PushBack(std::move(body)));
  // Moving a Vector keeps its heap buffer, so views stay valid as
  // link_bodies_ grows.
  const ktl::Vector<char>& stored = link_bodies_.back();
  return ktl::StringView(stored.data(), stored.size());
}

void PathWalker::CrossMounts(Path* path) const {
  while (Mount* mounted = mounts_.MountedOn(path->mount.get(), path->dentry.get())) {
    path->mount = RefPtr<Mount>(mounted);
    path->dentry = mounted->root_ref();
  }
}

Path PathWalker::DotDot(const Path& at) const {
  Path p = at;
  for (;;) {
    if (p == root_) return p;  // ".." at the caller's root stays there
    if (p.dentry.get() != p.mount->root()) break;
    // At the root of a mount: continue from its mount point, one mount up.
    Mount* parent = p.mount->parent();
    if (parent == nullptr) return p;  // the namespace root
    p.dentry = p.mount->mountpoint_ref();
    p.mount = RefPtr<Mount>(parent);
  }
  Dentry* up = p.dentry->parent();
  if (up == nullptr) return p;
  p.dentry = RefPtr<Dentry>(up);
  CrossMounts(&p);
  return p;
}

ktl::Result<Path> PathWalker::LookupChild(const Path& dir, ktl::StringView name,
                                          bool cross_mounts) {
  Path child;
  child.mount = dir.mount;
  if (Dentry* cached = dir.dentry->FindChild(name)) {
    child.dentry = RefPtr<Dentry>(cached);
  } else {
    RefPtr<Inode> inode = TRY(dir.inode().Lookup(name));
    child.dentry = TRY(dir.dentry->AddChild(name, std::move(inode)));
    mounts_.NoteCached();
  }
  if (cross_mounts) CrossMounts(&child);
  return child;
}

ktl::Result<LastComponent> PathWalker::WalkParent(const Path& start, ktl::StringView path) {
  if (path.empty()) return ktl::Errno::kENOENT;
  if (path.size() >= kPathMax) return ktl::Errno::kENAMETOOLONG;
  // Pending pieces of path: frames[0] is what remains of `path`, each
  // further frame what remains of a symlink target met on the way.
  ktl::StringView frames[kMaxSymlinks + 2];
  size_t depth = 1;
  frames[0] = path;
  Path current = path[0] == '/' ? root_ : start;
  for (;;) {
    ktl::StringView& rest = frames[depth - 1];
    rest = SkipSlashes(rest);
    if (rest.empty()) {
      if (depth == 1) {
        // Only slashes: "/" (or the current directory of a link "/").
        LastComponent last;
        last.parent = std::move(current);
        last.kind = LastComponent::Kind::kRoot;
        last.trailing_slash = true;
        return last;
      }
      --depth;  // that symlink's target is used up
      continue;
    }
    size_t end = rest.Find('/');
    if (end == ktl::StringView::kNpos) end = rest.size();
    ktl::StringView name = rest.Substr(0, end);
    rest = rest.Substr(end);
    bool trailing_slash = !rest.empty();
    rest = SkipSlashes(rest);

    if (name.size() > kNameMax) return ktl::Errno::kENAMETOOLONG;
    if (!current.inode().IsDir()) return ktl::Errno::kENOTDIR;
    TRY(MaySearch(current));

    if (depth == 1 && rest.empty()) {
      LastComponent last;
      last.parent = std::move(current);
      last.name = name;
      last.kind = KindOf(name);
      last.trailing_slash = trailing_slash;
      return last;
    }
    // An intermediate component: it must lead to a directory.
    if (name == ".") continue;
    if (name == "..") {
      current = DotDot(current);
      continue;
    }
    Path child = TRY(LookupChild(current, name, /*cross_mounts=*/true));
    if (child.inode().IsMagicLink()) {
      if (++symlinks_followed_ > kMaxSymlinks) return ktl::Errno::kELOOP;
      current = TRY(child.inode().JumpTarget(child));
      continue;
    }
    if (child.inode().IsSymlink()) {
      if (++symlinks_followed_ > kMaxSymlinks) return ktl::Errno::kELOOP;
      ktl::StringView body = TRY(ReadLink(child.inode()));
      if (body.empty()) return ktl::Errno::kENOENT;
      KTL_ASSERT(depth < sizeof(frames) / sizeof(frames[0]));
      frames[depth++] = body;
      if (body[0] == '/') current = root_;
      continue;  // a relative target resolves from the link's directory
    }
    current = std::move(child);
  }
}

ktl::Result<Path> PathWalker::LookupLast(const LastComponent& last, bool cross_mounts) {
  switch (last.kind) {
    case LastComponent::Kind::kRoot:
    case LastComponent::Kind::kDot:
      return Path(last.parent);
    case LastComponent::Kind::kDotDot:
      return DotDot(last.parent);
    case LastComponent::Kind::kNormal:
      break;
  }
  return LookupChild(last.parent, last.name, cross_mounts);
}

ktl::Result<void> PathWalker::FollowSymlink(const Path& link, LastComponent* last) {
  if (++symlinks_followed_ > kMaxSymlinks) return ktl::Errno::kELOOP;
  if (link.inode().IsMagicLink()) {
    // The jump's result stands where the link was: "." of the target.
    last->parent = TRY(link.inode().JumpTarget(link));
    last->kind = LastComponent::Kind::kDot;
    last->name = {};
    return ktl::Ok();
  }
  ktl::StringView body = TRY(ReadLink(link.inode()));
  if (body.empty()) return ktl::Errno::kENOENT;
  bool trailing_slash = last->trailing_slash;
  Path directory = last->parent;
  LastComponent next = TRY(WalkParent(directory, body));
  next.trailing_slash = next.trailing_slash || trailing_slash;
  *last = std::move(next);
  return ktl::Ok();
}

ktl::Result<Path> PathWalker::ResolveLast(LastComponent last, bool follow) {
  for (;;) {
    Path found = TRY(LookupLast(last));
    if (found.inode().IsSymlink() && (follow || last.trailing_slash)) {
      TRY(FollowSymlink(found, &last));
      continue;
    }
    if (last.trailing_slash && !found.inode().IsDir()) return ktl::Errno::kENOTDIR;
    return found;
  }
}

ktl::Result<Path> PathWalker::Resolve(const Path& start, ktl::StringView path, bool follow) {
  LastComponent last = TRY(WalkParent(start, path));
  return ResolveLast(std::move(last), follow);
}

}  // namespace sentry::vfs
