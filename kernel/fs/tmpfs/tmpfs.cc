#include "kernel/fs/tmpfs/tmpfs.h"

#include <new>

#include "kernel/ktl/panic.h"
#include "kernel/ktl/string.h"
#include "kernel/vfs/dentry.h"

namespace sentry::tmpfs {

using vfs::RefPtr;

namespace {

// What a hole reads as.
const std::byte kZeroPage[kPageSize] = {};

bool Before(const vfs::Timespec& a, const vfs::Timespec& b) {
  return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec <= b.tv_nsec);
}

// Makes the right Inode subclass for `attr.mode`, charged to `fs`.
ktl::Result<RefPtr<Inode>> MakeInode(FileSystem* fs, const vfs::NewInode& attr,
                                    uint64_t parent_ino) {
  TRY(fs->ChargeInode());
  Inode* inode;
  switch (attr.mode & vfs::kS_IFMT) {
    case vfs::kS_IFDIR:
      inode = new (std::nothrow) Directory(fs, attr, parent_ino);
      break;
    case vfs::kS_IFREG:
      inode = new (std::nothrow) RegularFile(fs, attr);
      break;
    case vfs::kS_IFLNK:
      inode = new (std::nothrow) Symlink(fs, attr);
      break;
    default:
      inode = new (std::nothrow) SpecialFile(fs, attr);
      break;
  }
  if (inode == nullptr) {
    fs->ReleaseInode();
    return ktl::Errno::kENOMEM;
  }
  return RefPtr<Inode>::Adopt(inode);
}

}  // namespace

// --- file system ---------------------------------------------------------------

ktl::Result<RefPtr<vfs::Inode>> Create(const Options& options) {
  if (options.clock == nullptr || options.pages == nullptr) return ktl::Errno::kEINVAL;
  RefPtr<FileSystem> fs = vfs::MakeRef<FileSystem>(options);
  if (!fs) return ktl::Errno::kENOMEM;
  vfs::NewInode attr;
  attr.mode = vfs::kS_IFDIR | (options.root_mode & vfs::kPermissionBits);
  attr.uid = options.root_uid;
  attr.gid = options.root_gid;
  // The root's ".." is itself; its inode number is the first one, 1.
  RefPtr<Inode> root = TRY(MakeInode(fs.get(), attr, 1));
  root->nlink.store(2, std::memory_order_relaxed);
  return RefPtr<vfs::Inode>(std::move(root));
}

ktl::Result<Page> FileSystem::AllocatePage() {
  size_t used = pages_.fetch_add(1, std::memory_order_relaxed);
  if (options_.max_bytes != 0 && (used + 1) * kPageSize > options_.max_bytes) {
    pages_.fetch_sub(1, std::memory_order_relaxed);
    return ktl::Errno::kENOSPC;
  }
  auto page = options_.pages->AllocateZeroed();
  if (!page.ok()) pages_.fetch_sub(1, std::memory_order_relaxed);
  return page;
}

void FileSystem::FreePage(const Page& page) {
  options_.pages->Free(page);
  pages_.fetch_sub(1, std::memory_order_relaxed);
}

vfs::FsStats FileSystem::Statfs() {
  constexpr uint64_t kTmpfsMagic = 0x01021994;
  vfs::FsStats stats;
  stats.magic = kTmpfsMagic;
  stats.block_size = kPageSize;
  if (options_.max_bytes != 0) {
    stats.blocks = options_.max_bytes / kPageSize;
    uint64_t used = pages_used();
    stats.blocks_free = used < stats.blocks ? stats.blocks - used : 0;
  }
  if (options_.max_inodes != 0) {
    stats.files = options_.max_inodes;
    uint64_t used = inodes_used();
    stats.files_free = used < stats.files ? stats.files - used : 0;
  }
  return stats;
}

ktl::Result<void> FileSystem::ChargeInode() {
  size_t used = inodes_.fetch_add(1, std::memory_order_relaxed);
  if (options_.max_inodes != 0 && used + 1 > options_.max_inodes) {
    inodes_.fetch_sub(1, std::memory_order_relaxed);
    return ktl::Errno::kENOSPC;
  }
  return ktl::Ok();
}

