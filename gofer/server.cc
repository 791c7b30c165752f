#include "gofer/server.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>  // RENAME_NOREPLACE, RENAME_EXCHANGE
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "gofer/packet_socket.h"

namespace ringfence::gofer {
namespace {

// Open flags a client may ask for in Open. Anything else is EINVAL: O_CREAT
// and O_EXCL belong to Create, O_PATH and O_TMPFILE never leave the Gofer,
// FASYNC would aim signals at the Gofer. O_NOFOLLOW, O_CLOEXEC and O_NOCTTY
// are accepted and always added anyway.
constexpr uint32_t kOpenAllowed = O_ACCMODE | O_APPEND | O_TRUNC | O_DIRECTORY |
                                  O_NONBLOCK | O_DSYNC | O_SYNC | O_DIRECT |
                                  O_LARGEFILE | O_NOATIME | O_CLOEXEC |
                                  O_NOFOLLOW | O_NOCTTY;
// Flags the server adds to every open it makes for a client.
constexpr int kOpenForced = O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;

// A mapping for st_dev is made per distinct host device; past this many
// (a root with that many mounts is not expected) all share one number.
constexpr size_t kMaxDeviceNumbers = 1024;
constexpr uint32_t kOverflowDevice = 0xffff;

// Only these xattr namespaces are served:
//  - user.*: ordinary application data, which the file's owner controls
//    anyway.
//  - trusted.overlay.*: the markers an overlay keeps (whiteouts, opaque
//    directories, redirects), for an overlay upper layer kept on the host.
// Refused: security.* (security.capability would grant file capabilities to
// a host executable; SELinux/SMACK labels are host policy), system.* (POSIX
// ACLs would grant host users access), and the rest of trusted.* (host
// administrator data, readable only with CAP_SYS_ADMIN).
bool IsServedXattr(std::string_view name) {
  constexpr std::string_view kUser = "user.";
  constexpr std::string_view kOverlay = "trusted.overlay.";
  return (name.size() > kUser.size() && name.starts_with(kUser)) ||
         (name.size() > kOverlay.size() && name.starts_with(kOverlay));
}

bool ValidTimeNsec(int64_t nsec) {
  return (nsec >= 0 && nsec < 1000000000) || nsec == UTIME_NOW ||
         nsec == UTIME_OMIT;
}

// uid/gid as chown(2) wants them: -1 (as unsigned) leaves it unchanged, which
// is exactly kNoId.
static_assert(kNoId == static_cast<uint32_t>(-1));

}  // namespace

GoferServer::GoferServer(UniqueFd root, ServerOptions options)
    : root_(std::move(root)), options_(options), fids_(options.max_fids) {}

// --- Helpers ----------------------------------------------------------------

// fstat that works on O_PATH fds (glibc's fstat does too, but this names the
// syscall the seccomp policy allows: newfstatat with AT_EMPTY_PATH).
int GoferServer::StatFd(int fd, struct stat* st) {
  if (fstatat(fd, "", st, AT_EMPTY_PATH) != 0) return errno;
  return 0;
}

Stat GoferServer::ToWire(const struct stat& st) {
  uint32_t dev = kOverflowDevice;
  auto it = dev_numbers_.find(st.st_dev);
  if (it != dev_numbers_.end()) {
    dev = it->second;
  } else if (dev_numbers_.size() < kMaxDeviceNumbers) {
    dev = static_cast<uint32_t>(dev_numbers_.size() + 1);
    dev_numbers_.emplace(st.st_dev, dev);
  }
  Stat s;
  s.mode = st.st_mode;
  s.nlink = static_cast<uint32_t>(std::min<nlink_t>(st.st_nlink, UINT32_MAX));
  s.uid = st.st_uid;
  s.gid = st.st_gid;
  s.size = static_cast<uint64_t>(st.st_size);
  s.blocks = static_cast<uint64_t>(st.st_blocks);
  s.blksize = static_cast<uint32_t>(st.st_blksize);
  s.dev = dev;
  s.ino = st.st_ino;
  s.atime = {st.st_atim.tv_sec, st.st_atim.tv_nsec};
  s.mtime = {st.st_mtim.tv_sec, st.st_mtim.tv_nsec};
  s.ctime = {st.st_ctim.tv_sec, st.st_ctim.tv_nsec};
  return s;
}

// The entry for `fid`, which must be a directory: EBADF / ENOTDIR otherwise.
int GoferServer::DirEntry(Fid fid, FidEntry** entry) {
  *entry = fids_.Get(fid);
  if (*entry == nullptr) return EBADF;
  if (!S_ISDIR((*entry)->type)) return ENOTDIR;
  return 0;
}

// Opens `name` in directory `dir_fd` as an O_PATH fd without following a
// symlink: a symlink yields an fd for the link itself.
int GoferServer::OpenChild(int dir_fd, const std::string& name, UniqueFd* out) {
  // Names were validated when decoded; check again, since a '/' or ".." here
  // would be the one mistake that lets a lookup leave its directory.
  if (!IsValidName(name)) return EINVAL;
  if (have_openat2_) {
    struct open_how how = {};
    how.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS;
    for (int attempt = 0; attempt < 3; ++attempt) {
      long fd = syscall(SYS_openat2, dir_fd, name.c_str(), &how, sizeof(how));
      if (fd >= 0) {
        out->reset(static_cast<int>(fd));
        return 0;
      }
      // EAGAIN: a concurrent rename somewhere made RESOLVE_BENEATH unsure.
      if (errno == EAGAIN) continue;
      if (errno == ENOSYS) break;
      return errno;
    }
    if (errno == ENOSYS) have_openat2_ = false;
    if (errno == EAGAIN) return EAGAIN;
  }
  int fd = openat(dir_fd, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno;
  out->reset(fd);
  return 0;
}

// Opens the node of `entry` for I/O with `flags` (plus kOpenForced).
// Directories are reopened as "." relative to their own fd, which can only
// ever be the same directory. Other nodes are reopened by parent fd + name
// with O_NOFOLLOW, then checked to be the same inode: if the name was
// replaced meanwhile (by a rename, or by someone on the host) the result is
// ESTALE, never a different file.
int GoferServer::Reopen(const FidEntry& entry, int flags, UniqueFd* out) {
  UniqueFd fd;
  if (S_ISDIR(entry.type)) {
    fd.reset(openat(entry.node->get(), ".", flags | O_DIRECTORY | kOpenForced));
  } else {
    if (entry.parent == nullptr) return ESTALE;
    fd.reset(
        openat(entry.parent->get(), entry.name.c_str(), flags | kOpenForced));
  }
  if (!fd.valid()) return errno;
  struct stat st;
  if (int err = StatFd(fd.get(), &st); err != 0) return err;
  if (st.st_dev != entry.host_dev || st.st_ino != entry.host_ino) return ESTALE;
  *out = std::move(fd);
  return 0;
}

// Opens `name` in directory `dir` (as OpenChild does) and fills `child` with
// its entry, `dir` being its parent; `st` gets the node's host stat.
int GoferServer::LookupChild(const FidEntry& dir, const std::string& name,
                             FidEntry* child, struct stat* st) {
  UniqueFd fd;
  if (int err = OpenChild(dir.node->get(), name, &fd); err != 0) return err;
  if (int err = StatFd(fd.get(), st); err != 0) return err;
  child->node = std::make_shared<const UniqueFd>(std::move(fd));
  child->parent = dir.node;
  child->name = name;
  child->type = st->st_mode & S_IFMT;
  child->host_dev = st->st_dev;
  child->host_ino = st->st_ino;
  child->parent_dev = dir.host_dev;
  child->parent_ino = dir.host_ino;
  return 0;
}

// Makes a fid for `name`, just created in `dir`.
int GoferServer::NewChildFid(const FidEntry& dir, const std::string& name,
                             Fid* fid, Stat* stat) {
  FidEntry entry;
  struct stat st;
  if (int err = LookupChild(dir, name, &entry, &st); err != 0) return err;
  *fid = fids_.Insert(std::move(entry));
  if (*fid == kNoFid) return EMFILE;
  *stat = ToWire(st);
  return 0;
}

// Completes the creation of `name` in `dir`: sets its owner (never following
// a symlink) and gives it a fid. On failure the new node is removed again
// (`unlink_flags` as for unlinkat), so a failed request leaves nothing behind.
int GoferServer::FinishCreate(const FidEntry& dir, const std::string& name,
                              uint32_t uid, uint32_t gid, int unlink_flags,
                              NodeReply* reply) {
  const int dir_fd = dir.node->get();
  int err = 0;
  if ((uid != kNoId || gid != kNoId) &&
      fchownat(dir_fd, name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0) {
    err = errno;
  }
  if (err == 0) err = NewChildFid(dir, name, &reply->fid, &reply->stat);
  if (err != 0) unlinkat(dir_fd, name.c_str(), unlink_flags);
  return err;
}

// --- Operations -------------------------------------------------------------

int GoferServer::DoAttach(AttachReply* reply) {
  struct stat st;
  if (int err = StatFd(root_.get(), &st); err != 0) return err;
  if (!S_ISDIR(st.st_mode)) return ENOTDIR;
  // The root's O_PATH fd is opened once per Attach from the root fd, so the
  // server's own root_ is never handed to a FidEntry.
  int fd =
      openat(root_.get(), ".", O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return errno;
  FidEntry entry;
  entry.node = std::make_shared<const UniqueFd>(fd);
  entry.type = S_IFDIR;
  entry.host_dev = st.st_dev;
  entry.host_ino = st.st_ino;
  reply->fid = fids_.Insert(std::move(entry));
  if (reply->fid == kNoFid) return EMFILE;
  reply->stat = ToWire(st);
  return 0;
}

int GoferServer::DoWalk(const WalkRequest& req, WalkReply* reply) {
  const FidEntry* start = fids_.Get(req.fid);
  if (start == nullptr) return EBADF;
  FidEntry cur;
  cur.node = start->node;
  cur.parent = start->parent;
  cur.name = start->name;
  cur.type = start->type;
  cur.host_dev = start->host_dev;
  cur.host_ino = start->host_ino;
  cur.parent_dev = start->parent_dev;
  cur.parent_ino = start->parent_ino;
  reply->status = WalkStatus::kComplete;
  for (const std::string& name : req.names) {
    if (!S_ISDIR(cur.type)) return ENOTDIR;
    FidEntry next;
    struct stat st;
    if (int err = LookupChild(cur, name, &next, &st); err != 0) return err;
    cur = std::move(next);
    reply->stats.push_back(ToWire(st));
    if (S_ISLNK(st.st_mode)) {
      // Never resolved here: the Sentry reads the link and continues.
      reply->status = WalkStatus::kSymlink;
      break;
    }
  }
  reply->fid = fids_.Insert(std::move(cur));
  if (reply->fid == kNoFid) return EMFILE;
  return 0;
}

int GoferServer::DoStat(const FidRequest& req, StatReply* reply) {
  const FidEntry* entry = fids_.Get(req.fid);
  if (entry == nullptr) return EBADF;
  struct stat st;
  if (int err = StatFd(entry->node->get(), &st); err != 0) return err;
  reply->stat = ToWire(st);
  return 0;
}

int GoferServer::DoOpen(const OpenRequest& req, OpenReply* reply,
                        Response* response) {
  const FidEntry* entry = fids_.Get(req.fid);
  if (entry == nullptr) return EBADF;
  uint32_t flags = req.flags;
  if ((flags & ~kOpenAllowed) != 0) return EINVAL;
  const uint32_t access = flags & O_ACCMODE;
  if (access == O_ACCMODE) return EINVAL;
  if (options_.read_only && (access != O_RDONLY || (flags & O_TRUNC) != 0)) {
    return EROFS;
  }
  // O_NOFOLLOW semantics: a symlink is never opened through.
  if (S_ISLNK(entry->type)) return ELOOP;
  // Host device nodes are never donated (the Sentry has its own /dev); a
  // socket cannot be opened (as on Linux).
  if (S_ISCHR(entry->type) || S_ISBLK(entry->type)) return EACCES;
  if (S_ISSOCK(entry->type)) return ENXIO;
  if ((flags & O_DIRECTORY) != 0 && !S_ISDIR(entry->type)) return ENOTDIR;
  if (S_ISDIR(entry->type) && access != O_RDONLY) return EISDIR;
  // A FIFO open would block the Gofer until a peer shows up; open it
  // non-blocking and let the Sentry wait on the fd instead.
  if (S_ISFIFO(entry->type)) flags |= O_NONBLOCK;
  // O_TRUNC is applied after the inode check, so a replaced name can never
  // truncate another file.
  const bool truncate = (flags & O_TRUNC) != 0 && access != O_RDONLY;
  flags &= ~static_cast<uint32_t>(O_TRUNC | kOpenForced);
  UniqueFd fd;
  if (int err = Reopen(*entry, static_cast<int>(flags), &fd); err != 0) {
    return err;
  }
  if (truncate && S_ISREG(entry->type) && ftruncate(fd.get(), 0) != 0) {
    return errno;
  }
  reply->fd_index = static_cast<uint32_t>(response->fds.size());
  reply->flags = flags;
  response->fds.push_back(std::move(fd));
  return 0;
}

int GoferServer::DoCreate(const CreateRequest& req, CreateReply* reply,
                          Response* response) {
  FidEntry* dir;
  if (int err = DirEntry(req.dir_fid, &dir); err != 0) return err;
  if (options_.read_only) return EROFS;
  const uint32_t allowed = (kOpenAllowed | O_CREAT | O_EXCL) & ~O_DIRECTORY;
  if ((req.flags & ~allowed) != 0 || (req.flags & O_ACCMODE) == O_ACCMODE ||
      (req.mode & ~07777u) != 0) {
    return EINVAL;
  }
  // Always O_EXCL: Create makes a new regular file. Opening an existing name
  // goes through Walk + Open, so a FIFO or device that already exists here is
  // never opened by accident.
  int flags =
      static_cast<int>(req.flags & ~O_TRUNC) | O_CREAT | O_EXCL | kOpenForced;
  UniqueFd fd(openat(dir->node->get(), req.name.c_str(), flags, req.mode));
  if (!fd.valid()) return errno;
  int err = 0;
  if (req.uid != kNoId || req.gid != kNoId) {
    if (fchown(fd.get(), req.uid, req.gid) != 0) err = errno;
  }
  if (err == 0) err = NewChildFid(*dir, req.name, &reply->fid, &reply->stat);
  if (err == 0) {
    struct stat st;
    err = StatFd(fd.get(), &st);
    if (err == 0 && st.st_ino != reply->stat.ino) err = ESTALE;
    if (err != 0) fids_.Remove(reply->fid);
  }
  if (err != 0) {
    // Undo the creation so a failed Create leaves no half-made file.
    unlinkat(dir->node->get(), req.name.c_str(), 0);
    return err;
  }
  reply->fd_index = static_cast<uint32_t>(response->fds.size());
  response->fds.push_back(std::move(fd));
  return 0;
}

int GoferServer::DoMkdir(const MkdirRequest& req, NodeReply* reply) {
  FidEntry* dir;
  if (int err = DirEntry(req.dir_fid, &dir); err != 0) return err;
  if (options_.read_only) return EROFS;
  if ((req.mode & ~07777u) != 0) return EINVAL;
  if (mkdirat(dir->node->get(), req.name.c_str(), req.mode) != 0) return errno;
  return FinishCreate(*dir, req.name, req.uid, req.gid, AT_REMOVEDIR, reply);
}

int GoferServer::DoMknod(const MknodRequest& req, NodeReply* reply) {
  FidEntry* dir;
  if (int err = DirEntry(req.dir_fid, &dir); err != 0) return err;
  if (options_.read_only) return EROFS;
  const uint32_t type = req.mode & S_IFMT;
  // Device nodes would give the sandbox a door to host devices: never.
  if (type == S_IFCHR || type == S_IFBLK) return EPERM;
  if (type != S_IFIFO && type != S_IFSOCK) return EINVAL;
  if ((req.mode & ~(S_IFMT | 07777u)) != 0) return EINVAL;
  if (mknodat(dir->node->get(), req.name.c_str(), req.mode, 0) != 0) {
    return errno;
  }
  return FinishCreate(*dir, req.name, req.uid, req.gid, 0, reply);
}

int GoferServer::DoSymlink(const SymlinkRequest& req, NodeReply* reply) {
  FidEntry* dir;
  if (int err = DirEntry(req.dir_fid, &dir); err != 0) return err;
  if (options_.read_only) return EROFS;
  // The target is stored verbatim and never interpreted by the Gofer.
  if (symlinkat(req.target.c_str(), dir->node->get(), req.name.c_str()) != 0) {
    return errno;
  }
  return FinishCreate(*dir, req.name, req.uid, req.gid, 0, reply);
}

int GoferServer::DoLink(const LinkRequest& req, StatReply* reply) {
  const FidEntry* target = fids_.Get(req.fid);
  if (target == nullptr) return EBADF;
  FidEntry* dir;
  if (int err = DirEntry(req.dir_fid, &dir); err != 0) return err;
  if (options_.read_only) return EROFS;
  if (S_ISDIR(target->type)) return EPERM;
  // Link the exact inode the fid holds (AT_EMPTY_PATH; needs
  // CAP_DAC_READ_SEARCH). A symlink fid links the symlink itself, never what
  // it points to.
  int rc = linkat(target->node->get(), "", dir->node->get(), req.name.c_str(),
                  AT_EMPTY_PATH);
  if (rc != 0 && errno == ENOENT && target->parent != nullptr) {
    // Without the capability: by parent + name. Flags 0 means linkat does not
    // follow a symlink in the source either; the inode is checked below.
    rc = linkat(target->parent->get(), target->name.c_str(), dir->node->get(),
                req.name.c_str(), 0);
  }
  if (rc != 0) return errno;
  struct stat st;
  if (fstatat(dir->node->get(), req.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) !=
      0) {
    return errno;
  }
  if (st.st_dev != target->host_dev || st.st_ino != target->host_ino) {
    unlinkat(dir->node->get(), req.name.c_str(), 0);
    return ESTALE;
  }
  reply->stat = ToWire(st);
  return 0;
}

int GoferServer::DoUnlink(const UnlinkRequest& req) {
  FidEntry* dir;
  if (int err = DirEntry(req.dir_fid, &dir); err != 0) return err;
  if ((req.flags & ~static_cast<uint32_t>(AT_REMOVEDIR)) != 0) return EINVAL;
  if (options_.read_only) return EROFS;
  if (unlinkat(dir->node->get(), req.name.c_str(),
               static_cast<int>(req.flags)) != 0) {
    return errno;
  }
  return 0;
}

int GoferServer::DoRename(const RenameRequest& req) {
  FidEntry* old_dir;
  FidEntry* new_dir;
  if (int err = DirEntry(req.old_dir_fid, &old_dir); err != 0) return err;
  if (int err = DirEntry(req.new_dir_fid, &new_dir); err != 0) return err;
  constexpr uint32_t kAllowed = RENAME_NOREPLACE | RENAME_EXCHANGE;
  if ((req.flags & ~kAllowed) != 0 || req.flags == kAllowed) return EINVAL;
  if (options_.read_only) return EROFS;
  if (syscall(SYS_renameat2, old_dir->node->get(), req.old_name.c_str(),
              new_dir->node->get(), req.new_name.c_str(), req.flags) != 0) {
    return errno;
  }
  // Keep fids of the moved node(s) reopenable by name. Both sides are
  // collected before any is changed, so an exchange swaps rather than
  // moving one side twice.
  const dev_t od = old_dir->host_dev, nd = new_dir->host_dev;
  const ino_t oi = old_dir->host_ino, ni = new_dir->host_ino;
  NodeFd old_node = old_dir->node, new_node = new_dir->node;
  std::vector<FidEntry*> moved, swapped;
  fids_.ForEach([&](FidEntry& e) {
    if (e.parent == nullptr) return;
    if (e.parent_dev == od && e.parent_ino == oi && e.name == req.old_name) {
      moved.push_back(&e);
    } else if ((req.flags & RENAME_EXCHANGE) != 0 && e.parent_dev == nd &&
               e.parent_ino == ni && e.name == req.new_name) {
      swapped.push_back(&e);
    }
  });
  for (FidEntry* e : moved) {
    e->parent = new_node;
    e->parent_dev = nd;
    e->parent_ino = ni;
    e->name = req.new_name;
  }
  for (FidEntry* e : swapped) {
    e->parent = old_node;
    e->parent_dev = od;
    e->parent_ino = oi;
    e->name = req.old_name;
  }
  return 0;
}

int GoferServer::DoReadlink(const FidRequest& req, ReadlinkReply* reply) {
  const FidEntry* entry = fids_.Get(req.fid);
  if (entry == nullptr) return EBADF;
  if (!S_ISLNK(entry->type)) return EINVAL;
  char buf[kMaxSymlinkTarget + 1];
  ssize_t n = readlinkat(entry->node->get(), "", buf, sizeof(buf));
  if (n < 0) return errno;
  if (static_cast<size_t>(n) > kMaxSymlinkTarget) return ENAMETOOLONG;
  reply->target.assign(buf, static_cast<size_t>(n));
  return 0;
}

int GoferServer::DoGetdents(const GetdentsRequest& req, GetdentsReply* reply) {
  FidEntry* entry;
  if (int err = DirEntry(req.fid, &entry); err != 0) return err;
  if (!entry->dir_stream.valid()) {
    if (int err = Reopen(*entry, O_RDONLY, &entry->dir_stream); err != 0) {
      return err;
    }
  }
  // The cookie is the host's d_off, opaque to the client: seeking to it
  // resumes after the entry that carried it.
  if (lseek(entry->dir_stream.get(), static_cast<off_t>(req.cookie), SEEK_SET) <
      0) {
    return errno;
  }
  const size_t max_entries =
      req.max_entries == 0 ? 0xffff : std::min<size_t>(req.max_entries, 0xffff);
  size_t budget = kMaxPayloadSize - 2;  // minus the entry count
  alignas(8) char buf[16 * 1024];
  while (true) {
    long n = syscall(SYS_getdents64, entry->dir_stream.get(), buf, sizeof(buf));
    if (n < 0) return errno;
    if (n == 0) return 0;  // end of directory
    // Parse what the kernel wrote, trusting nothing beyond n bytes.
    constexpr size_t kNameOffset = offsetof(struct dirent64, d_name);
    for (long pos = 0; pos < n;) {
      auto* d = reinterpret_cast<struct dirent64*>(buf + pos);  // kernel layout
      if (d->d_reclen < kNameOffset || pos + d->d_reclen > n) return EIO;
      pos += d->d_reclen;
      std::string_view name(d->d_name,
                            strnlen(d->d_name, d->d_reclen - kNameOffset));
      if (name == "." || name == "..") continue;
      const size_t size = Dirent::kMinWireSize + name.size();
      if (size > budget || reply->entries.size() >= max_entries) {
        return 0;  // the client continues from the last cookie sent
      }
      budget -= size;
      reply->entries.push_back(
          Dirent{.ino = d->d_ino,
                 .next_cookie = static_cast<uint64_t>(d->d_off),
                 .type = d->d_type,
                 .name = std::string(name)});
    }
  }
}

int GoferServer::DoSetattr(const SetattrRequest& req, StatReply* reply) {
  const FidEntry* entry = fids_.Get(req.fid);
  if (entry == nullptr) return EBADF;
  if ((req.mask & ~kSetattrAll) != 0) return EINVAL;
  if ((req.mask & kSetattrMode) != 0 && (req.mode & ~07777u) != 0) {
    return EINVAL;
  }
  if ((req.mask & kSetattrSize) != 0 && req.size > INT64_MAX) return EINVAL;
  if (((req.mask & kSetattrAtime) != 0 && !ValidTimeNsec(req.atime.nsec)) ||
      ((req.mask & kSetattrMtime) != 0 && !ValidTimeNsec(req.mtime.nsec))) {
    return EINVAL;
  }
  if (req.mask != 0 && options_.read_only) return EROFS;
  const mode_t type = entry->type;
  const int node = entry->node->get();

  if ((req.mask & kSetattrSize) != 0) {
    if (S_ISDIR(type)) return EISDIR;
    if (!S_ISREG(type)) return EINVAL;
    UniqueFd fd;
    if (int err = Reopen(*entry, O_WRONLY, &fd); err != 0) return err;
    if (ftruncate(fd.get(), static_cast<off_t>(req.size)) != 0) return errno;
  }
  // Owner before mode: chown clears set-id bits, a mode set with it wins.
  if ((req.mask & (kSetattrUid | kSetattrGid)) != 0) {
    uint32_t uid = (req.mask & kSetattrUid) != 0 ? req.uid : kNoId;
    uint32_t gid = (req.mask & kSetattrGid) != 0 ? req.gid : kNoId;
    // Works on the O_PATH fd itself, symlinks included.
    if (fchownat(node, "", uid, gid, AT_EMPTY_PATH) != 0) return errno;
  }
  if ((req.mask & kSetattrMode) != 0) {
    if (S_ISLNK(type)) return EOPNOTSUPP;  // Linux has no symlink modes
    if (S_ISDIR(type)) {
      // "." relative to the directory itself cannot be anything else.
      if (fchmodat(node, ".", req.mode, 0) != 0) return errno;
    } else if (S_ISREG(type) || S_ISFIFO(type)) {
      UniqueFd fd;
      if (int err = Reopen(*entry, O_RDONLY | O_NONBLOCK, &fd); err != 0) {
        return err;
      }
      if (fchmod(fd.get(), req.mode) != 0) return errno;
    } else {
      // Sockets cannot be opened; fchmodat has no no-follow flag before
      // fchmodat2 (Linux 6.6). Leave them as they are.
      return EOPNOTSUPP;
    }
  }
  if ((req.mask & (kSetattrAtime | kSetattrMtime)) != 0) {
    struct timespec ts[2];
    ts[0] = (req.mask & kSetattrAtime) != 0
                ? timespec{req.atime.sec, req.atime.nsec}
                : timespec{0, UTIME_OMIT};
    ts[1] = (req.mask & kSetattrMtime) != 0
                ? timespec{req.mtime.sec, req.mtime.nsec}
                : timespec{0, UTIME_OMIT};
    int rc;
    if (S_ISDIR(type)) {
      rc = utimensat(node, ".", ts, 0);
    } else if (entry->parent != nullptr) {
      // By name, but never through a symlink; check the name still is ours.
      struct stat st;
      if (fstatat(entry->parent->get(), entry->name.c_str(), &st,
                  AT_SYMLINK_NOFOLLOW) != 0) {
        return errno;
      }
      if (st.st_dev != entry->host_dev || st.st_ino != entry->host_ino) {
        return ESTALE;
      }
      rc = utimensat(entry->parent->get(), entry->name.c_str(), ts,
                     AT_SYMLINK_NOFOLLOW);
    } else {
      return ESTALE;
    }
    if (rc != 0) return errno;
  }
  struct stat st;
  if (int err = StatFd(node, &st); err != 0) return err;
  reply->stat = ToWire(st);
  return 0;
}

int GoferServer::DoStatfs(const FidRequest& req, StatfsReply* reply) {
  const FidEntry* entry = fids_.Get(req.fid);
  if (entry == nullptr) return EBADF;
  struct statfs s;
  if (fstatfs(entry->node->get(), &s) != 0) return errno;
  reply->info = StatfsInfo{.type = static_cast<uint64_t>(s.f_type),
                           .block_size = static_cast<uint64_t>(s.f_bsize),
                           .fragment_size = static_cast<uint64_t>(s.f_frsize),
                           .blocks = s.f_blocks,
                           .blocks_free = s.f_bfree,
                           .blocks_available = s.f_bavail,
                           .files = s.f_files,
                           .files_free = s.f_ffree,
                           .name_length = static_cast<uint64_t>(s.f_namelen)};
  return 0;
}

namespace {

// xattr syscalls need a real fd: O_PATH fds are refused by f*xattr, and the
// path-based calls would follow or need a path. Regular files, directories
// and FIFOs are reopened read-only (non-blocking for FIFOs); symlinks, sockets
// and devices have no served xattrs.
bool HasServedXattrs(mode_t type) {
  return S_ISREG(type) || S_ISDIR(type) || S_ISFIFO(type);
}

}  // namespace

int GoferServer::DoGetxattr(const GetxattrRequest& req, GetxattrReply* reply) {
  const FidEntry* entry = fids_.Get(req.fid);
  if (entry == nullptr) return EBADF;
  if (!IsServedXattr(req.name) || !HasServedXattrs(entry->type)) {
    return EOPNOTSUPP;
  }
  UniqueFd fd;
  if (int err = Reopen(*entry, O_RDONLY | O_NONBLOCK, &fd); err != 0) {
    return err;
  }
  if (req.size == 0) {
    ssize_t n = fgetxattr(fd.get(), req.name.c_str(), nullptr, 0);
    if (n < 0) return errno;
    // A value larger than one reply can carry could never be fetched.
    if (static_cast<size_t>(n) > kMaxXattrValue) return E2BIG;
    reply->size = static_cast<uint32_t>(n);
    return 0;
  }
  std::string value(std::min<size_t>(req.size, kMaxXattrValue), '\0');
  ssize_t n = fgetxattr(fd.get(), req.name.c_str(), value.data(), value.size());
  if (n < 0) {
    return errno == ERANGE && req.size > kMaxXattrValue ? E2BIG : errno;
  }
  value.resize(static_cast<size_t>(n));
  reply->size = static_cast<uint32_t>(n);
  reply->value = std::move(value);
  return 0;
}

int GoferServer::DoSetxattr(const SetxattrRequest& req) {
  const FidEntry* entry = fids_.Get(req.fid);
  if (entry == nullptr) return EBADF;
  if ((req.flags & ~static_cast<uint32_t>(XATTR_CREATE | XATTR_REPLACE)) != 0) {
    return EINVAL;
  }
  if (options_.read_only) return EROFS;
  if (!IsServedXattr(req.name) || !HasServedXattrs(entry->type)) {
    return EOPNOTSUPP;
  }
  UniqueFd fd;
  if (int err = Reopen(*entry, O_RDONLY | O_NONBLOCK, &fd); err != 0) {
    return err;
  }
  if (fsetxattr(fd.get(), req.name.c_str(), req.value.data(), req.value.size(),
                static_cast<int>(req.flags)) != 0) {
    return errno;
  }
  return 0;
}

int GoferServer::DoListxattr(const ListxattrRequest& req,
                             ListxattrReply* reply) {
  const FidEntry* entry = fids_.Get(req.fid);
  if (entry == nullptr) return EBADF;
  if (!HasServedXattrs(entry->type)) return 0;  // an empty list
  UniqueFd fd;
  if (int err = Reopen(*entry, O_RDONLY | O_NONBLOCK, &fd); err != 0) {
    return err;
  }
  std::string list(XATTR_LIST_MAX, '\0');
  ssize_t n = flistxattr(fd.get(), list.data(), list.size());
  if (n < 0) return errno;
  list.resize(static_cast<size_t>(n));
  size_t total = 0;
  std::vector<std::string> names;
  for (size_t pos = 0; pos < list.size();) {
    size_t end = list.find('\0', pos);
    if (end == std::string::npos) end = list.size();
    std::string_view name(list.data() + pos, end - pos);
    pos = end + 1;
    if (name.empty() || name.size() > kMaxXattrName || !IsServedXattr(name)) {
      continue;
    }
    total += name.size() + 1;
    names.emplace_back(name);
  }
  if (total > kMaxXattrValue) return E2BIG;
  reply->size = static_cast<uint32_t>(total);
  if (req.size == 0) return 0;
  if (total > req.size) return ERANGE;
  reply->names = std::move(names);
  return 0;
}

int GoferServer::DoRemovexattr(const RemovexattrRequest& req) {
  const FidEntry* entry = fids_.Get(req.fid);
  if (entry == nullptr) return EBADF;
  if (options_.read_only) return EROFS;
  if (!IsServedXattr(req.name) || !HasServedXattrs(entry->type)) {
    return EOPNOTSUPP;
  }
  UniqueFd fd;
  if (int err = Reopen(*entry, O_RDONLY | O_NONBLOCK, &fd); err != 0) {
    return err;
  }
  if (fremovexattr(fd.get(), req.name.c_str()) != 0) return errno;
  return 0;
}

int GoferServer::DoClunk(const FidRequest& req) {
  return fids_.Remove(req.fid) ? 0 : EBADF;
}

// --- Dispatch ---------------------------------------------------------------

namespace {

GoferServer::Response ErrorResponse(uint32_t tag, int error) {
  GoferServer::Response response;
  response.bytes =
      EncodeMessage(kErrorReply, tag, ErrorReply{static_cast<uint32_t>(error)});
  return response;
}

// The request and reply types a handler's signature names (see server.h):
// EmptyMessage where it takes no request or fills no reply.
template <typename Handler>
struct HandlerMessages;
template <typename Req, typename Rep>
struct HandlerMessages<int (GoferServer::*)(const Req&, Rep*,
                                            GoferServer::Response*)> {
  using Request = Req;
  using Reply = Rep;
};
template <typename Req, typename Rep>
struct HandlerMessages<int (GoferServer::*)(const Req&, Rep*)> {
  using Request = Req;
  using Reply = Rep;
};
template <typename Req>
struct HandlerMessages<int (GoferServer::*)(const Req&)> {
  using Request = Req;
  using Reply = EmptyMessage;
};
template <typename Rep>
struct HandlerMessages<int (GoferServer::*)(Rep*)> {
  using Request = EmptyMessage;
  using Reply = Rep;
};

}  // namespace

template <auto kHandler>
GoferServer::Response GoferServer::Dispatch(const Header& header,
                                            absl::Span<const uint8_t> payload) {
  using Handler = decltype(kHandler);
  using Request = typename HandlerMessages<Handler>::Request;
  using Reply = typename HandlerMessages<Handler>::Reply;
  Request request;
  if (int err = DecodePayload(payload, &request); err != 0) {
    return ErrorResponse(header.tag, err);
  }
  Response response;
  Reply reply;
  // Pass the handler what its signature takes.
  int err;
  if constexpr (std::is_invocable_v<Handler, GoferServer&, const Request&,
                                    Reply*, Response*>) {
    err = (this->*kHandler)(request, &reply, &response);
  } else if constexpr (std::is_invocable_v<Handler, GoferServer&,
                                           const Request&, Reply*>) {
    err = (this->*kHandler)(request, &reply);
  } else if constexpr (std::is_invocable_v<Handler, GoferServer&,
                                           const Request&>) {
    err = (this->*kHandler)(request);
  } else {
    err = (this->*kHandler)(&reply);
  }
  if (err != 0) {
    return ErrorResponse(header.tag, err);  // drops any fds made so far
  }
  response.bytes = EncodeMessage(
      static_cast<uint16_t>(header.opcode | kReplyBit), header.tag, reply);
  if (response.bytes.size() > kMaxMessageSize) {
    return ErrorResponse(header.tag, ERANGE);  // a bug, but never a crash
  }
  return response;
}

GoferServer::Response GoferServer::Handle(absl::Span<const uint8_t> packet) {
  Header header;
  if (int err = ParseHeader(packet, &header); err != 0) {
    return ErrorResponse(header.tag, err);
  }
  if ((header.opcode & kReplyBit) != 0)
    return ErrorResponse(header.tag, EBADMSG);
  absl::Span<const uint8_t> payload = packet.subspan(kHeaderSize);
  switch (static_cast<Opcode>(header.opcode)) {
    case Opcode::kAttach:
      return Dispatch<&GoferServer::DoAttach>(header, payload);
    case Opcode::kWalk:
      return Dispatch<&GoferServer::DoWalk>(header, payload);
    case Opcode::kStat:
      return Dispatch<&GoferServer::DoStat>(header, payload);
    case Opcode::kOpen:
      return Dispatch<&GoferServer::DoOpen>(header, payload);
    case Opcode::kCreate:
      return Dispatch<&GoferServer::DoCreate>(header, payload);
    case Opcode::kMkdir:
      return Dispatch<&GoferServer::DoMkdir>(header, payload);
    case Opcode::kMknod:
      return Dispatch<&GoferServer::DoMknod>(header, payload);
    case Opcode::kSymlink:
      return Dispatch<&GoferServer::DoSymlink>(header, payload);
    case Opcode::kLink:
      return Dispatch<&GoferServer::DoLink>(header, payload);
    case Opcode::kUnlink:
      return Dispatch<&GoferServer::DoUnlink>(header, payload);
    case Opcode::kRename:
      return Dispatch<&GoferServer::DoRename>(header, payload);
    case Opcode::kReadlink:
      return Dispatch<&GoferServer::DoReadlink>(header, payload);
    case Opcode::kGetdents:
      return Dispatch<&GoferServer::DoGetdents>(header, payload);
    case Opcode::kSetattr:
      return Dispatch<&GoferServer::DoSetattr>(header, payload);
    case Opcode::kStatfs:
      return Dispatch<&GoferServer::DoStatfs>(header, payload);
    case Opcode::kGetxattr:
      return Dispatch<&GoferServer::DoGetxattr>(header, payload);
    case Opcode::kSetxattr:
      return Dispatch<&GoferServer::DoSetxattr>(header, payload);
    case Opcode::kListxattr:
      return Dispatch<&GoferServer::DoListxattr>(header, payload);
    case Opcode::kRemovexattr:
      return Dispatch<&GoferServer::DoRemovexattr>(header, payload);
    case Opcode::kClunk:
      return Dispatch<&GoferServer::DoClunk>(header, payload);
  }
  return ErrorResponse(header.tag, EOPNOTSUPP);
}

// --- Socket loop ------------------------------------------------------------

absl::Status GoferServer::Serve(int socket_fd) {
  // One byte more than the limit, so an oversized packet is seen as such
  // even where MSG_TRUNC would not be reported.
  std::vector<uint8_t> buf(kMaxMessageSize + 1);
  while (true) {
    ReceivedPacket received;
    if (int err = ReceivePacket(socket_fd, absl::MakeSpan(buf), &received);
        err != 0) {
      return absl::ErrnoToStatus(err, "gofer: recvmsg");
    }
    const size_t n = received.size;
    // A zero-length read is the peer hanging up (an empty packet is
    // indistinguishable, and is no valid request either).
    if (n == 0) return absl::OkStatus();
    absl::Span<const uint8_t> packet(buf.data(), n);
    Response response;
    if (received.had_control) {
      // Requests never carry fds: `received` closes whatever arrived.
      Header header;
      ParseHeader(packet, &header);
      response = ErrorResponse(header.tag, EBADMSG);
    } else if (received.truncated || n > kMaxMessageSize) {
      Header header;
      ParseHeader(packet.subspan(0, kHeaderSize), &header);
      response = ErrorResponse(header.tag, EMSGSIZE);
    } else {
      response = Handle(packet);
    }

    struct iovec out_iov = {response.bytes.data(), response.bytes.size()};
    struct msghdr out = {};
    out.msg_iov = &out_iov;
    out.msg_iovlen = 1;
    alignas(struct cmsghdr) char
        out_control[CMSG_SPACE(sizeof(int) * kMaxFdsPerReply)];
    if (!response.fds.empty()) {
      const size_t count = std::min(response.fds.size(), kMaxFdsPerReply);
      out.msg_control = out_control;
      out.msg_controllen = CMSG_SPACE(sizeof(int) * count);
      struct cmsghdr* c = CMSG_FIRSTHDR(&out);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int) * count);
      for (size_t i = 0; i < count; ++i) {
        int fd = response.fds[i].get();
        std::memcpy(CMSG_DATA(c) + i * sizeof(int), &fd, sizeof(int));
      }
    }
    while (sendmsg(socket_fd, &out, MSG_NOSIGNAL) < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE || errno == ECONNRESET) return absl::OkStatus();
      return absl::ErrnoToStatus(errno, "gofer: sendmsg");
    }
    // Our copies of donated fds close here, with `response`.
  }
}

}  // namespace ringfence::gofer
