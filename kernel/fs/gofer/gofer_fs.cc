#include "kernel/fs/gofer/gofer_fs.h"

#include <new>
#include <utility>

#include "kernel/ktl/string.h"

namespace sentry::fs::gofer {
namespace {

using ringfence::abi::GoferDirent;
using ringfence::abi::GoferOp;
using ringfence::abi::GoferReply;
using ringfence::abi::GoferRequest;
using ringfence::abi::GoferStat;

// Bytes per pread/pwrite through the bounce buffer, and of one getdents batch.
constexpr size_t kTransferChunk = 64 * 1024;
constexpr size_t kDirentBatch = 4096;
// Cookies below this are "." and ".."; the Gofer's cookie c is kFirstCookie + c.
constexpr uint64_t kFirstCookie = 2;
constexpr uint32_t kAtRemovedir = 0x200;

vfs::Timespec ToTimespec(const ringfence::abi::GoferTime& time) {
  return {time.sec, time.nsec};
}

std::span<const char> Bytes(ktl::StringView text) { return {text.data(), text.size()}; }

// A kernel buffer for data in flight, freed on scope exit.
class Bounce {
 public:
  explicit Bounce(size_t size) : data_(new (std::nothrow) char[size]), size_(size) {}
  ~Bounce() { delete[] data_; }
  Bounce(const Bounce&) = delete;
  Bounce& operator=(const Bounce&) = delete;
  char* data() { return data_; }
  size_t size() const { return size_; }
  bool ok() const { return data_ != nullptr; }
  std::span<char> span() { return {data_, size_}; }

