// Shared fixture for the VFS and tmpfs unit tests: a Vfs whose root is a
// tmpfs with a fake clock and heap pages, and helpers to act as root or as
// an unprivileged user.
#ifndef RINGFENCE_TESTS_UNIT_KERNEL_VFS_TEST_FIXTURE_H_
#define RINGFENCE_TESTS_UNIT_KERNEL_VFS_TEST_FIXTURE_H_

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kernel/fs/tmpfs/tmpfs.h"
#include "kernel/vfs/vfs.h"

namespace sentry::vfs::testing {

class FakeClock final : public Clock {
 public:
  Timespec Now() override { return now; }
  void Advance(int64_t seconds) { now.tv_sec += seconds; }
  Timespec now{1000000, 0};
};

template <typename T>
ktl::Errno ErrorOf(const ktl::Result<T>& result) {
  return result.ok() ? ktl::Errno{0} : result.error();
}

inline bool SameTime(const Timespec& a, const Timespec& b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

class VfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmpfs::Options options;
    options.clock = &clock_;
    options.pages = &pages_;
    options.root_mode = 0755;
    auto root = tmpfs::Create(options);
    ASSERT_TRUE(root.ok());
    ASSERT_TRUE(vfs_.MountRoot(std::move(root).value(), 0).ok());
    root_ = vfs_.root();
    cwd_ = root_;
  }

  // A fresh tmpfs root (to mount somewhere).
  RefPtr<Inode> NewTmpfs(uint64_t max_bytes = 0, uint32_t mode = 0755) {
    tmpfs::Options options;
    options.clock = &clock_;
    options.pages = &pages_;
    options.max_bytes = max_bytes;
    options.root_mode = mode;
    auto root = tmpfs::Create(options);
    EXPECT_TRUE(root.ok());
    return std::move(root).value();
  }

  // pwrite/pread through a description, checked for errors.
  static size_t WriteAt(FileDescription& f, const std::string& data, int64_t offset) {
    KernelIoBuffer io(static_cast<const void*>(data.data()), data.size());
    auto n = f.WriteFrom(io, offset);
    EXPECT_TRUE(n.ok()) << ktl::ErrnoName(ErrorOf(n));
    return n.ok() ? n.value() : 0;
  }
  static std::string ReadAt(FileDescription& f, size_t length, int64_t offset) {
    std::string out(length, '?');
    KernelIoBuffer io(static_cast<void*>(out.data()), length);
    auto n = f.ReadTo(io, offset);
    EXPECT_TRUE(n.ok());
    out.resize(n.ok() ? n.value() : 0);
    return out;
  }

  // The caller as root (or `creds`) with cwd_ as the start directory.
  Caller As(const Credentials& creds) { return Caller{root_, cwd_, creds, 022}; }
  Caller AsRoot() { return As(root_creds_); }
  Caller From(const Path& start, const Credentials& creds) {
    return Caller{root_, start, creds, 022};
  }

  ktl::Errno Mkdir(const char* path, uint32_t mode = 0755) {
    return ErrorOf(vfs_.Mkdir(AsRoot(), path, mode));
  }
  ktl::Errno Symlink(const char* target, const char* path) {
    return ErrorOf(vfs_.Symlink(target, AsRoot(), path));
  }
  ktl::Errno Unlink(const char* path) { return ErrorOf(vfs_.Unlink(AsRoot(), path)); }
  ktl::Errno Rmdir(const char* path) { return ErrorOf(vfs_.Rmdir(AsRoot(), path)); }
  ktl::Errno Rename(const char* from, const char* to, uint32_t flags = 0) {
    return ErrorOf(vfs_.Rename(AsRoot(), from, AsRoot(), to, flags));
  }
  // Creates (or truncates) `path` holding `data`, as root.
  ktl::Errno WriteFile(const char* path, const std::string& data, uint32_t mode = 0644) {
    return WriteFileAs(root_creds_, path, data, mode);
  }
  ktl::Errno WriteFileAs(const Credentials& creds, const char* path, const std::string& data,
                         uint32_t mode = 0644) {
    auto file = vfs_.Open(As(creds), path, kO_CREAT | kO_WRONLY | kO_TRUNC, mode);
    if (!file.ok()) return file.error();
    KernelIoBuffer buffer(static_cast<const void*>(data.data()), data.size());
    auto written = file.value()->WriteFrom(buffer, -1);
    if (!written.ok()) return written.error();
    EXPECT_EQ(written.value(), data.size());
    return ktl::Errno{0};
  }
  // The whole content of `path` (empty on error; see `error`).
  std::string ReadFile(const char* path, ktl::Errno* error = nullptr) {
    auto file = vfs_.Open(AsRoot(), path, kO_RDONLY, 0);
    if (error) *error = ErrorOf(file);
    if (!file.ok()) return "";
    return ReadAll(*file.value());
  }
  static std::string ReadAll(FileDescription& file) {
    std::string out;
    char chunk[1000];
    for (;;) {
      KernelIoBuffer buffer(static_cast<void*>(chunk), sizeof(chunk));
      auto got = file.ReadTo(buffer, -1);
      EXPECT_TRUE(got.ok());
      if (!got.ok() || got.value() == 0) break;
      out.append(chunk, got.value());
    }
    return out;
  }
  Attr StatOf(const char* path, uint32_t at_flags = 0) {
    auto attr = vfs_.Stat(AsRoot(), path, at_flags);
    EXPECT_TRUE(attr.ok()) << path << ": " << ktl::ErrnoName(ErrorOf(attr));
    return attr.ok() ? attr.value() : Attr{};
  }
  ktl::Errno StatError(const char* path, uint32_t at_flags = 0) {
    return ErrorOf(vfs_.Stat(AsRoot(), path, at_flags));
  }
  Path Resolve(const char* path) {
    auto p = vfs_.Resolve(AsRoot(), path, 0);
    EXPECT_TRUE(p.ok()) << path;
    return p.ok() ? p.value() : Path();
  }
  // The names a directory lists, in getdents order ("." and ".." included).
  std::vector<std::string> List(const char* path) {
    std::vector<std::string> names;
    auto dir = vfs_.Open(AsRoot(), path, kO_RDONLY | kO_DIRECTORY, 0);
    EXPECT_TRUE(dir.ok());
    if (!dir.ok()) return names;
    for (;;) {
      alignas(8) char buffer[512];
      KernelIoBuffer io(static_cast<void*>(buffer), sizeof(buffer));
      auto got = dir.value()->Getdents64(io);
      EXPECT_TRUE(got.ok());
      if (!got.ok() || got.value() == 0) break;
      for (size_t at = 0; at < got.value();) {
        uint16_t reclen;
        memcpy(&reclen, buffer + at + 16, 2);
        names.emplace_back(buffer + at + 19);
        at += reclen;
      }
    }
    return names;
  }

  FakeClock clock_;
  tmpfs::HeapPageSource pages_;
  Vfs vfs_;
  Path root_;
  Path cwd_;
  Credentials root_creds_ = Credentials::Root();
};

}  // namespace sentry::vfs::testing

#endif  // RINGFENCE_TESTS_UNIT_KERNEL_VFS_TEST_FIXTURE_H_
