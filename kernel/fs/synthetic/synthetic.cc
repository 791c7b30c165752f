#include "kernel/fs/synthetic/synthetic.h"

namespace sentry::synthetic {
namespace {

// Copies [from, from + length) of `text` to `dst` in page-sized pieces so a
// fault part way reports the bytes before it.
ktl::Result<size_t> CopyText(const ktl::Vector<char>& text, uint64_t from, vfs::IoBuffer& dst) {
  if (from >= text.size()) return size_t{0};
  size_t length = text.size() - from;
  if (length > dst.size()) length = dst.size();
  constexpr size_t kPiece = 4096;
  size_t done = 0;
  while (done < length) {
    size_t piece = length - done < kPiece ? length - done : kPiece;
    auto copied = dst.CopyOut(done, text.data() + from + done, piece);
    if (!copied.ok()) {
      if (done == 0) return copied.error();
      break;
    }
    done += piece;
  }
  return done;
}

// The description of an open GeneratedFile: the text snapshot.
class SnapshotDescription final : public vfs::FileDescription {
 public:
  SnapshotDescription(uint32_t flags, vfs::Path path) : FileDescription(flags, std::move(path)) {}

  ktl::Result<size_t> ReadTo(vfs::IoBuffer& dst, int64_t offset) override {
    if (is_path_only() || !readable()) return ktl::Errno::kEBADF;
    ktl::SpinlockGuard guard(position_lock_);
    if (!generated_) {
      TRY(static_cast<GeneratedFile&>(inode()).Generate(&text_));
      generated_ = true;
    }
    if (offset >= 0) return CopyText(text_, static_cast<uint64_t>(offset), dst);
    size_t done = TRY(CopyText(text_, static_cast<uint64_t>(position_), dst));
    position_ += static_cast<int64_t>(done);
    return done;
  }

  // Linux refuses writes to files without a write operation so.
  ktl::Result<size_t> WriteFrom(vfs::IoBuffer&, int64_t) override {
    if (is_path_only() || !writable()) return ktl::Errno::kEBADF;
    return ktl::Errno::kEINVAL;
  }

  // seq_lseek: absolute and relative positions only.
  ktl::Result<int64_t> Lseek(int64_t offset, int whence) override {
    if (is_path_only()) return ktl::Errno::kEBADF;
    ktl::SpinlockGuard guard(position_lock_);
    int64_t target;
    if (whence == vfs::kSEEK_SET) {
      target = offset;
    } else if (whence == vfs::kSEEK_CUR) {
      if (__builtin_add_overflow(position_, offset, &target)) return ktl::Errno::kEINVAL;
    } else {
      return ktl::Errno::kEINVAL;
    }
    if (target < 0) return ktl::Errno::kEINVAL;
    position_ = target;
    return target;
  }

