#include "kernel/fs/devfs/devfs.h"

#include "kernel/fs/synthetic/synthetic.h"

namespace sentry::devfs {
namespace {

using synthetic::InodeAttr;
using vfs::RefPtr;

constexpr uint32_t kTtyGroup = 5;  // Debian's "tty" group owns tty and console
constexpr size_t kPiece = 4096;    // bytes moved per IoBuffer copy

enum class Memory { kNull, kZero, kFull, kRandom };

// An open memory device. pread/pwrite work (Linux gives these FMODE_PREAD)
// and every position is 0.
class MemoryDescription final : public vfs::FileDescription {
 public:
  MemoryDescription(Memory kind, void (*fill_random)(std::span<uint8_t>), uint32_t flags,
                    vfs::Path path)
      : FileDescription(flags, std::move(path)), kind_(kind), fill_random_(fill_random) {}

  bool seekable() const override { return true; }
  ktl::Result<int64_t> Lseek(int64_t, int) override { return 0; }

  ktl::Result<size_t> ReadTo(vfs::IoBuffer& dst, int64_t) override {
    if (!readable()) return ktl::Errno::kEBADF;
    if (kind_ == Memory::kNull) return size_t{0};
    uint8_t piece[kPiece];
    if (kind_ != Memory::kRandom) ktl::MemSet(piece, 0, sizeof(piece));
    size_t done = 0;
    while (done < dst.size()) {
      size_t length = dst.size() - done < kPiece ? dst.size() - done : kPiece;
      if (kind_ == Memory::kRandom) fill_random_(std::span<uint8_t>(piece, length));
      auto copied = dst.CopyOut(done, piece, length);
      if (!copied.ok()) {
        if (done == 0) return copied.error();
        break;
      }
      done += length;
    }
    return done;
  }

  // null, zero and random swallow everything; full has no room.
  ktl::Result<size_t> WriteFrom(vfs::IoBuffer& src, int64_t) override {
    if (!writable()) return ktl::Errno::kEBADF;
    if (kind_ == Memory::kFull) return ktl::Errno::kENOSPC;
    return src.size();
  }

 private:
  Memory kind_;
  void (*fill_random_)(std::span<uint8_t>);
};

class MemoryDevice final : public synthetic::Inode {
 public:
  MemoryDevice(synthetic::FileSystem* fs, DeviceNumber number, Memory kind,
               void (*fill_random)(std::span<uint8_t>))
      : Inode(fs, InodeAttr{vfs::kS_IFCHR | 0666, 0, 0,
                            vfs::MakeDevice(number.major, number.minor)}),
        kind_(kind), fill_random_(fill_random) {}

  ktl::Result<RefPtr<vfs::FileDescription>> Open(const vfs::Path& path,
                                                 uint32_t flags) override {
    RefPtr<vfs::FileDescription> description = RefPtr<vfs::FileDescription>::Adopt(
        new (std::nothrow) MemoryDescription(kind_, fill_random_, flags, path));
    if (!description) return ktl::Errno::kENOMEM;
    return description;
  }

 private:
  Memory kind_;
  void (*fill_random_)(std::span<uint8_t>);
};

// tty and console: the host file the HostTerminals gives, behind the node.
class TerminalDevice final : public synthetic::Inode {
 public:
  TerminalDevice(synthetic::FileSystem* fs, DeviceNumber number, uint32_t permissions,
                 HostTerminals* terminals)
      : Inode(fs, InodeAttr{vfs::kS_IFCHR | permissions, 0, kTtyGroup,
                            vfs::MakeDevice(number.major, number.minor)}),
        console_(number.minor == kConsole.minor), terminals_(terminals) {}

  ktl::Result<RefPtr<vfs::FileDescription>> Open(const vfs::Path& path,
                                                 uint32_t flags) override {
    fs::File* host = console_ ? terminals_->Console() : terminals_->Terminal();
    if (host == nullptr) return ktl::Errno::kENXIO;
    RefPtr<vfs::FileDescription> description = RefPtr<vfs::FileDescription>::Adopt(
        new (std::nothrow) synthetic::ForwardingDescription(host, flags, path,
                                                            /*inner_stat=*/false));
    host->Unref();  // the description took its own reference
    if (!description) return ktl::Errno::kENOMEM;
    return description;
  }

 private:
  bool console_;
  HostTerminals* terminals_;
};

template <typename T, typename... Args>
ktl::Result<void> AddNew(synthetic::StaticDirectory& dir, const char* name, Args&&... args) {
  RefPtr<vfs::Inode> inode = RefPtr<vfs::Inode>::Adopt(new (std::nothrow) T(args...));
  if (!inode) return ktl::Errno::kENOMEM;
  return dir.Add(name, std::move(inode));
}

ktl::Result<void> AddLink(synthetic::FileSystem* fs, synthetic::StaticDirectory& dir,
                          const char* name, const char* target) {
  RefPtr<synthetic::Symlink> link = TRY(synthetic::Symlink::Make(fs, target));
  return dir.Add(name, std::move(link));
}

}  // namespace

ktl::Result<RefPtr<vfs::Inode>> Create(const Options& options) {
  if (options.fill_random == nullptr || options.terminals == nullptr) {
    return ktl::Errno::kEINVAL;
  }
  auto* fs = new (std::nothrow) synthetic::FileSystem("devtmpfs", options.mount_time);
  if (fs == nullptr) return ktl::Errno::kENOMEM;
  auto root = RefPtr<synthetic::StaticDirectory>::Adopt(
      new (std::nothrow) synthetic::StaticDirectory(fs, 0755));
  fs->Unref();  // the inodes hold the file system now
  if (!root) return ktl::Errno::kENOMEM;
  synthetic::StaticDirectory& dir = *root;
  struct {
    const char* name;
    DeviceNumber number;
    Memory kind;
  } const memories[] = {
      {"null", kNull, Memory::kNull},       {"zero", kZero, Memory::kZero},
      {"full", kFull, Memory::kFull},       {"random", kRandom, Memory::kRandom},
      {"urandom", kUrandom, Memory::kRandom},
  };
  for (const auto& memory : memories) {
    TRY(AddNew<MemoryDevice>(dir, memory.name, fs, memory.number, memory.kind,
                             options.fill_random));
  }
  TRY(AddNew<TerminalDevice>(dir, "tty", fs, kTty, 0666u, options.terminals));
  TRY(AddNew<TerminalDevice>(dir, "console", fs, kConsole, 0620u, options.terminals));
  TRY(AddLink(fs, dir, "fd", "/proc/self/fd"));
  TRY(AddLink(fs, dir, "stdin", "/proc/self/fd/0"));
  TRY(AddLink(fs, dir, "stdout", "/proc/self/fd/1"));
  TRY(AddLink(fs, dir, "stderr", "/proc/self/fd/2"));
  TRY(dir.AddDirectory("shm", 01777));
  TRY(dir.AddDirectory("pts", 0755));
  return RefPtr<vfs::Inode>(std::move(root));
}

}  // namespace sentry::devfs
