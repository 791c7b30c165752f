#include "kernel/fs/procfs/procfs.h"

#include "kernel/fs/procfs/proc_files.h"
#include "kernel/fs/synthetic/synthetic.h"
#include "kernel/task/process_registry.h"

namespace sentry::procfs {
namespace {

using synthetic::Entry;
using synthetic::InodeAttr;
using synthetic::StaticDirectory;
using vfs::RefPtr;

// "123" -> 123; -1 for anything that is not a canonical decimal number.
int64_t ParseNumber(ktl::StringView name) {
  if (name.empty() || name.size() > 9 || (name[0] == '0' && name.size() > 1)) return -1;
  int64_t value = 0;
  for (char c : name) {
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

// The reader's root: /proc links show paths as the reading process sees them.
const vfs::Path& ReaderRoot() { return CurrentTask().process().fs_context().root; }

// Appends the path of `path` as the reader sees it.
ktl::Result<void> AppendPathName(const vfs::Path& path, ktl::Vector<char>* out) {
  ktl::Vector<char> buffer;
  TRY(buffer.Resize(vfs::kPathMax));
  size_t length = TRY(vfs::PathNameLocked(ReaderRoot(), path, {buffer.data(), buffer.size()}));
  return synthetic::Append(out, ktl::StringView(buffer.data(), length));
}

template <typename T, typename... Args>
ktl::Result<RefPtr<T>> New(Args&&... args) {
  auto object = RefPtr<T>::Adopt(new (std::nothrow) T(static_cast<Args&&>(args)...));
  if (!object) return ktl::Errno::kENOMEM;
  return object;
}

// A file of /proc/<pid>/ (ESRCH once the process is gone, as Linux).
class ProcessFile final : public synthetic::GeneratedFile {
 public:
  ProcessFile(synthetic::FileSystem* fs, int32_t pid, ProcessGenerator generate,
              uint32_t permissions)
      : GeneratedFile(fs, permissions), pid_(pid), generate_(generate) {}

  ktl::Result<void> Generate(ktl::Vector<char>* out) override {
    Process* process = FindProcess(pid_);
    if (process == nullptr) return ktl::Errno::kESRCH;
    return generate_(*process, out);
  }

 private:
  int32_t pid_;
  ProcessGenerator generate_;
};

// fdinfo/<fd>.
class FdInfoFile final : public synthetic::GeneratedFile {
 public:
  FdInfoFile(synthetic::FileSystem* fs, int32_t pid, int fd)
      : GeneratedFile(fs, 0444), pid_(pid), fd_(fd) {}

  ktl::Result<void> Generate(ktl::Vector<char>* out) override {
    Process* process = FindProcess(pid_);
    if (process == nullptr) return ktl::Errno::kESRCH;
    return GenerateFdInfo(*process, fd_, out);
  }

 private:
  int32_t pid_;
  int fd_;
};

// A system-wide file.
class SystemFile final : public synthetic::GeneratedFile {
 public:
  using Generator = ktl::Result<void> (*)(Text* out);
  SystemFile(synthetic::FileSystem* fs, Generator generate)
      : GeneratedFile(fs, 0444), generate_(generate) {}
  ktl::Result<void> Generate(ktl::Vector<char>* out) override { return generate_(out); }

 private:
  Generator generate_;
};

// /proc/self: the reader's pid.
class SelfLink final : public synthetic::Inode {
 public:
  explicit SelfLink(synthetic::FileSystem* fs) : Inode(fs, InodeAttr{vfs::kS_IFLNK | 0777}) {}
  ktl::Result<void> Readlink(ktl::Vector<char>* out) override {
    return synthetic::Appendf(out, "%d", CurrentTask().process().pid());
  }
};

// A stdio file the VMM holds (no VFS path): what following fd/N to it
// reaches. Opening it shares the host file; stat shows the host file.
class HostFileInode final : public synthetic::Inode {
 public:
  HostFileInode(synthetic::FileSystem* fs, fs::File* file, uint32_t mode)
      : Inode(fs, InodeAttr{mode}), file_(file) {
    file_->Ref();
  }
  ~HostFileInode() override { file_->Unref(); }

  vfs::Attr Getattr() override {
    vfs::Attr attr = Inode::Getattr();
    linux_abi::Stat stat;
    if (file_->Stat(&stat).ok()) {
      attr.mode = stat.mode;
      attr.uid = stat.uid;
      attr.gid = stat.gid;
      attr.ino = stat.ino;
      attr.size = static_cast<uint64_t>(stat.size);
    }
    return attr;
  }

  ktl::Result<RefPtr<vfs::FileDescription>> Open(const vfs::Path& path,
                                                 uint32_t flags) override {
    RefPtr<vfs::FileDescription> description = RefPtr<vfs::FileDescription>::Adopt(
        new (std::nothrow) synthetic::ForwardingDescription(file_, flags, path,
                                                            /*inner_stat=*/true));
    if (!description) return ktl::Errno::kENOMEM;
    return description;
  }

 private:
  fs::File* file_;
};

// The readlink text Linux gives a file that has no path.
ktl::Result<void> AppendAnonymousName(fs::File& file, ktl::Vector<char>* out) {
  if (const char* name = file.AnonymousName()) {
    return synthetic::Appendf(out, "anon_inode:[%s]", name);
  }
  linux_abi::Stat stat;
  TRY(file.Stat(&stat));
  uint32_t type = stat.mode & vfs::kS_IFMT;
  if (type == vfs::kS_IFIFO) return synthetic::Appendf(out, "pipe:[%u]", stat.ino);
  if (type == vfs::kS_IFSOCK) return synthetic::Appendf(out, "socket:[%u]", stat.ino);
  // The host path is not the sandbox's to know (gVisor shows host files so too).
  return synthetic::Appendf(out, "host:[%u]", stat.ino);
}

// fd/<fd>: a magic link to whatever the descriptor refers to. Looked up
// afresh at each use: after close(fd) it is ENOENT, after a new open it
// names the new file.
class FdLink final : public synthetic::Inode {
 public:
  FdLink(synthetic::FileSystem* fs, int32_t pid, int fd)
      : Inode(fs, InodeAttr{vfs::kS_IFLNK | 0700}), pid_(pid), fd_(fd) {}

  bool IsMagicLink() const override { return true; }

  // As Linux: the owner's r-x/-wx bits follow the descriptor's access mode,
  // and the size is 64.
  vfs::Attr Getattr() override {
    vfs::Attr attr = Inode::Getattr();
    attr.size = 64;
    auto file = File();
    if (file.ok()) {
      attr.mode = vfs::kS_IFLNK | (file.value()->readable() ? 0500 : 0) |
                  (file.value()->writable() ? 0300 : 0);
    }
    return attr;
  }

  ktl::Result<void> Readlink(ktl::Vector<char>* out) override {
    fs::FileRef file = TRY(File());
    if (vfs::FileDescription* description = file->vfs_description()) {
      return AppendPathName(description->path(), out);
    }
    return AppendAnonymousName(*file, out);
  }

  ktl::Result<vfs::Path> JumpTarget(const vfs::Path& link) override {
    fs::FileRef file = TRY(File());
    if (vfs::FileDescription* description = file->vfs_description()) {
      return vfs::Path(description->path());
    }
    linux_abi::Stat stat;
    TRY(file->Stat(&stat));
    RefPtr<HostFileInode> inode =
        TRY(New<HostFileInode>(&synthetic_fs(), file.get(), static_cast<uint32_t>(stat.mode)));
    vfs::Path target;
    target.mount = link.mount;
    target.dentry = vfs::Dentry::MakeRoot(std::move(inode));
    if (!target.dentry) return ktl::Errno::kENOMEM;
    return target;
  }

 private:
  ktl::Result<fs::FileRef> File() {
    Process* process = FindProcess(pid_);
    if (process == nullptr) return ktl::Errno::kENOENT;
    auto file = process->files().Get(fd_);
    if (!file.ok()) return ktl::Errno::kENOENT;
    return std::move(file).value();
  }

  int32_t pid_;
  int fd_;
};

// fd/ and fdinfo/.
class FdDirectory final : public synthetic::Directory {
 public:
  FdDirectory(synthetic::FileSystem* fs, int32_t pid, bool info, uint32_t uid, uint32_t gid)
      : Directory(fs, 0500, uid, gid), pid_(pid), info_(info) {}

  ktl::Result<RefPtr<vfs::Inode>> Lookup(ktl::StringView name) override {
    int64_t fd = ParseNumber(name);
    Process* process = FindProcess(pid_);
    if (fd < 0 || process == nullptr || !process->files().Get(static_cast<int>(fd)).ok()) {
      return ktl::Errno::kENOENT;
    }
    if (info_) {
      return RefPtr<vfs::Inode>(TRY(New<FdInfoFile>(&synthetic_fs(), pid_, static_cast<int>(fd))));
    }
    return RefPtr<vfs::Inode>(TRY(New<FdLink>(&synthetic_fs(), pid_, static_cast<int>(fd))));
  }

  ktl::Result<void> List(ktl::Vector<Entry>* out) override {
    Process* process = FindProcess(pid_);
    if (process == nullptr) return ktl::Errno::kENOENT;
    fs::FdTable& files = process->files();
    uint32_t mode = info_ ? vfs::kS_IFREG : vfs::kS_IFLNK;
    for (size_t fd = 0; fd < files.slot_count(); ++fd) {
      if (!files.Get(static_cast<int>(fd)).ok()) continue;
      char name[16];
      ktl::FormatTo(name, sizeof(name), "%u", fd);
      Entry entry;
      synthetic::MakeEntry(name, synthetic::DerivedIno(ino(), fd), mode, &entry);
      TRY(out->PushBack(entry));
    }
    return ktl::Ok();
  }

 private:
  int32_t pid_;
  bool info_;
};

// exe, cwd and root. cwd and root are magic; exe is the exec'd path as
// text until executables come from the VFS (exec then records the Path
// and exe becomes magic too).
class ProcessLink final : public synthetic::Inode {
 public:
  enum class Kind { kExe, kCwd, kRoot };
  ProcessLink(synthetic::FileSystem* fs, int32_t pid, Kind kind)
      : Inode(fs, InodeAttr{vfs::kS_IFLNK | 0777}), pid_(pid), kind_(kind) {}

  bool IsMagicLink() const override { return kind_ != Kind::kExe; }

  ktl::Result<void> Readlink(ktl::Vector<char>* out) override {
    Process* process = FindProcess(pid_);
    if (process == nullptr) return ktl::Errno::kENOENT;
    if (kind_ == Kind::kExe) return synthetic::Append(out, process->executable());
    return AppendPathName(Target(*process), out);
  }

  // The directory itself: ".." from it is resolved by the walker, which
  // stops at the reader's root, so /proc/self/root/.. is the root again.
  ktl::Result<vfs::Path> JumpTarget(const vfs::Path&) override {
    Process* process = FindProcess(pid_);
    if (process == nullptr) return ktl::Errno::kENOENT;
    return vfs::Path(Target(*process));
  }

 private:
  const vfs::Path& Target(Process& process) const {
    return kind_ == Kind::kCwd ? process.fs_context().cwd : process.fs_context().root;
  }

  int32_t pid_;
  Kind kind_;
};

ktl::Result<RefPtr<StaticDirectory>> MakeProcessDirectory(synthetic::FileSystem* fs,
                                                          int32_t pid, Process& process) {
  const Credentials& creds = process.credentials();
  auto dir = TRY(New<StaticDirectory>(fs, 0555u, creds.euid, creds.egid));
  struct FileSpec {
    const char* name;
    ProcessGenerator generate;
    uint32_t permissions;
  };
  static constexpr FileSpec kFiles[] = {
      {"status", GenerateStatus, 0444},       {"stat", GenerateStat, 0444},
      {"statm", GenerateStatm, 0444},         {"cmdline", GenerateCmdline, 0444},
      {"environ", GenerateEnviron, 0400},     {"comm", GenerateComm, 0644},
      {"maps", GenerateMaps, 0444},           {"limits", GenerateLimits, 0444},
      {"mounts", GenerateMounts, 0444},       {"mountinfo", GenerateMountInfo, 0444},
  };
  for (const FileSpec& spec : kFiles) {
    TRY(dir->Add(spec.name, TRY(New<ProcessFile>(fs, pid, spec.generate, spec.permissions))));
  }
  TRY(dir->Add("exe", TRY(New<ProcessLink>(fs, pid, ProcessLink::Kind::kExe))));
  TRY(dir->Add("cwd", TRY(New<ProcessLink>(fs, pid, ProcessLink::Kind::kCwd))));
  TRY(dir->Add("root", TRY(New<ProcessLink>(fs, pid, ProcessLink::Kind::kRoot))));
  TRY(dir->Add("fd", TRY(New<FdDirectory>(fs, pid, false, creds.euid, creds.egid))));
  TRY(dir->Add("fdinfo", TRY(New<FdDirectory>(fs, pid, true, creds.euid, creds.egid))));
  return dir;
}

// /proc: the fixed entries, then one directory per live process.
class RootDirectory final : public synthetic::Directory {
 public:
  RootDirectory(synthetic::FileSystem* fs, RefPtr<StaticDirectory> fixed)
      : Directory(fs, 0555), fixed_(std::move(fixed)) {}

  ktl::Result<RefPtr<vfs::Inode>> Lookup(ktl::StringView name) override {
    int64_t pid = ParseNumber(name);
    if (pid < 0) return fixed_->Lookup(name);
    Process* process = FindProcess(static_cast<int32_t>(pid));
    if (process == nullptr) return ktl::Errno::kENOENT;
    return RefPtr<vfs::Inode>(
        TRY(MakeProcessDirectory(&synthetic_fs(), static_cast<int32_t>(pid), *process)));
  }

  ktl::Result<void> List(ktl::Vector<Entry>* out) override {
    TRY(fixed_->List(out));
    ktl::Result<void> listed = ktl::Ok();
    ForEachProcess([&](int32_t pid, Process*) {
      char name[16];
      ktl::FormatTo(name, sizeof(name), "%d", pid);
      Entry entry;
      synthetic::MakeEntry(name, synthetic::DerivedIno(ino(), static_cast<uint64_t>(pid)),
                           vfs::kS_IFDIR, &entry);
      listed = out->PushBack(entry);
      return listed.ok();
    });
    return listed;
  }

  uint32_t SubdirectoryCount() override {
    return fixed_->SubdirectoryCount() + static_cast<uint32_t>(ProcessCount());
  }

 private:
  RefPtr<StaticDirectory> fixed_;
};

ktl::Result<void> AddSystemFile(synthetic::FileSystem* fs, StaticDirectory& dir,
                                const char* name, SystemFile::Generator generate) {
  return dir.Add(name, TRY(New<SystemFile>(fs, generate)));
}

ktl::Result<void> BuildFixedEntries(synthetic::FileSystem* fs, StaticDirectory& fixed) {
  TRY(fixed.Add("self", TRY(New<SelfLink>(fs))));
  TRY(fixed.Add("mounts", TRY(synthetic::Symlink::Make(fs, "self/mounts"))));
  struct {
    const char* name;
    SystemFile::Generator generate;
  } const files[] = {
      {"cpuinfo", GenerateCpuinfo},   {"meminfo", GenerateMeminfo},
      {"stat", GenerateSystemStat},   {"uptime", GenerateUptime},
      {"loadavg", GenerateLoadavg},   {"version", GenerateVersion},
      {"filesystems", GenerateFilesystems},
  };
  for (const auto& file : files) TRY(AddSystemFile(fs, fixed, file.name, file.generate));
  RefPtr<StaticDirectory> sys = TRY(fixed.AddDirectory("sys"));
  RefPtr<StaticDirectory> kernel = TRY(sys->AddDirectory("kernel"));
  TRY(AddSystemFile(fs, *kernel, "hostname", GenerateHostname));
  TRY(AddSystemFile(fs, *kernel, "ostype", GenerateOstype));
  TRY(AddSystemFile(fs, *kernel, "osrelease", GenerateOsrelease));
  return ktl::Ok();
}

}  // namespace

ktl::Result<RefPtr<vfs::Inode>> Create(const Options& options) {
  SetSystemOptions(options);
  auto* fs = new (std::nothrow) synthetic::FileSystem("proc", options.mount_time);
  if (fs == nullptr) return ktl::Errno::kENOMEM;
  auto fixed = New<StaticDirectory>(fs, 0555u);
  fs->Unref();  // the inodes hold the file system now
  if (!fixed.ok()) return fixed.error();
  TRY(BuildFixedEntries(fs, *fixed.value()));
  RefPtr<RootDirectory> root = TRY(New<RootDirectory>(fs, std::move(fixed).value()));
  return RefPtr<vfs::Inode>(std::move(root));
}

}  // namespace sentry::procfs