ktl::Result<void> FileSystem::ChargeXattrBytes(ptrdiff_t bytes) {
  if (bytes <= 0) {
    xattr_bytes_.fetch_sub(static_cast<size_t>(-bytes), std::memory_order_relaxed);
    return ktl::Ok();
  }
  size_t grow = static_cast<size_t>(bytes);
  size_t used = xattr_bytes_.fetch_add(grow, std::memory_order_relaxed);
  if (options_.max_xattr_bytes != 0 && used + grow > options_.max_xattr_bytes) {
    xattr_bytes_.fetch_sub(grow, std::memory_order_relaxed);
    return ktl::Errno::kENOSPC;
  }
  return ktl::Ok();
}

// --- common inode ----------------------------------------------------------------

Inode::Inode(FileSystem* fs, const vfs::NewInode& attr)
    : vfs::Inode(fs, fs->NextIno(), attr.mode),
      mode_(attr.mode),
      uid_(attr.uid),
      gid_(attr.gid),
      rdev_(attr.rdev) {
  atime_ = mtime_ = ctime_ = fs->Now();
}

Inode::~Inode() {
  (void)tmpfs().ChargeXattrBytes(-static_cast<ptrdiff_t>(xattrs_.charged_bytes()));
  tmpfs().ReleaseInode();
}

vfs::Attr Inode::Getattr() {
  ktl::SpinlockGuard guard(lock_);
  vfs::Attr attr;
  attr.ino = ino();
  attr.dev = fs().device();
  attr.mode = mode_;
  attr.nlink = nlink.load(std::memory_order_relaxed);
  attr.uid = uid_;
  attr.gid = gid_;
  attr.rdev = rdev_;
  attr.size = SizeLocked();
  attr.blocks = BlocksLocked();
  attr.block_size = kPageSize;
  attr.atime = atime_;
  attr.mtime = mtime_;
  attr.ctime = ctime_;
  return attr;
}

ktl::Result<void> Inode::Setattr(const vfs::SetAttr& change) {
  ktl::SpinlockGuard guard(lock_);
  vfs::Timespec now = tmpfs().Now();
  bool changed = (change.mask & ~vfs::SetAttr::kSize) != 0;
  if (change.mask & vfs::SetAttr::kSize) {
    if (IsDir()) return ktl::Errno::kEISDIR;
    if (!IsRegular()) return ktl::Errno::kEINVAL;
    if (change.size != SizeLocked()) {
      TRY(ResizeLocked(change.size));
      mtime_ = now;
      changed = true;
    }
  }
  if (change.mask & vfs::SetAttr::kMode) {
    mode_ = (mode_ & vfs::kS_IFMT) | (change.mode & vfs::kPermissionBits);
  }
  if (change.mask & vfs::SetAttr::kUid) uid_ = change.uid;
  if (change.mask & vfs::SetAttr::kGid) gid_ = change.gid;
  if (change.mask & vfs::SetAttr::kAtime) atime_ = change.atime;
  if (change.mask & vfs::SetAttr::kAtimeNow) atime_ = now;
  if (change.mask & vfs::SetAttr::kMtime) mtime_ = change.mtime;
  if (change.mask & vfs::SetAttr::kMtimeNow) mtime_ = now;
  if (changed) ctime_ = now;
  return ktl::Ok();
}

ktl::Result<void> Inode::Getxattr(ktl::StringView name, ktl::Vector<char>* out) {
  ktl::SpinlockGuard guard(lock_);
  return xattrs_.Get(name, out);
}

ktl::Result<void> Inode::Setxattr(ktl::StringView name, std::span<const char> value,
                                  uint32_t flags) {
  ktl::SpinlockGuard guard(lock_);
  TRY(xattrs_.Set(name, value, flags,
                  [this](ptrdiff_t bytes) { return tmpfs().ChargeXattrBytes(bytes); }));
  ctime_ = tmpfs().Now();
  return ktl::Ok();
}

ktl::Result<void> Inode::Listxattr(ktl::Vector<char>* out) {
  ktl::SpinlockGuard guard(lock_);
  return xattrs_.List(out);
}

ktl::Result<void> Inode::Removexattr(ktl::StringView name) {
  ktl::SpinlockGuard guard(lock_);
  TRY(xattrs_.Remove(name,
                     [this](ptrdiff_t bytes) { return tmpfs().ChargeXattrBytes(bytes); }));
  ctime_ = tmpfs().Now();
  return ktl::Ok();
}