 private:
  bool generated_ = false;    // Guarded by position_lock_.
  ktl::Vector<char> text_;    // Guarded by position_lock_.
};

}  // namespace

// --- Inode -------------------------------------------------------------------

vfs::Attr Inode::Getattr() {
  vfs::Attr attr;
  attr.ino = ino();
  attr.dev = fs().device();
  attr.mode = attr_.mode;
  attr.nlink = 1;
  attr.uid = attr_.uid;
  attr.gid = attr_.gid;
  attr.rdev = attr_.rdev;
  attr.block_size = 1024;  // procfs and devtmpfs report 1 KiB blocks... of nothing
  attr.atime = attr.mtime = attr.ctime = synthetic_fs().time();
  return attr;
}

ktl::Result<void> Inode::Setattr(const vfs::SetAttr&) { return ktl::Errno::kEPERM; }

bool MakeEntry(ktl::StringView name, uint64_t ino, uint32_t mode, Entry* out) {
  if (name.size() >= sizeof(out->name)) return false;
  ktl::MemCopy(out->name, name.data(), name.size());
  out->name[name.size()] = '\0';
  out->ino = ino;
  out->type = vfs::DirentType(mode);
  return true;
}

// --- Directory -----------------------------------------------------------------

ktl::Result<void> Directory::ReadDir(uint64_t cookie,
                                     ktl::FunctionRef<bool(const vfs::DirEntry&)> emit) {
  if (cookie == 0 && !emit({ino(), vfs::kDT_DIR, ".", 1})) return ktl::Ok();
  if (cookie <= 1 && !emit({ino(), vfs::kDT_DIR, "..", 2})) return ktl::Ok();
  ktl::Vector<Entry> entries;
  TRY(List(&entries));
  for (uint64_t i = cookie < 2 ? 0 : cookie - 2; i < entries.size(); ++i) {
    const Entry& entry = entries[i];
    if (!emit({entry.ino, entry.type, ktl::StringView(entry.name), i + 3})) break;
  }
  return ktl::Ok();
}

vfs::Attr Directory::Getattr() {
  vfs::Attr attr = Inode::Getattr();
  attr.nlink = 2 + SubdirectoryCount();
  return attr;
}

ktl::Result<RefPtr<vfs::Inode>> Directory::Create(ktl::StringView, const vfs::NewInode&) {
  return ktl::Errno::kEPERM;
}
ktl::Result<RefPtr<vfs::Inode>> Directory::Mkdir(ktl::StringView, const vfs::NewInode&) {
  return ktl::Errno::kEPERM;
}
ktl::Result<RefPtr<vfs::Inode>> Directory::Symlink(ktl::StringView, ktl::StringView,
                                                   const vfs::NewInode&) {
  return ktl::Errno::kEPERM;
}
ktl::Result<void> Directory::Link(ktl::StringView, vfs::Inode&) { return ktl::Errno::kEPERM; }
ktl::Result<void> Directory::Unlink(ktl::StringView) { return ktl::Errno::kEPERM; }
ktl::Result<void> Directory::Rmdir(ktl::StringView) { return ktl::Errno::kEPERM; }
ktl::Result<void> Directory::Rename(ktl::StringView, vfs::Inode&, ktl::StringView, uint32_t) {
  return ktl::Errno::kEPERM;
}

// --- StaticDirectory -------------------------------------------------------------

ktl::Result<void> StaticDirectory::Add(ktl::StringView name, RefPtr<vfs::Inode> child) {
  Child entry;
  if (!MakeEntry(name, child->ino(), child->Getattr().mode, &entry.entry)) {
    return ktl::Errno::kENAMETOOLONG;
  }
  entry.inode = std::move(child);
  ktl::SpinlockGuard guard(lock_);
  for (const Child& existing : children_) {
    if (ktl::StringView(existing.entry.name) == name) return ktl::Errno::kEEXIST;
  }
  return children_.PushBack(std::move(entry));
}

ktl::Result<RefPtr<StaticDirectory>> StaticDirectory::AddDirectory(ktl::StringView name,
                                                                   uint32_t permissions) {
  auto directory = RefPtr<StaticDirectory>::Adopt(
      new (std::nothrow) StaticDirectory(&synthetic_fs(), permissions));
  if (!directory) return ktl::Errno::kENOMEM;
  TRY(Add(name, directory));
  return directory;
}

ktl::Result<RefPtr<vfs::Inode>> StaticDirectory::Lookup(ktl::StringView name) {
  ktl::SpinlockGuard guard(lock_);
  for (const Child& child : children_) {
    if (ktl::StringView(child.entry.name) == name) return RefPtr<vfs::Inode>(child.inode);
  }
  return ktl::Errno::kENOENT;
}

ktl::Result<void> StaticDirectory::List(ktl::Vector<Entry>* out) {
  ktl::SpinlockGuard guard(lock_);
  TRY(out->Reserve(children_.size()));
  for (const Child& child : children_) TRY(out->PushBack(child.entry));
  return ktl::Ok();
}

uint32_t StaticDirectory::SubdirectoryCount() {
  ktl::SpinlockGuard guard(lock_);
  uint32_t count = 0;
  for (const Child& child : children_) count += child.entry.type == vfs::kDT_DIR ? 1 : 0;
  return count;
}

// --- files and links ---------------------------------------------------------------

ktl::Result<RefPtr<vfs::FileDescription>> GeneratedFile::Open(const vfs::Path& path,
                                                               uint32_t flags) {
  RefPtr<vfs::FileDescription> description =
      RefPtr<vfs::FileDescription>::Adopt(new (std::nothrow) SnapshotDescription(flags, path));
  if (!description) return ktl::Errno::kENOMEM;
  return description;
}

ktl::Result<RefPtr<ConstantFile>> ConstantFile::Make(FileSystem* fs, ktl::StringView text) {
  ktl::Vector<char> copy;
  TRY(Append(&copy, text));
  auto file = RefPtr<ConstantFile>::Adopt(new (std::nothrow) ConstantFile(fs, std::move(copy)));
  if (!file) return ktl::Errno::kENOMEM;
  return file;
}

ktl::Result<void> ConstantFile::Generate(ktl::Vector<char>* out) {
  return Append(out, ktl::StringView(text_.data(), text_.size()));
}

ktl::Result<RefPtr<Symlink>> Symlink::Make(FileSystem* fs, ktl::StringView target) {
  ktl::Vector<char> copy;
  TRY(Append(&copy, target));
  auto link = RefPtr<Symlink>::Adopt(new (std::nothrow) Symlink(fs, std::move(copy)));
  if (!link) return ktl::Errno::kENOMEM;
  return link;
}

vfs::Attr Symlink::Getattr() {
  vfs::Attr attr = Inode::Getattr();
  attr.size = target_.size();
  return attr;
}

ktl::Result<void> Symlink::Readlink(ktl::Vector<char>* out) {
  return Append(out, ktl::StringView(target_.data(), target_.size()));
}

ktl::Result<void> Append(ktl::Vector<char>* out, ktl::StringView text) {
  size_t old_size = out->size();
  TRY(out->Resize(old_size + text.size()));
  ktl::MemCopy(out->data() + old_size, text.data(), text.size());
  return ktl::Ok();
}

// --- ForwardingDescription ---------------------------------------------------------

ForwardingDescription::ForwardingDescription(fs::File* inner, uint32_t flags, vfs::Path path,
                                             bool inner_stat)
    : FileDescription(flags, std::move(path)), inner_(inner), inner_stat_(inner_stat) {
  inner_->Ref();
}

ForwardingDescription::~ForwardingDescription() { inner_->Unref(); }

ktl::Result<size_t> ForwardingDescription::Read(mm::AddressSpace& memory,
                                                std::span<const fs::UserSegment> segments,
                                                int64_t offset) {
  if (!readable()) return ktl::Errno::kEBADF;
  return inner_->Read(memory, segments, offset);
}

ktl::Result<size_t> ForwardingDescription::Write(mm::AddressSpace& memory,
                                                 std::span<const fs::UserSegment> segments,
                                                 int64_t offset) {
  if (!writable()) return ktl::Errno::kEBADF;
  return inner_->Write(memory, segments, offset);
}

ktl::Result<void> ForwardingDescription::Stat(linux_abi::Stat* out) {
  if (inner_stat_) return inner_->Stat(out);
  return FileDescription::Stat(out);
}

ktl::Result<int64_t> ForwardingDescription::Ioctl(mm::AddressSpace& memory, uint32_t request,
                                                  uint64_t argument) {
  return inner_->Ioctl(memory, request, argument);
}

ktl::Result<int64_t> ForwardingDescription::Lseek(int64_t offset, int whence) {
  return inner_->Lseek(offset, whence);
}

ktl::Result<size_t> ForwardingDescription::ReadTo(vfs::IoBuffer& dst, int64_t offset) {
  if (!readable()) return ktl::Errno::kEBADF;
  vfs::FileDescription* inner = inner_->vfs_description();
  if (inner == nullptr) return ktl::Errno::kEINVAL;
  return inner->ReadTo(dst, offset);
}

ktl::Result<size_t> ForwardingDescription::WriteFrom(vfs::IoBuffer& src, int64_t offset) {
  if (!writable()) return ktl::Errno::kEBADF;
  vfs::FileDescription* inner = inner_->vfs_description();
  if (inner == nullptr) return ktl::Errno::kEINVAL;
  return inner->WriteFrom(src, offset);
}

}  // namespace sentry::synthetic
