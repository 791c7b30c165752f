#include "kernel/vfs/file_description.h"

#include <limits>

#include "kernel/ktl/string.h"
#include "kernel/vfs/inode_page_cache.h"

namespace sentry::vfs {

FileDescription::FileDescription(uint32_t flags, Path path, RefPtr<Inode> data)
    : fs::File(flags), path_(std::move(path)), data_(std::move(data)) {}

FileDescription::~FileDescription() {
  inode().locks().ReleaseAll(lock_owner());
  if (holds_write_access_) inode().PutWriteAccess();
}

ktl::Result<size_t> FileDescription::Read(mm::AddressSpace& memory,
                                          std::span<const fs::UserSegment> segments,
                                          int64_t offset) {
  UserIoBuffer buffer(memory, segments);
  TRY(buffer.FaultInFilePages(/*to_user=*/true));
  return ReadTo(buffer, offset);
}

ktl::Result<size_t> FileDescription::Write(mm::AddressSpace& memory,
                                           std::span<const fs::UserSegment> segments,
                                           int64_t offset) {
  UserIoBuffer buffer(memory, segments);
  TRY(buffer.FaultInFilePages(/*to_user=*/false));
  return WriteFrom(buffer, offset);
}

ktl::Result<void> FileDescription::Stat(linux_abi::Stat* out) {
  AttrToStat(inode().Getattr(), out);
  return ktl::Ok();
}

bool FileDescription::seekable() const {
  return !is_path_only() && (inode().IsRegular() || inode().IsDir());
}

int64_t FileDescription::position() {
  ktl::SpinlockGuard guard(position_lock_);
  return position_;
}

namespace {

// Inode I/O, through the page cache while the file is mapped (coherence),
// and reads of read-only files through theirs always (they fill it).
ktl::Result<size_t> ReadInode(Inode& inode, IoBuffer& dst, uint64_t offset) {
  if (RefPtr<InodePageCache> cache = InodePageCache::ForRead(inode)) return cache->Read(dst, offset);
  return inode.Read(dst, offset);
}

ktl::Result<size_t> WriteInode(Inode& inode, IoBuffer& src, uint64_t offset, bool append,
                               uint64_t* end) {
  if (RefPtr<InodePageCache> cache = inode.ActivePageCache()) {
    return cache->Write(src, offset, append, end);
  }
  return inode.Write(src, offset, append, end);
}

}  // namespace

ktl::Result<size_t> FileDescription::ReadTo(IoBuffer& dst, int64_t offset) {
  if (is_path_only() || !readable()) return ktl::Errno::kEBADF;
  if (inode().IsDir()) return ktl::Errno::kEISDIR;
  if (offset >= 0) return ReadInode(data_inode(), dst, static_cast<uint64_t>(offset));
  // Holding the position lock across the read makes read(2) on a shared
  // description atomic with respect to the position, as Linux's f_pos_lock.
  ktl::SpinlockGuard guard(position_lock_);
  size_t done = TRY(ReadInode(data_inode(), dst, static_cast<uint64_t>(position_)));
  position_ += static_cast<int64_t>(done);
  return done;
}

ktl::Result<size_t> FileDescription::WriteFrom(IoBuffer& src, int64_t offset) {
  if (is_path_only() || !writable()) return ktl::Errno::kEBADF;
  if (inode().IsDir()) return ktl::Errno::kEISDIR;
  bool append = (flags() & kO_APPEND) != 0;
  uint64_t end = 0;
  // Linux appends even for pwrite on an O_APPEND file (see pwrite(2) BUGS).
  if (offset >= 0) return WriteInode(data_inode(), src, static_cast<uint64_t>(offset), append, &end);
  ktl::SpinlockGuard guard(position_lock_);
  size_t done = TRY(WriteInode(data_inode(), src, static_cast<uint64_t>(position_), append, &end));
  position_ = static_cast<int64_t>(end);
  return done;
}

ktl::Result<int64_t> FileDescription::Lseek(int64_t offset, int whence) {
  if (is_path_only()) return ktl::Errno::kEBADF;
  constexpr int kSeekData = 3, kSeekHole = 4;
  ktl::SpinlockGuard guard(position_lock_);
  if (inode().IsDir()) {
    // Directory positions are ReadDir cookies: only absolute positions and
    // the current one make sense.
    if (whence == kSEEK_SET && offset >= 0) {
      position_ = offset;
    } else if (whence == kSEEK_CUR && offset == 0) {
    } else {
      return ktl::Errno::kEINVAL;
    }
    return position_;
  }
  if (!inode().IsRegular()) return ktl::Errno::kESPIPE;
  int64_t base;
  int64_t size = static_cast<int64_t>(data_inode().Getattr().size);
  switch (whence) {
    case kSEEK_SET:
      base = 0;
      break;
    case kSEEK_CUR:
      base = position_;
      break;
    case kSEEK_END:
      base = size;
      break;
    case kSeekData:
    case kSeekHole:
      if (offset < 0) return ktl::Errno::kEINVAL;
      if (offset >= size) return ktl::Errno::kENXIO;
      position_ = whence == kSeekData ? offset : size;
      return position_;
    default:
      return ktl::Errno::kEINVAL;
  }
  int64_t target;
  if (__builtin_add_overflow(base, offset, &target)) return ktl::Errno::kEOVERFLOW;
  if (target < 0) return ktl::Errno::kEINVAL;
  position_ = target;
  return target;
}

size_t DirentRecordLength(size_t name_length) {
  // d_ino(8) d_off(8) d_reclen(2) d_type(1) name NUL, rounded up to 8.
  return (19 + name_length + 1 + 7) & ~size_t{7};
}

ktl::Result<size_t> FileDescription::Getdents64(IoBuffer& dst) {
  if (is_path_only()) return ktl::Errno::kEBADF;
  if (!inode().IsDir()) return ktl::Errno::kENOTDIR;
  // A removed directory lists nothing, not even "." (Linux's iterate_dir).
  if (path_.dentry->dead()) return ktl::Errno::kENOENT;
  ktl::SpinlockGuard guard(position_lock_);
  size_t used = 0;
  ktl::Errno failure = ktl::Errno{0};
  uint64_t next = static_cast<uint64_t>(position_);
  TRY(inode().ReadDir(next, [&](const DirEntry& entry) {
    size_t length = DirentRecordLength(entry.name.size());
    if (length > dst.size() - used) {
      if (used == 0) failure = ktl::Errno::kEINVAL;
      return false;
    }
    alignas(8) uint8_t record[DirentRecordLength(kNameMax)] = {};
    uint64_t offset = entry.next_cookie;
    uint16_t reclen = static_cast<uint16_t>(length);
    ktl::MemCopy(record, &entry.ino, 8);
    ktl::MemCopy(record + 8, &offset, 8);
    ktl::MemCopy(record + 16, &reclen, 2);
    record[18] = entry.type;
    ktl::MemCopy(record + 19, entry.name.data(), entry.name.size());
    auto copied = dst.CopyOut(used, record, length);
    if (!copied.ok()) {
      if (used == 0) failure = copied.error();
      return false;
    }
    used += length;
    next = entry.next_cookie;
    return true;
  }));
  if (used == 0 && failure != ktl::Errno{0}) return failure;
  position_ = static_cast<int64_t>(next);
  return used;
}

void AttrToStat(const Attr& attr, linux_abi::Stat* out) {
  *out = {};
  out->dev = attr.dev;
  out->ino = attr.ino;
  out->nlink = attr.nlink;
  out->mode = attr.mode;
  out->uid = attr.uid;
  out->gid = attr.gid;
  out->rdev = attr.rdev;
  out->size = static_cast<int64_t>(attr.size);
  out->blksize = attr.block_size;
  out->blocks = static_cast<int64_t>(attr.blocks);
  out->atime = attr.atime;
  out->mtime = attr.mtime;
  out->ctime = attr.ctime;
}

}  // namespace sentry::vfs