void Inode::Touch(bool modified) {
  ktl::SpinlockGuard guard(lock_);
  ctime_ = tmpfs().Now();
  if (modified) mtime_ = ctime_;
}

// --- directories -----------------------------------------------------------------

Directory::Directory(FileSystem* fs, const vfs::NewInode& attr, uint64_t parent_ino)
    : Inode(fs, attr), parent_ino_(parent_ino) {
  // The root passes 1 before its own number is known; it is its own parent.
  if (parent_ino_ == 1 && ino() == 1) parent_ino_ = ino();
}

Directory::~Directory() {
  // Children go with us. Each is only as deep as the tree below, and a
  // removed directory is empty; deep trees are freed recursively here.
  for (Entry* entry : by_cookie_) delete entry;
}

uint64_t Directory::SizeLocked() {
  return (entry_count_.load(std::memory_order_relaxed) + 2) * kBogoDirentSize;
}

size_t Directory::NameIndexLocked(ktl::StringView name) const {
  size_t low = 0, high = by_name_.size();
  while (low < high) {
    size_t mid = (low + high) / 2;
    if (vfs::CompareNames(by_name_[mid]->Name(), name) < 0) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  return low;
}

size_t Directory::CookieIndexLocked(uint64_t cookie) const {
  size_t low = 0, high = by_cookie_.size();
  while (low < high) {
    size_t mid = (low + high) / 2;
    if (by_cookie_[mid]->cookie < cookie) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  return low;
}

Directory::Entry* Directory::FindLocked(ktl::StringView name) const {
  size_t i = NameIndexLocked(name);
  if (i < by_name_.size() && by_name_[i]->Name() == name) return by_name_[i];
  return nullptr;
}

ktl::Result<void> Directory::InsertLocked(ktl::StringView name, RefPtr<Inode> inode) {
  if (removed_) return ktl::Errno::kENOENT;
  if (FindLocked(name) != nullptr) return ktl::Errno::kEEXIST;
  TRY(by_cookie_.ReserveAtLeast(by_cookie_.size() + 1));
  TRY(by_name_.ReserveAtLeast(by_name_.size() + 1));
  Entry* entry = new (std::nothrow) Entry;
  if (entry == nullptr) return ktl::Errno::kENOMEM;
  entry->name = new (std::nothrow) char[name.size()];
  if (entry->name == nullptr) {
    delete entry;
    return ktl::Errno::kENOMEM;
  }
  ktl::MemCopy(entry->name, name.data(), name.size());
  entry->name_length = name.size();
  entry->inode = std::move(inode);
  entry->cookie = next_cookie_++;
  // Both have capacity reserved above: these cannot fail.
  (void)by_cookie_.PushBack(entry);
  (void)by_name_.Insert(NameIndexLocked(name), entry);
  entry_count_.fetch_add(1, std::memory_order_relaxed);
  return ktl::Ok();
}

Directory::Entry* Directory::RemoveLocked(ktl::StringView name) {
  size_t i = NameIndexLocked(name);
  if (i >= by_name_.size() || by_name_[i]->Name() != name) return nullptr;
  Entry* entry = by_name_[i];
  by_name_.Erase(i);
  size_t j = CookieIndexLocked(entry->cookie);
  KTL_ASSERT(j < by_cookie_.size() && by_cookie_[j] == entry);
  by_cookie_.Erase(j);
  entry_count_.fetch_sub(1, std::memory_order_relaxed);
  return entry;
}

void Directory::DropLinkLocked(Inode& inode) {
  if (inode.IsDir()) {
    inode.nlink.store(0, std::memory_order_relaxed);
    static_cast<Directory&>(inode).removed_ = true;
    nlink.fetch_sub(1, std::memory_order_relaxed);  // its ".." pointed here
  } else {
    inode.nlink.fetch_sub(1, std::memory_order_relaxed);
  }
  inode.Touch(/*modified=*/false);
}

ktl::Result<RefPtr<vfs::Inode>> Directory::Lookup(ktl::StringView name) {
  ktl::SpinlockGuard guard(tmpfs().namespace_lock);
  Entry* entry = FindLocked(name);
  if (entry == nullptr) return ktl::Errno::kENOENT;
  return RefPtr<vfs::Inode>(entry->inode.get());
}

ktl::Result<RefPtr<vfs::Inode>> Directory::AddNewLocked(ktl::StringView name,
                                                        RefPtr<Inode> inode) {
  TRY(InsertLocked(name, inode));
  if (inode->IsDir()) {
    inode->nlink.store(2, std::memory_order_relaxed);
    nlink.fetch_add(1, std::memory_order_relaxed);
  } else {
    inode->nlink.store(1, std::memory_order_relaxed);
  }
  Touch(/*modified=*/true);
  return RefPtr<vfs::Inode>(std::move(inode));
}

ktl::Result<RefPtr<vfs::Inode>> Directory::Create(ktl::StringView name,
                                                  const vfs::NewInode& attr) {
  uint32_t type = attr.mode & vfs::kS_IFMT;
  if (type == vfs::kS_IFDIR || type == vfs::kS_IFLNK) return ktl::Errno::kEINVAL;
  ktl::SpinlockGuard guard(tmpfs().namespace_lock);
  if (removed_) return ktl::Errno::kENOENT;
  if (FindLocked(name) != nullptr) return ktl::Errno::kEEXIST;
  RefPtr<Inode> inode = TRY(MakeInode(&tmpfs(), attr, ino()));
  return AddNewLocked(name, std::move(inode));
}

ktl::Result<RefPtr<vfs::Inode>> Directory::Mkdir(ktl::StringView name,
                                                 const vfs::NewInode& attr) {
  if ((attr.mode & vfs::kS_IFMT) != vfs::kS_IFDIR) return ktl::Errno::kEINVAL;
  ktl::SpinlockGuard guard(tmpfs().namespace_lock);
  if (removed_) return ktl::Errno::kENOENT;
  if (FindLocked(name) != nullptr) return ktl::Errno::kEEXIST;
  RefPtr<Inode> inode = TRY(MakeInode(&tmpfs(), attr, ino()));
  return AddNewLocked(name, std::move(inode));
}

ktl::Result<RefPtr<vfs::Inode>> Directory::Symlink(ktl::StringView name, ktl::StringView target,
                                                   const vfs::NewInode& attr) {
  if ((attr.mode & vfs::kS_IFMT) != vfs::kS_IFLNK) return ktl::Errno::kEINVAL;
  ktl::SpinlockGuard guard(tmpfs().namespace_lock);
  if (removed_) return ktl::Errno::kENOENT;
  if (FindLocked(name) != nullptr) return ktl::Errno::kEEXIST;
  RefPtr<Inode> inode = TRY(MakeInode(&tmpfs(), attr, ino()));
  TRY(static_cast<tmpfs::Symlink*>(inode.get())->SetTarget(target));
  return AddNewLocked(name, std::move(inode));
}

ktl::Result<void> Directory::Link(ktl::StringView name, vfs::Inode& target) {
  if (&target.fs() != &fs()) return ktl::Errno::kEXDEV;
  if (target.IsDir()) return ktl::Errno::kEPERM;
  auto& inode = static_cast<Inode&>(target);  // same file system: a tmpfs inode
  ktl::SpinlockGuard guard(tmpfs().namespace_lock);
  // A file whose last name is gone cannot get a new one (no O_TMPFILE yet).
  if (inode.nlink.load(std::memory_order_relaxed) == 0) return ktl::Errno::kENOENT;
  TRY(InsertLocked(name, RefPtr<Inode>(&inode)));
  inode.nlink.fetch_add(1, std::memory_order_relaxed);
  inode.Touch(/*modified=*/false);
  Touch(/*modified=*/true);
  return ktl::Ok();
}

ktl::Result<void> Directory::Unlink(ktl::StringView name) {
  ktl::SpinlockGuard guard(tmpfs().namespace_lock);
  Entry* entry = FindLocked(name);
  if (entry == nullptr) return ktl::Errno::kENOENT;
  if (entry->inode->IsDir()) return ktl::Errno::kEISDIR;
  entry = RemoveLocked(name);
  DropLinkLocked(*entry->inode);
  Touch(/*modified=*/true);
  delete entry;  // may free the inode
  return ktl::Ok();
}

ktl::Result<void> Directory::Rmdir(ktl::StringView name) {
  ktl::SpinlockGuard guard(tmpfs().namespace_lock);
  Entry* entry = FindLocked(name);
  if (entry == nullptr) return ktl::Errno::kENOENT;
  if (!entry->inode->IsDir()) return ktl::Errno::kENOTDIR;
  if (!static_cast<Directory&>(*entry->inode).by_cookie_.empty()) {
    return ktl::Errno::kENOTEMPTY;
  }
  entry = RemoveLocked(name);
  DropLinkLocked(*entry->inode);
  Touch(/*modified=*/true);
  delete entry;
  return ktl::Ok();
}

ktl::Result<void> Directory::Rename(ktl::StringView old_name, vfs::Inode& new_dir_inode,
                                    ktl::StringView new_name, uint32_t flags) {
  if (&new_dir_inode.fs() != &fs()) return ktl::Errno::kEXDEV;
  if (!new_dir_inode.IsDir()) return ktl::Errno::kENOTDIR;
  auto& new_dir = static_cast<Directory&>(new_dir_inode);
  ktl::SpinlockGuard guard(tmpfs().namespace_lock);
  Entry* from = FindLocked(old_name);
  if (from == nullptr) return ktl::Errno::kENOENT;
  Entry* to = new_dir.FindLocked(new_name);
  Inode& moving = *from->inode;
  bool moving_dir = moving.IsDir();
  bool crosses = &new_dir != this;

  if (flags & vfs::kRENAME_EXCHANGE) {
    if (to == nullptr) return ktl::Errno::kENOENT;
    Inode& other = *to->inode;
    // Names stay where they are; the inodes swap.
    from->inode.Swap(to->inode);
    if (crosses && moving_dir != other.IsDir()) {
      // A directory changed parents one way only: move a ".." link.
      Directory& gains = moving_dir ? new_dir : *this;
      Directory& loses = moving_dir ? *this : new_dir;
      gains.nlink.fetch_add(1, std::memory_order_relaxed);
      loses.nlink.fetch_sub(1, std::memory_order_relaxed);
    }
    if (moving_dir) static_cast<Directory&>(moving).parent_ino_ = new_dir.ino();
    if (other.IsDir()) static_cast<Directory&>(other).parent_ino_ = ino();
    moving.Touch(false);
    other.Touch(false);
    Touch(true);
    if (crosses) new_dir.Touch(true);
    return ktl::Ok();
  }

  if (to != nullptr) {
    if (flags & vfs::kRENAME_NOREPLACE) return ktl::Errno::kEEXIST;
    if (to->inode.get() == &moving) return ktl::Ok();  // two names of one inode
    Inode& victim = *to->inode;
    if (moving_dir && !victim.IsDir()) return ktl::Errno::kENOTDIR;
    if (!moving_dir && victim.IsDir()) return ktl::Errno::kEISDIR;
    if (victim.IsDir() && !static_cast<Directory&>(victim).by_cookie_.empty()) {
      return ktl::Errno::kENOTEMPTY;
    }
  }
  // Reserve room in the target before changing anything.
  if (crosses || to == nullptr) {
    TRY(new_dir.by_cookie_.ReserveAtLeast(new_dir.by_cookie_.size() + 1));
    TRY(new_dir.by_name_.ReserveAtLeast(new_dir.by_name_.size() + 1));
  }
  char* name_copy = new (std::nothrow) char[new_name.size()];
  if (name_copy == nullptr) return ktl::Errno::kENOMEM;
  ktl::MemCopy(name_copy, new_name.data(), new_name.size());

  if (to != nullptr) {
    Entry* victim_entry = new_dir.RemoveLocked(new_name);
    new_dir.DropLinkLocked(*victim_entry->inode);
    delete victim_entry;
  }
  Entry* entry = RemoveLocked(old_name);
  delete[] entry->name;
  entry->name = name_copy;
  entry->name_length = new_name.size();
  // A moved entry gets a fresh cookie in its new directory (so a getdents
  // in progress there sees it at most once); a rename in place keeps its
  // position too.
  if (crosses) entry->cookie = new_dir.next_cookie_++;
  size_t at = new_dir.CookieIndexLocked(entry->cookie);
  (void)new_dir.by_cookie_.Insert(at, entry);  // reserved, or freed by the removals
  (void)new_dir.by_name_.Insert(new_dir.NameIndexLocked(new_name), entry);
  new_dir.entry_count_.fetch_add(1, std::memory_order_relaxed);
  if (moving_dir && crosses) {
    static_cast<Directory&>(moving).parent_ino_ = new_dir.ino();
    nlink.fetch_sub(1, std::memory_order_relaxed);
    new_dir.nlink.fetch_add(1, std::memory_order_relaxed);
  }
  moving.Touch(false);
  Touch(true);
  if (crosses) new_dir.Touch(true);
  return ktl::Ok();
}

ktl::Result<void> Directory::ReadDir(uint64_t cookie,
                                     ktl::FunctionRef<bool(const vfs::DirEntry&)> emit) {
  ktl::SpinlockGuard guard(tmpfs().namespace_lock);
  if (cookie == 0 && !emit(vfs::DirEntry{ino(), vfs::kDT_DIR, ".", 1})) return ktl::Ok();
  if (cookie <= 1 && !emit(vfs::DirEntry{parent_ino_, vfs::kDT_DIR, "..", 2})) return ktl::Ok();
  for (size_t i = CookieIndexLocked(cookie); i < by_cookie_.size(); ++i) {
    const Entry& entry = *by_cookie_[i];
    vfs::DirEntry out{entry.inode->ino(), vfs::DirentType(entry.inode->type()), entry.Name(),
                      entry.cookie + 1};
    if (!emit(out)) break;
  }
  return ktl::Ok();
}

// --- regular files -------------------------------------------------------------------

RegularFile::~RegularFile() {
  for (const Slot& slot : pages_) tmpfs().FreePage(slot.page);
}

size_t RegularFile::resident_pages() {
  ktl::SpinlockGuard guard(lock_);
  return pages_.size();
}

size_t RegularFile::SlotIndexLocked(uint64_t page) const {
  size_t low = 0, high = pages_.size();
  while (low < high) {
    size_t mid = (low + high) / 2;
    if (pages_[mid].index < page) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  return low;
}

ktl::Result<std::byte*> RegularFile::PageForWriteLocked(uint64_t page) {
  size_t i = SlotIndexLocked(page);
  if (i < pages_.size() && pages_[i].index == page) return pages_[i].page.data;
  TRY(pages_.ReserveAtLeast(pages_.size() + 1));
  Page fresh = TRY(tmpfs().AllocatePage());
  (void)pages_.Insert(i, Slot{page, fresh});  // reserved
  return fresh.data;
}

ktl::Result<size_t> RegularFile::Read(vfs::IoBuffer& dst, uint64_t offset) {
  ktl::SpinlockGuard guard(lock_);
  if (offset >= size_) return size_t{0};
  uint64_t want = dst.size();
  if (want > size_ - offset) want = size_ - offset;
  size_t done = 0;
  size_t slot = SlotIndexLocked(offset / kPageSize);
  while (done < want) {
    uint64_t position = offset + done;
    uint64_t page = position / kPageSize;
    size_t within = position % kPageSize;
    size_t chunk = kPageSize - within;
    if (chunk > want - done) chunk = want - done;
    while (slot < pages_.size() && pages_[slot].index < page) ++slot;
    const std::byte* source = (slot < pages_.size() && pages_[slot].index == page)
                                  ? pages_[slot].page.data + within
                                  : kZeroPage;
    auto copied = dst.CopyOut(done, source, chunk);
    if (!copied.ok()) {
      if (done == 0) return copied.error();
      break;
    }
    done += chunk;
  }
  // relatime: update atime only if it is older than the last change.
  if (done > 0 && (Before(atime_, mtime_) || Before(atime_, ctime_))) atime_ = tmpfs().Now();
  return done;
}

ktl::Result<size_t> RegularFile::Write(vfs::IoBuffer& src, uint64_t offset, bool append,
                                       uint64_t* end) {
  ktl::SpinlockGuard guard(lock_);
  if (append) offset = size_;
  uint64_t want = src.size();
  *end = offset;
  if (want == 0) return size_t{0};
  if (offset >= kMaxFileSize) return ktl::Errno::kEFBIG;
  if (want > kMaxFileSize - offset) want = kMaxFileSize - offset;
  size_t done = 0;
  ktl::Errno failure = ktl::Errno{0};
  while (done < want) {
    uint64_t position = offset + done;
    size_t within = position % kPageSize;
    size_t chunk = kPageSize - within;
    if (chunk > want - done) chunk = want - done;
    auto page = PageForWriteLocked(position / kPageSize);
    if (!page.ok()) {
      failure = page.error();
      break;
    }
    auto copied = src.CopyIn(done, page.value() + within, chunk);
    if (!copied.ok()) {
      // Keep "bytes past the end are zero": a failed copy may have left part
      // of the chunk written.
      if (position + chunk > size_) {
        uint64_t keep = position < size_ ? size_ - position : 0;
        ktl::MemSet(page.value() + within + keep, 0, chunk - keep);
      }
      failure = copied.error();
      break;
    }
    done += chunk;
  }
  if (done == 0) return failure;
  if (offset + done > size_) size_ = offset + done;
  mtime_ = ctime_ = tmpfs().Now();
  *end = offset + done;
  return done;
}

ktl::Result<void> RegularFile::Allocate(uint64_t offset, uint64_t length, bool keep_size) {
  if (offset > kMaxFileSize || length > kMaxFileSize - offset) return ktl::Errno::kEFBIG;
  {
    ktl::SpinlockGuard guard(lock_);
    // Pages allocated before an ENOSPC stay: they read as zeros, as the
    // holes they replace did.
    for (uint64_t page = offset / kPageSize; page * kPageSize < offset + length; ++page) {
      TRY(PageForWriteLocked(page));
    }
    if (keep_size || offset + length <= size_) return ktl::Ok();
    size_ = offset + length;
  }
  Touch(/*modified=*/true);
  return ktl::Ok();
}

ktl::Result<void> RegularFile::ResizeLocked(uint64_t size) {
  if (size > kMaxFileSize) return ktl::Errno::kEFBIG;
  if (size < size_) {
    // Free whole pages past the new end, zero the tail of the last one so a
    // later extension reads zeros.
    uint64_t first_gone = (size + kPageSize - 1) / kPageSize;
    size_t i = SlotIndexLocked(first_gone);
    for (size_t j = i; j < pages_.size(); ++j) tmpfs().FreePage(pages_[j].page);
    pages_.Erase(i, pages_.size());
    if (size % kPageSize != 0) {
      size_t last = SlotIndexLocked(size / kPageSize);
      if (last < pages_.size() && pages_[last].index == size / kPageSize) {
        size_t within = size % kPageSize;
        ktl::MemSet(pages_[last].page.data + within, 0, kPageSize - within);
      }
    }
  }
  size_ = size;
  return ktl::Ok();
}

namespace {

// A mapping of a tmpfs file: its frames themselves, so there is nothing to
// write back and every mapping and read/write sees the same bytes.
class FileFrames final : public mm::MemoryObject {
 public:
  FileFrames(RegularFile& file, mm::PageAllocator& pages) : MemoryObject(pages), file_(&file) {}
  ktl::Result<mm::PhysAddr> GetPage(uint64_t index) override {
    return file_->MapPage(index, pages());
  }
  bool IsResident(uint64_t index) override { return file_->HasPage(index); }

 private:
  RefPtr<RegularFile> file_;
};

}  // namespace

ktl::Result<vfs::RefPtr<mm::MemoryObject>> RegularFile::GetMemoryObject(mm::PageAllocator& pages) {
  if (tmpfs().page_source().allocator() != &pages) return vfs::Inode::GetMemoryObject(pages);
  auto* object = new (std::nothrow) FileFrames(*this, pages);
  if (object == nullptr) return ktl::Errno::kENOMEM;
  return RefPtr<mm::MemoryObject>::Adopt(object);
}

ktl::Result<mm::PhysAddr> RegularFile::MapPage(uint64_t index, mm::PageAllocator& pages) {
  ktl::SpinlockGuard guard(lock_);
  if (index >= (size_ + kPageSize - 1) / kPageSize) return ktl::Errno::kENXIO;
  mm::PhysAddr frame = pages.PhysOf(TRY(PageForWriteLocked(index)));
  pages.Ref(frame);
  return frame;
}

bool RegularFile::HasPage(uint64_t index) {
  ktl::SpinlockGuard guard(lock_);
  size_t i = SlotIndexLocked(index);
  return i < pages_.size() && pages_[i].index == index;
}

// --- symlinks ----------------------------------------------------------------------------

ktl::Result<void> Symlink::SetTarget(ktl::StringView target) {
  TRY(target_.Reserve(target.size()));
  for (char c : target) (void)target_.PushBack(c);  // reserved
  return ktl::Ok();
}

ktl::Result<void> Symlink::Readlink(ktl::Vector<char>* out) {
  TRY(out->ReserveAtLeast(out->size() + target_.size()));
  for (char c : target_) (void)out->PushBack(c);
  return ktl::Ok();
}

}  // namespace sentry::tmpfs
