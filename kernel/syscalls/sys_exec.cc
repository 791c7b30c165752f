// execve(2) and execveat(2): the checks and copies before the point of no
// return, in Linux's order (do_execveat_common): the path, opening the file
// (ENOENT, EACCES, ELOOP...), the argument strings (EFAULT, E2BIG), then
// the image (#! scripts, ENOEXEC, the ELF interpreter). Only then is the
// process changed (kernel/task/exec.cc).
#include "kernel/abi/linux.h"
#include "kernel/ktl/format.h"
#include "kernel/ktl/string.h"
#include "kernel/ktl/vector.h"
#include "kernel/loader/exec_arguments.h"
#include "kernel/loader/exec_file.h"
#include "kernel/loader/exec_prepare.h"
#include "kernel/loader/initial_stack.h"
#include "kernel/syscalls/fs_support.h"
#include "kernel/syscalls/handlers.h"
#include "kernel/task/exec.h"

namespace sentry::syscalls {
namespace {

using ktl::Errno;

constexpr uint64_t kWord = sizeof(uint64_t);

// Argument strings copied in from the app, argv's then envp's, checked
// against Linux's limits as they come (one string at most
// kMaxArgStringBytes, all of them and their pointers within `budget`).
class ArgumentCopier {
 public:
  ArgumentCopier(mm::AddressSpace& memory, uint64_t budget) : memory_(memory), budget_(budget) {}

  // Appends the strings of the NULL-terminated pointer array at `array`
  // (null: no strings); returns how many.
  ktl::Result<uint32_t> CopyArray(uint64_t array) {
    if (array == 0) return 0;
    uint32_t count = 0;
    for (;; ++count) {
      uint64_t pointer = 0;
      if (array + count * kWord < array) return Errno::kEFAULT;
      TRY(memory_.CopyIn(array + count * kWord, &pointer, kWord));
      if (pointer == 0) return count;
      TRY(CopyString(pointer));
    }
  }

  // Appends an empty string: Linux's argv[0] for an exec with no argv.
  ktl::Result<void> AddEmpty() { return Take(0); }

  std::span<const char> strings() const { return {strings_.data(), strings_.size()}; }

 private:
  ktl::Result<void> CopyString(uint64_t address) {
    if (scratch_.size() == 0) TRY(scratch_.Resize(loader::kMaxArgStringBytes));
    auto length = memory_.CopyInString(address, scratch_.data(), scratch_.size());
    if (!length.ok()) {
      return length.error() == Errno::kENAMETOOLONG ? Errno::kE2BIG : length.error();
    }
    return Take(length.value());
  }

  // Charges a string of `length` bytes in scratch_ (and its pointer) to
  // the budget and keeps it.
  ktl::Result<void> Take(size_t length) {
    uint64_t cost = length + 1 + kWord;
    if (cost > budget_) return Errno::kE2BIG;
    budget_ -= cost;
    size_t at = strings_.size();
    TRY(strings_.Resize(at + length + 1));
    if (length > 0) ktl::MemCopy(strings_.data() + at, scratch_.data(), length);
    strings_[at + length] = '\0';
    return ktl::Ok();
  }

  mm::AddressSpace& memory_;
  uint64_t budget_;
  ktl::Vector<char> scratch_;
  ktl::Vector<char> strings_;
};

ktl::Result<loader::ExecArguments> CopyInArguments(uint64_t argv, uint64_t envp) {
  Task& task = CurrentTask();
  uint64_t stack_limit = task.process().rlimit(linux_abi::kRlimitStack).cur;
  ArgumentCopier copier(task.address_space(), loader::ArgumentSpace(stack_limit));
  uint32_t argc = TRY(copier.CopyArray(argv));
  if (argc == 0) {
    // Linux 5.18+: a program never starts with argc 0.
    TRY(copier.AddEmpty());
    argc = 1;
  }
  uint32_t envc = TRY(copier.CopyArray(envp));
  return loader::ExecArguments::Copy(copier.strings(), argc, envc);
}

// bprm->filename: the path as given, or for a path relative to a real
// dirfd "/dev/fd/N/path" ("/dev/fd/N" for the fd itself).
ktl::Result<ktl::Vector<char>> ExecFilename(int dir_fd, ktl::StringView path) {
  ktl::Vector<char> name;
  bool as_given = dir_fd == kAtFdcwd || (!path.empty() && path[0] == '/');
  TRY(name.Resize(path.size() + 32));
  if (as_given) {
    ktl::FormatTo(name.data(), name.size(), "%s", path);
  } else if (path.empty()) {
    ktl::FormatTo(name.data(), name.size(), "/dev/fd/%d", dir_fd);
  } else {
    ktl::FormatTo(name.data(), name.size(), "/dev/fd/%d/%s", dir_fd, path);
  }
  return name;
}

ktl::Result<int64_t> Exec(int dir_fd, UserAddress path_address, UserAddress argv,
                          UserAddress envp, int flags) {
  constexpr uint32_t kKnownFlags = vfs::kAT_EMPTY_PATH | vfs::kAT_SYMLINK_NOFOLLOW;
  if (static_cast<uint32_t>(flags) & ~kKnownFlags) return Errno::kEINVAL;
  uint32_t at_flags = static_cast<uint32_t>(flags);
  UserPath path = TRY(UserPath::CopyIn(path_address));
  if (path.empty() && (at_flags & vfs::kAT_EMPTY_PATH) && dir_fd != kAtFdcwd) {
    // fexecve of a file outside the VFS (a stdio host file): not a regular
    // file the VFS can run.
    FdFile file = TRY(GetFileRaw(dir_fd));
    if (file.description == nullptr) return Errno::kEACCES;
  }
  FsCaller at = TRY(CallerAt(dir_fd, path.view(), at_flags & vfs::kAT_EMPTY_PATH));
  vfs::Caller caller = at.caller();
  vfs::RefPtr<loader::ExecFile> file =
      TRY(loader::OpenExecutable(Namespace(), caller, path.view(), at_flags));
  ktl::Vector<char> filename_buffer = TRY(ExecFilename(dir_fd, path.view()));
  ktl::StringView filename(filename_buffer.data());

  loader::ExecArguments arguments = TRY(CopyInArguments(argv.value, envp.value));
  // #! and PT_INTERP paths resolve from the working directory, whatever
  // the dirfd.
  FsCaller cwd = TRY(CallerAt(kAtFdcwd, "."));
  loader::ExecDiagnostic diagnostic;
  loader::PreparedExec prepared =
      TRY(loader::PrepareExec(Namespace(), cwd.caller(), std::move(file), filename,
                              std::move(arguments), &diagnostic));
  Task& task = CurrentTask();
  TRY(loader::CheckArgumentLimits(prepared.arguments, filename,
                                  task.process().rlimit(linux_abi::kRlimitStack).cur));
  ExecReplaceImage(task, prepared, filename, /*comm_from_file=*/path.empty());
  return 0;
}

}  // namespace

ktl::Result<int64_t> sys_execve(UserAddress path, UserAddress argv, UserAddress envp) {
  return Exec(kAtFdcwd, path, argv, envp, 0);
}

ktl::Result<int64_t> sys_execveat(int dir_fd, UserAddress path, UserAddress argv,
                                  UserAddress envp, int flags) {
  return Exec(dir_fd, path, argv, envp, flags);
}

}  // namespace sentry::syscalls