 private:
  char* data_;
  size_t size_;
};

}  // namespace

// --- file system ---------------------------------------------------------------

GoferRequest FileSystem::NewRequest(GoferOp op) const {
  GoferRequest request = {};
  request.op = static_cast<uint32_t>(op);
  request.mount = mount_;
  return request;
}

ktl::Result<vfs::RefPtr<vfs::Inode>> Attach(Transport& transport, uint32_t mount,
                                            bool read_only) {
  vfs::RefPtr<FileSystem> fs = vfs::MakeRef<FileSystem>(transport, mount, read_only);
  if (!fs) return ktl::Errno::kENOMEM;
  GoferRequest request = fs->NewRequest(GoferOp::kAttach);
  GoferReply reply = {};
  TRY(transport.Call(request, {}, &reply));
  auto* root = new (std::nothrow) Inode(fs.get(), reply.fid, reply.stat);
  if (root == nullptr) {
    GoferRequest clunk = fs->NewRequest(GoferOp::kClunk);
    clunk.fid = reply.fid;
    (void)transport.Call(clunk, {}, &reply);
    return ktl::Errno::kENOMEM;
  }
  if (!root->IsDir()) {
    root->Unref();
    return ktl::Errno::kENOTDIR;
  }
  return vfs::RefPtr<vfs::Inode>::Adopt(root);
}

// --- inode: bookkeeping ----------------------------------------------------------

Inode::Inode(FileSystem* fs, uint32_t fid, const GoferStat& stat)
    : vfs::Inode(fs, stat.ino, stat.mode),
      fid_(fid),
      stat_(stat),
      stat_generation_(fs->generation()) {}

Inode::~Inode() {
  Transport& transport = gofer_fs().transport();
  // No description is left, so every open handle is idle.
  uint32_t closing[3];
  size_t count;
  {
    ktl::SpinlockGuard guard(gofer_fs().handles_lock_);
    count = TakeIdleLocked(closing);
  }
  for (size_t i = 0; i < count; ++i) transport.CloseHandle(closing[i]);
  GoferRequest request = gofer_fs().NewRequest(GoferOp::kClunk);
  request.fid = fid_;
  GoferReply reply;
  (void)transport.Call(request, {}, &reply);
}

ktl::Result<void> Inode::Call(GoferRequest& request, const RequestBuffers& buffers,
                              GoferReply* reply) {
  TRY(gofer_fs().transport().Call(request, buffers, reply));
  switch (static_cast<GoferOp>(request.op)) {
    case GoferOp::kCreate:
    case GoferOp::kMkdir:
    case GoferOp::kMknod:
    case GoferOp::kSymlink:
    case GoferOp::kLink:
    case GoferOp::kUnlink:
    case GoferOp::kRename:
      gofer_fs().NamesChanged();
      break;
    default:
      break;
  }
  return ktl::Ok();
}

void Inode::UpdateStat(const GoferStat& stat) {
  ktl::SpinlockGuard guard(lock_);
  // The file type is fixed for the inode's life, whatever the host says.
  uint32_t type = stat_.mode & vfs::kS_IFMT;
  stat_ = stat;
  stat_.mode = type | (stat.mode & vfs::kPermissionBits);
  stat_stale_ = false;
  stat_generation_ = gofer_fs().generation();
}

ktl::Result<vfs::RefPtr<vfs::Inode>> Inode::NewChild(const GoferReply& reply) {
  auto* child = new (std::nothrow) Inode(&gofer_fs(), reply.fid, reply.stat);
  if (child == nullptr) {
    GoferRequest clunk = gofer_fs().NewRequest(GoferOp::kClunk);
    clunk.fid = reply.fid;
    GoferReply ignored;
    (void)Call(clunk, {}, &ignored);
    return ktl::Errno::kENOMEM;
  }
  return vfs::RefPtr<vfs::Inode>::Adopt(child);
}

// --- attributes ------------------------------------------------------------------

vfs::Attr Inode::Getattr() {
  bool stale;
  {
    ktl::SpinlockGuard guard(lock_);
    stale = stat_stale_ || stat_generation_ != gofer_fs().generation();
  }
  if (stale) {
    GoferRequest request = gofer_fs().NewRequest(GoferOp::kStat);
    request.fid = fid_;
    GoferReply reply;
    // On failure the cached attributes are the best answer there is.
    if (Call(request, {}, &reply).ok()) UpdateStat(reply.stat);
  }
  ktl::SpinlockGuard guard(lock_);
  vfs::Attr attr;
  attr.ino = ino();
  attr.dev = fs().device();
  attr.mode = stat_.mode;
  attr.nlink = stat_.nlink;
  attr.uid = stat_.uid;
  attr.gid = stat_.gid;
  attr.size = stat_.size;
  attr.blocks = stat_.blocks;
  attr.block_size = stat_.block_size != 0 ? stat_.block_size : 4096;
  attr.atime = ToTimespec(stat_.atime);
  attr.mtime = ToTimespec(stat_.mtime);
  attr.ctime = ToTimespec(stat_.ctime);
  return attr;
}

ktl::Result<void> Inode::Setattr(const vfs::SetAttr& change) {
  // uid, gid, mode and size count only where `mask` names them.
  GoferRequest request = gofer_fs().NewRequest(GoferOp::kSetattr);
  request.fid = fid_;
  if (change.mask & vfs::SetAttr::kMode) {
    request.mask |= ringfence::abi::kGoferSetMode;
    request.mode = change.mode & vfs::kPermissionBits;
  }
  if (change.mask & vfs::SetAttr::kUid) {
    request.mask |= ringfence::abi::kGoferSetUid;
    request.uid = change.uid;
  }
  if (change.mask & vfs::SetAttr::kGid) {
    request.mask |= ringfence::abi::kGoferSetGid;
    request.gid = change.gid;
  }
  if (change.mask & vfs::SetAttr::kSize) {
    request.mask |= ringfence::abi::kGoferSetSize;
    request.offset = change.size;
  }
  if (change.mask & (vfs::SetAttr::kAtime | vfs::SetAttr::kAtimeNow)) {
    request.mask |= ringfence::abi::kGoferSetAtime;
    request.atime = (change.mask & vfs::SetAttr::kAtimeNow)
                        ? ringfence::abi::GoferTime{0, vfs::kUTIME_NOW}
                        : ringfence::abi::GoferTime{change.atime.tv_sec, change.atime.tv_nsec};
  }
  if (change.mask & (vfs::SetAttr::kMtime | vfs::SetAttr::kMtimeNow)) {
    request.mask |= ringfence::abi::kGoferSetMtime;
    request.mtime = (change.mask & vfs::SetAttr::kMtimeNow)
                        ? ringfence::abi::GoferTime{0, vfs::kUTIME_NOW}
                        : ringfence::abi::GoferTime{change.mtime.tv_sec, change.mtime.tv_nsec};
  }
  // A ctime-only change: the host updates ctime itself on every change.
  if (request.mask == 0) return ktl::Ok();
  GoferReply reply;
  TRY(Call(request, {}, &reply));
  UpdateStat(reply.stat);
  return ktl::Ok();
}

// --- directories -------------------------------------------------------------------

ktl::Result<vfs::RefPtr<vfs::Inode>> Inode::Lookup(ktl::StringView name) {
  if (!IsDir()) return ktl::Errno::kENOTDIR;
  bool read_only = gofer_fs().data_read_only();
  if (read_only && KnownAbsent(name)) return ktl::Errno::kENOENT;
  GoferRequest request = gofer_fs().NewRequest(GoferOp::kWalk);
  request.fid = fid_;
  GoferReply reply;
  auto walked = Call(request, {name}, &reply);
  if (!walked.ok()) {
    if (read_only && walked.error() == ktl::Errno::kENOENT) RememberAbsent(name);
    return walked.error();
  }
  return NewChild(reply);
}

bool Inode::KnownAbsent(ktl::StringView name) {
  ktl::SpinlockGuard guard(lock_);
  for (size_t at = 0; at < absent_names_.size();) {
    ktl::StringView entry(&absent_names_[at], ktl::StrLen(&absent_names_[at]));
    if (entry == name) return true;
    at += entry.size() + 1;
  }
  return false;
}

void Inode::RememberAbsent(ktl::StringView name) {
  size_t needed = name.size() + 1;
  if (needed > kAbsentNameBytes) return;
  ktl::SpinlockGuard guard(lock_);
  // The oldest names make room.
  size_t drop = 0;
  while (absent_names_.size() - drop + needed > kAbsentNameBytes) {
    drop += ktl::StrLen(&absent_names_[drop]) + 1;
  }
  absent_names_.Erase(0, drop);
  if (!absent_names_.ReserveAtLeast(absent_names_.size() + needed).ok()) return;  // uncached
  for (char c : name) (void)absent_names_.PushBack(c);  // reserved
  (void)absent_names_.PushBack('\0');
}

ktl::Result<vfs::RefPtr<vfs::Inode>> Inode::Create(ktl::StringView name,
                                                   const vfs::NewInode& attr) {
  if (!IsDir()) return ktl::Errno::kENOTDIR;
  uint32_t type = attr.mode & vfs::kS_IFMT;
  GoferReply reply;
  if (type == vfs::kS_IFIFO || type == vfs::kS_IFSOCK) {
    GoferRequest request = gofer_fs().NewRequest(GoferOp::kMknod);
    request.fid = fid_;
    request.mode = type | (attr.mode & vfs::kPermissionBits);
    request.uid = attr.uid;
    request.gid = attr.gid;
    TRY(Call(request, {name}, &reply));
    return NewChild(reply);
  }
  // The Gofer serves no device nodes (the Sentry has its own /dev).
  if (type != 0 && type != vfs::kS_IFREG) return ktl::Errno::kEPERM;
  GoferRequest request = gofer_fs().NewRequest(GoferOp::kCreate);
  request.fid = fid_;
  request.flags = vfs::kO_RDWR;
  request.mode = attr.mode & vfs::kPermissionBits;
  request.uid = attr.uid;
  request.gid = attr.gid;
  TRY(Call(request, {name}, &reply));
  auto child = NewChild(reply);
  if (!child.ok()) {
    gofer_fs().transport().CloseHandle(reply.handle);
    return child.error();
  }
  // Keep the creating open's handle (read-write, so it serves any mode),
  // idle, for the open that follows.
  auto& inode = static_cast<Inode&>(*child.value());
  uint32_t closing[kMaxClosing];
  size_t count;
  {
    ktl::SpinlockGuard guard(gofer_fs().handles_lock_);
    inode.handles_[vfs::kO_RDWR] = {reply.handle, 0, true};
    count = inode.ParkLocked(closing);
  }
  inode.CloseHandles(closing, count);
  return child;
}

ktl::Result<vfs::RefPtr<vfs::Inode>> Inode::Mkdir(ktl::StringView name,
                                                  const vfs::NewInode& attr) {
  if (!IsDir()) return ktl::Errno::kENOTDIR;
  GoferRequest request = gofer_fs().NewRequest(GoferOp::kMkdir);
  request.fid = fid_;
  request.mode = attr.mode & vfs::kPermissionBits;
  request.uid = attr.uid;
  request.gid = attr.gid;
  GoferReply reply;
  TRY(Call(request, {name}, &reply));
  return NewChild(reply);
}

ktl::Result<vfs::RefPtr<vfs::Inode>> Inode::Symlink(ktl::StringView name, ktl::StringView target,
                                                    const vfs::NewInode& attr) {
  if (!IsDir()) return ktl::Errno::kENOTDIR;
  GoferRequest request = gofer_fs().NewRequest(GoferOp::kSymlink);
  request.fid = fid_;
  request.uid = attr.uid;
  request.gid = attr.gid;
  GoferReply reply;
  TRY(Call(request, {name, Bytes(target)}, &reply));
  return NewChild(reply);
}

ktl::Result<void> Inode::Link(ktl::StringView name, vfs::Inode& target) {
  if (!IsDir()) return ktl::Errno::kENOTDIR;
  if (&target.fs() != &fs()) return ktl::Errno::kEXDEV;
  // Same file system, so `target` is one of ours.
  auto& node = static_cast<Inode&>(target);
  GoferRequest request = gofer_fs().NewRequest(GoferOp::kLink);
  request.fid = node.fid_;
  request.fid2 = fid_;
  GoferReply reply;
  TRY(Call(request, {name}, &reply));
  node.UpdateStat(reply.stat);
  return ktl::Ok();
}

ktl::Result<void> Inode::RemoveEntry(ktl::StringView name, uint32_t flags) {
  if (!IsDir()) return ktl::Errno::kENOTDIR;
  GoferRequest request = gofer_fs().NewRequest(GoferOp::kUnlink);
  request.fid = fid_;
  request.flags = flags;
  GoferReply reply;
  return Call(request, {name}, &reply);
}

ktl::Result<void> Inode::Unlink(ktl::StringView name) { return RemoveEntry(name, 0); }

ktl::Result<void> Inode::Rmdir(ktl::StringView name) { return RemoveEntry(name, kAtRemovedir); }

ktl::Result<void> Inode::Rename(ktl::StringView old_name, vfs::Inode& new_dir,
                                ktl::StringView new_name, uint32_t flags) {
  if (!IsDir() || !new_dir.IsDir()) return ktl::Errno::kENOTDIR;
  if (&new_dir.fs() != &fs()) return ktl::Errno::kEXDEV;
  GoferRequest request = gofer_fs().NewRequest(GoferOp::kRename);
  request.fid = fid_;
  request.fid2 = static_cast<Inode&>(new_dir).fid_;
  request.flags = flags;
  GoferReply reply;
  return Call(request, {old_name, Bytes(new_name)}, &reply);
}

ktl::Result<void> Inode::ReadDir(uint64_t cookie,
                                 ktl::FunctionRef<bool(const vfs::DirEntry&)> emit) {
  if (!IsDir()) return ktl::Errno::kENOTDIR;
  // "." and ".." are the Sentry's to make up (the root's ".." must not
  // reveal the host); ".." carries this directory's number, as the Gofer
  // does not say which directory is the parent.
  if (cookie == 0 && !emit({ino(), vfs::kDT_DIR, ".", 1})) return ktl::Ok();
  if (cookie <= 1 && !emit({ino(), vfs::kDT_DIR, "..", 2})) return ktl::Ok();
  uint64_t gofer_cookie = cookie <= kFirstCookie ? 0 : cookie - kFirstCookie;
  Bounce batch(kDirentBatch);
  if (!batch.ok()) return ktl::Errno::kENOMEM;
  for (;;) {
    GoferRequest request = gofer_fs().NewRequest(GoferOp::kGetdents);
    request.fid = fid_;
    request.offset = gofer_cookie;
    GoferReply reply;
    TRY(Call(request, {{}, {}, batch.span()}, &reply));
    if (reply.size == 0) return ktl::Ok();
    if (reply.size > batch.size()) return ktl::Errno::kEIO;
    // Records come from the VMM: walk them with bounds checks all the same.
    size_t at = 0;
    while (at + sizeof(GoferDirent) <= reply.size) {
      GoferDirent header;
      ktl::MemCopy(&header, batch.data() + at, sizeof(header));
      size_t size = ringfence::abi::GoferDirentSize(header.name_length);
      if (header.name_length == 0 || at + size > reply.size ||
          header.next_cookie > UINT64_MAX - kFirstCookie) {
        return ktl::Errno::kEIO;
      }
      ktl::StringView name(batch.data() + at + sizeof(header), header.name_length);
      if (!emit({header.ino, header.type, name, header.next_cookie + kFirstCookie})) {
        return ktl::Ok();
      }
      gofer_cookie = header.next_cookie;
      at += size;
    }
  }
}

// --- symlinks ------------------------------------------------------------------------

ktl::Result<void> Inode::Readlink(ktl::Vector<char>* out) {
  if (!IsSymlink()) return ktl::Errno::kEINVAL;
  ktl::SpinlockGuard guard(lock_);
  if (!target_cached_) {
    Bounce target(ringfence::abi::kGoferSymlinkMax);
    if (!target.ok()) return ktl::Errno::kENOMEM;
    GoferRequest request = gofer_fs().NewRequest(GoferOp::kReadlink);
    request.fid = fid_;
    GoferReply reply;
    TRY(Call(request, {{}, {}, target.span()}, &reply));
    if (reply.size > target.size()) return ktl::Errno::kEIO;
    target_.Clear();
    TRY(target_.ReserveAtLeast(reply.size));
    for (size_t i = 0; i < reply.size; ++i) (void)target_.PushBack(target.data()[i]);
    target_cached_ = true;
  }
  TRY(out->ReserveAtLeast(out->size() + target_.size()));
  for (char c : target_) (void)out->PushBack(c);
  return ktl::Ok();
}

// --- regular files -----------------------------------------------------------------

// --- inode: host handles ------------------------------------------------------

size_t Inode::IdleCountLocked() const {
  size_t count = 0;
  for (const HandleSlot& slot : handles_) count += slot.idle() ? 1 : 0;
  return count;
}

size_t Inode::TakeIdleLocked(uint32_t* closing) {
  size_t count = 0;
  for (HandleSlot& slot : handles_) {
    if (!slot.idle()) continue;
    closing[count++] = slot.handle;
    slot.open = false;
  }
  if (idle_link_.node.InList()) {
    gofer_fs().idle_.Remove(&idle_link_);
    gofer_fs().idle_count_ -= count;
  }
  return count;
}

size_t Inode::ParkLocked(uint32_t* closing) {
  FileSystem& fs = gofer_fs();
  if (idle_link_.node.InList()) fs.idle_.Remove(&idle_link_);
  fs.idle_.PushBack(&idle_link_);  // most recently used last
  ++fs.idle_count_;
  size_t count = 0;
  while (fs.idle_count_ > FileSystem::kMaxIdleHandles && count + 3 <= kMaxClosing) {
    count += fs.idle_.front()->inode->TakeIdleLocked(closing + count);
  }
  return count;
}

void Inode::UseLocked(uint32_t slot) {
  bool was_idle = handles_[slot].idle();
  ++handles_[slot].users;
  if (!was_idle) return;
  --gofer_fs().idle_count_;
  if (IdleCountLocked() == 0) gofer_fs().idle_.Remove(&idle_link_);
}

void Inode::CloseHandles(const uint32_t* handles, size_t count) {
  for (size_t i = 0; i < count; ++i) gofer_fs().transport().CloseHandle(handles[i]);
}

ktl::Result<uint32_t> Inode::AcquireHandle(uint32_t access) {
  if (!IsRegular()) return ktl::Errno::kEINVAL;
  access &= vfs::kO_ACCMODE;
  if (access == vfs::kO_ACCMODE) return ktl::Errno::kEINVAL;
  ktl::Spinlock& lock = gofer_fs().handles_lock_;
  {
    ktl::SpinlockGuard guard(lock);
    uint32_t slot = access;
    if (!handles_[slot].open && handles_[vfs::kO_RDWR].open) slot = vfs::kO_RDWR;
    if (handles_[slot].open) {
      UseLocked(slot);
      return slot;
    }
  }
  // Open on the host, outside the lock: a Gofer round trip.
  GoferRequest request = gofer_fs().NewRequest(GoferOp::kOpen);
  request.fid = fid_;
  request.flags = access;
  GoferReply reply;
  TRY(Call(request, {}, &reply));
  bool raced;
  {
    ktl::SpinlockGuard guard(lock);
    raced = handles_[access].open;  // another vCPU opened it meanwhile
    if (raced) {
      UseLocked(access);
    } else {
      handles_[access] = {reply.handle, 1, true};
    }
  }
  if (raced) CloseHandles(&reply.handle, 1);
  return access;
}

void Inode::ReleaseHandle(uint32_t slot) {
  uint32_t closing[kMaxClosing];
  size_t count;
  {
    ktl::SpinlockGuard guard(gofer_fs().handles_lock_);
    HandleSlot& entry = handles_[slot];
    if (!entry.open || entry.users == 0 || --entry.users != 0) return;
    count = ParkLocked(closing);
  }
  CloseHandles(closing, count);
}

ktl::Result<size_t> Inode::Transfer(vfs::IoBuffer& buffer, uint64_t offset, uint32_t slot,
                                    bool write) {
  uint32_t handle;
  {
    ktl::SpinlockGuard guard(gofer_fs().handles_lock_);
    handle = handles_[slot].handle;
  }
  size_t total = buffer.size();
  Bounce bounce(total < kTransferChunk ? (total == 0 ? 1 : total) : kTransferChunk);
  if (!bounce.ok()) return ktl::Errno::kENOMEM;
  Transport& transport = gofer_fs().transport();
  // One chunk through the bounce buffer: bytes moved.
  auto chunk_io = [&](size_t at, size_t length) -> ktl::Result<size_t> {
    if (write) {
      TRY(buffer.CopyIn(at, bounce.data(), length));
      return transport.Pwrite(handle, bounce.data(), length, offset + at);
    }
    size_t moved = TRY(transport.Pread(handle, bounce.data(), length, offset + at));
    if (moved > length) return ktl::Errno::kEIO;
    if (moved != 0) TRY(buffer.CopyOut(at, bounce.data(), moved));
    return moved;
  };
  size_t done = 0;
  while (done < total) {
    size_t length = total - done < bounce.size() ? total - done : bounce.size();
    auto moved = chunk_io(done, length);
    if (!moved.ok()) {
      if (done == 0) return moved.error();
      break;  // a short transfer reports what was done
    }
    done += moved.value();
    if (moved.value() < length) break;  // end of file, or the disk is full
  }
  return done;
}

ktl::Result<size_t> Inode::Read(vfs::IoBuffer& dst, uint64_t offset) {
  if (!IsRegular()) return ktl::Errno::kEINVAL;
  uint32_t slot = TRY(AcquireHandle(vfs::kO_RDONLY));
  auto done = Transfer(dst, offset, slot, /*write=*/false);
  ReleaseHandle(slot);
  return done;
}

ktl::Result<size_t> Inode::Write(vfs::IoBuffer& src, uint64_t offset, bool append,
                                 uint64_t* end) {
  if (!IsRegular()) return ktl::Errno::kEINVAL;
  uint32_t slot = TRY(AcquireHandle(vfs::kO_WRONLY));
  if (append) {
    // The host file may have grown behind the cache: ask for its size.
    GoferRequest request = gofer_fs().NewRequest(GoferOp::kStat);
    request.fid = fid_;
    GoferReply reply;
    if (auto status = Call(request, {}, &reply); !status.ok()) {
      ReleaseHandle(slot);
      return status.error();
    }
    UpdateStat(reply.stat);
    offset = reply.stat.size;
  }
  auto done = Transfer(src, offset, slot, /*write=*/true);
  ReleaseHandle(slot);
  size_t written = TRY(std::move(done));
  *end = offset + written;
  ktl::SpinlockGuard guard(lock_);
  if (*end > stat_.size) stat_.size = *end;
  stat_stale_ = true;  // times and blocks changed on the host
  return written;
}

ktl::Result<vfs::RefPtr<vfs::FileDescription>> Inode::Open(const vfs::Path& path,
                                                           uint32_t flags) {
  if (!IsRegular()) return vfs::Inode::Open(path, flags);
  uint32_t slot = TRY(AcquireHandle(flags & vfs::kO_ACCMODE));
  auto* description = new (std::nothrow) FileDescription(flags, path, slot);
  if (description == nullptr) {
    ReleaseHandle(slot);
    return ktl::Errno::kENOMEM;
  }
  return vfs::RefPtr<vfs::FileDescription>::Adopt(description);
}

FileDescription::~FileDescription() { static_cast<Inode&>(inode()).ReleaseHandle(slot_); }

// --- extended attributes ----------------------------------------------------------

ktl::Result<void> Inode::FetchXattrs(GoferOp op, ktl::StringView name, ktl::Vector<char>* out) {
  // Ask for the size, then fetch; if it grew in between (ERANGE), again.
  for (int attempt = 0; attempt < 3; ++attempt) {
    GoferRequest request = gofer_fs().NewRequest(op);
    request.fid = fid_;
    GoferReply reply;
    TRY(Call(request, {name}, &reply));
    if (reply.size == 0) return ktl::Ok();
    if (reply.size > ringfence::abi::kGoferOutMax) return ktl::Errno::kE2BIG;
    Bounce value(reply.size);
    if (!value.ok()) return ktl::Errno::kENOMEM;
    request = gofer_fs().NewRequest(op);
    request.fid = fid_;
    auto fetched = Call(request, {name, {}, value.span()}, &reply);
    if (!fetched.ok() && fetched.error() == ktl::Errno::kERANGE) continue;
    TRY(std::move(fetched));
    if (reply.size > value.size()) return ktl::Errno::kEIO;
    TRY(out->ReserveAtLeast(out->size() + reply.size));
    for (size_t i = 0; i < reply.size; ++i) (void)out->PushBack(value.data()[i]);
    return ktl::Ok();
  }
  return ktl::Errno::kERANGE;
}

ktl::Result<void> Inode::Getxattr(ktl::StringView name, ktl::Vector<char>* out) {
  return FetchXattrs(GoferOp::kGetxattr, name, out);
}

ktl::Result<void> Inode::Listxattr(ktl::Vector<char>* out) {
  return FetchXattrs(GoferOp::kListxattr, {}, out);
}

ktl::Result<void> Inode::Setxattr(ktl::StringView name, std::span<const char> value,
                                  uint32_t flags) {
  if (value.size() > ringfence::abi::kGoferXattrValueMax) return ktl::Errno::kE2BIG;
  GoferRequest request = gofer_fs().NewRequest(GoferOp::kSetxattr);
  request.fid = fid_;
  request.flags = flags;
  GoferReply reply;
  return Call(request, {name, value}, &reply);
}

ktl::Result<void> Inode::Removexattr(ktl::StringView name) {
  GoferRequest request = gofer_fs().NewRequest(GoferOp::kRemovexattr);
  request.fid = fid_;
  GoferReply reply;
  return Call(request, {name}, &reply);
}

}  // namespace sentry::fs::gofer
