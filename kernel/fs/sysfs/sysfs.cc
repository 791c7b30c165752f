#include "kernel/fs/sysfs/sysfs.h"

#include "kernel/fs/synthetic/synthetic.h"

namespace sentry::sysfs {
namespace {

using synthetic::StaticDirectory;
using vfs::RefPtr;

// A file holding one line of text made at build time (the CPU range).
ktl::Result<void> AddText(synthetic::FileSystem* fs, StaticDirectory& dir, const char* name,
                          const char* text) {
  RefPtr<synthetic::ConstantFile> file = TRY(synthetic::ConstantFile::Make(fs, text));
  return dir.Add(name, std::move(file));
}

// The CPU list format of online/possible/present: "0" or "0-3".
struct CpuRange {
  char text[24];
};
CpuRange FormatCpuRange(uint32_t count) {
  CpuRange range;
  if (count <= 1) {
    ktl::FormatTo(range.text, sizeof(range.text), "0\n");
  } else {
    ktl::FormatTo(range.text, sizeof(range.text), "0-%u\n", count - 1);
  }
  return range;
}

ktl::Result<void> BuildCpus(synthetic::FileSystem* fs, StaticDirectory& cpu, uint32_t count) {
  CpuRange range = FormatCpuRange(count);
  for (const char* name : {"online", "possible", "present"}) {
    TRY(AddText(fs, cpu, name, range.text));
  }
  for (uint32_t i = 0; i < count; ++i) {
    char name[16];
    ktl::FormatTo(name, sizeof(name), "cpu%u", i);
    TRY(cpu.AddDirectory(name, 0755));
  }
  return ktl::Ok();
}

}  // namespace

ktl::Result<RefPtr<vfs::Inode>> Create(const Options& options) {
  if (options.cpu_count == 0) return ktl::Errno::kEINVAL;
  auto* fs = new (std::nothrow) synthetic::FileSystem("sysfs", options.mount_time);
  if (fs == nullptr) return ktl::Errno::kENOMEM;
  auto root = RefPtr<StaticDirectory>::Adopt(new (std::nothrow) StaticDirectory(fs, 0555));
  fs->Unref();  // the inodes hold the file system now
  if (!root) return ktl::Errno::kENOMEM;

  RefPtr<StaticDirectory> devices = TRY(root->AddDirectory("devices", 0755));
  RefPtr<StaticDirectory> system = TRY(devices->AddDirectory("system", 0755));
  RefPtr<StaticDirectory> cpu = TRY(system->AddDirectory("cpu", 0755));
  TRY(BuildCpus(fs, *cpu, options.cpu_count));

  RefPtr<StaticDirectory> kernel = TRY(root->AddDirectory("kernel", 0755));
  RefPtr<StaticDirectory> mm = TRY(kernel->AddDirectory("mm", 0755));
  RefPtr<StaticDirectory> thp = TRY(mm->AddDirectory("transparent_hugepage", 0755));
  // The Sentry backs memory with 4 KiB pages only.
  TRY(AddText(fs, *thp, "enabled", "always madvise [never]\n"));
  TRY(AddText(fs, *thp, "defrag", "always defer defer+madvise madvise [never]\n"));

  RefPtr<StaticDirectory> fs_dir = TRY(root->AddDirectory("fs", 0755));
  TRY(fs_dir->AddDirectory("cgroup", 0755));
  return RefPtr<vfs::Inode>(std::move(root));
}

}  // namespace sentry::sysfs
