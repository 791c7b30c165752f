#include "kernel/vfs/inode.h"

#include "kernel/vfs/file_description.h"
#include "kernel/vfs/inode_page_cache.h"

namespace sentry::vfs {
namespace {

// Anonymous device numbers (major 0), as Linux gives tmpfs and procfs.
// Never reused: 2^20 minors is far more file systems than a sandbox makes.
std::atomic<uint32_t> next_anonymous_minor{1};

}  // namespace

FileSystem::FileSystem()
    : device_(MakeDevice(0, next_anonymous_minor.fetch_add(1, std::memory_order_relaxed))) {}

Inode::Inode(FileSystem* fs, uint64_t ino, uint32_t mode)
    : fs_(fs), ino_(ino), type_(mode & kS_IFMT) {}

Inode::~Inode() { InodePageCache::ForgetInode(*this); }

ktl::Result<RefPtr<Inode>> Inode::Lookup(ktl::StringView) { return ktl::Errno::kENOTDIR; }
ktl::Result<RefPtr<Inode>> Inode::Create(ktl::StringView, const NewInode&) {
  return ktl::Errno::kENOTDIR;
}
ktl::Result<RefPtr<Inode>> Inode::Mkdir(ktl::StringView, const NewInode&) {
  return ktl::Errno::kENOTDIR;
}
ktl::Result<RefPtr<Inode>> Inode::Symlink(ktl::StringView, ktl::StringView, const NewInode&) {
  return ktl::Errno::kENOTDIR;
}
ktl::Result<void> Inode::Link(ktl::StringView, Inode&) { return ktl::Errno::kENOTDIR; }
ktl::Result<void> Inode::Unlink(ktl::StringView) { return ktl::Errno::kENOTDIR; }
ktl::Result<void> Inode::Rmdir(ktl::StringView) { return ktl::Errno::kENOTDIR; }
ktl::Result<void> Inode::Rename(ktl::StringView, Inode&, ktl::StringView, uint32_t) {
  return ktl::Errno::kENOTDIR;
}
ktl::Result<void> Inode::ReadDir(uint64_t, ktl::FunctionRef<bool(const DirEntry&)>) {
  return ktl::Errno::kENOTDIR;
}
ktl::Result<void> Inode::Readlink(ktl::Vector<char>*) { return ktl::Errno::kEINVAL; }
ktl::Result<Path> Inode::JumpTarget(const Path&) { return ktl::Errno::kEINVAL; }
ktl::Result<size_t> Inode::Read(IoBuffer&, uint64_t) { return ktl::Errno::kEINVAL; }
ktl::Result<size_t> Inode::Write(IoBuffer&, uint64_t, bool, uint64_t*) {
  return ktl::Errno::kEINVAL;
}
ktl::Result<void> Inode::Allocate(uint64_t, uint64_t, bool) { return ktl::Errno::kEOPNOTSUPP; }
ktl::Result<void> Inode::Getxattr(ktl::StringView, ktl::Vector<char>*) {
  return ktl::Errno::kEOPNOTSUPP;
}
ktl::Result<void> Inode::Setxattr(ktl::StringView, std::span<const char>, uint32_t) {
  return ktl::Errno::kEOPNOTSUPP;
}
ktl::Result<void> Inode::Listxattr(ktl::Vector<char>*) { return ktl::Errno::kEOPNOTSUPP; }
ktl::Result<void> Inode::Removexattr(ktl::StringView) { return ktl::Errno::kEOPNOTSUPP; }

namespace {
FifoOpener g_fifo_opener = nullptr;
}  // namespace

void SetFifoOpener(FifoOpener opener) { g_fifo_opener = opener; }

ktl::Result<RefPtr<FileDescription>> Inode::Open(const Path& path, uint32_t flags) {
  if (type_ == kS_IFIFO && g_fifo_opener != nullptr) return g_fifo_opener(*this, path, flags);
  if (!IsRegular() && !IsDir()) return ktl::Errno::kENXIO;
  RefPtr<FileDescription> description = RefPtr<FileDescription>::Adopt(
      new (std::nothrow) FileDescription(flags, path));
  if (!description) return ktl::Errno::kENOMEM;
  return description;
}

ktl::Result<void> Inode::GetWriteAccess() {
  int32_t count = write_count_.load(std::memory_order_relaxed);
  do {
    if (count < 0) return ktl::Errno::kETXTBSY;
  } while (!write_count_.compare_exchange_weak(count, count + 1, std::memory_order_acq_rel));
  return ktl::Ok();
}

void Inode::PutWriteAccess() { write_count_.fetch_sub(1, std::memory_order_acq_rel); }

ktl::Result<void> Inode::DenyWriteAccess() {
  int32_t count = write_count_.load(std::memory_order_relaxed);
  do {
    if (count > 0) return ktl::Errno::kETXTBSY;
  } while (!write_count_.compare_exchange_weak(count, count - 1, std::memory_order_acq_rel));
  return ktl::Ok();
}

void Inode::AllowWriteAccess() { write_count_.fetch_add(1, std::memory_order_acq_rel); }

ktl::Result<WriteDenial> WriteDenial::Take(Inode& inode) {
  TRY(inode.DenyWriteAccess());
  return WriteDenial(RefPtr<Inode>(&inode));
}

WriteDenial::WriteDenial(const WriteDenial& other) : inode_(other.inode_) {
  if (inode_) (void)inode_->DenyWriteAccess();  // already denied: cannot fail
}

void WriteDenial::Release() {
  if (inode_) inode_->AllowWriteAccess();
  inode_ = nullptr;
}

ktl::Result<RefPtr<mm::MemoryObject>> Inode::GetMemoryObject(mm::PageAllocator& pages) {
  if (!IsRegular()) return ktl::Errno::kENODEV;
  return RefPtr<mm::MemoryObject>(TRY(InodePageCache::For(*this, pages)));
}

RefPtr<InodePageCache> Inode::ActivePageCache() { return InodePageCache::Existing(*this); }

}  // namespace sentry::vfs
