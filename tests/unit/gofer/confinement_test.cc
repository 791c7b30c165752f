// The confined Gofer, in forked children: mount namespace + pivot_root,
// the seccomp allow-list, and RunGofer end to end. Needs root (skipped
// otherwise, with a message).
#include "gofer/confinement.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <string>

#include "gofer/client.h"
#include "gofer/seccomp_policy.h"
#include "gtest/gtest.h"
#include "tests/unit/gofer/test_util.h"

namespace ringfence::gofer::testing {
namespace {

// Runs `body` in a forked child; returns its wait status. The child exits
// with body()'s value (0 = pass) and never returns into gtest.
int RunInChild(const std::function<int()>& body) {
  pid_t pid = fork();
  if (pid == 0) _exit(body());
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

bool ExitedWith(int status, int code) {
  return WIFEXITED(status) && WEXITSTATUS(status) == code;
}

bool KilledBySigsys(int status) {
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS;
}

class ConfinementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) {
      GTEST_SKIP() << "confinement tests need root (mount namespaces)";
    }
    temp_ = std::make_unique<TempDir>();
    root_ = temp_->Path("root");
    ASSERT_EQ(mkdir(root_.c_str(), 0755), 0);
    ASSERT_EQ(mkdir((root_ + "/dir").c_str(), 0755), 0);
    WriteFile(root_ + "/dir/file", "inside");
    WriteFile(temp_->Path("secret"), "outside");
    // Can this machine make a mount namespace at all (e.g. inside a
    // container without CAP_SYS_ADMIN)?
    int status = RunInChild([] { return unshare(CLONE_NEWNS) == 0 ? 0 : 1; });
    if (!ExitedWith(status, 0)) GTEST_SKIP() << "unshare(CLONE_NEWNS) refused";
  }
  std::unique_ptr<TempDir> temp_;
  std::string root_;
};

TEST_F(ConfinementTest, PivotRootHidesTheHost) {
  const std::string secret = temp_->Path("secret");
  int status = RunInChild([&] {
    RootChange how;
    absl::StatusOr<UniqueFd> root = ConfineToRoot(root_, false, &how);
    if (!root.ok()) return 10;
    if (how != RootChange::kPivotRoot) return 11;
    struct stat st_root, st_up, st_file;
    // "/" is the old root_, "/.." is "/" again, the host is gone.
    if (stat("/", &st_root) != 0 || stat("/..", &st_up) != 0) return 12;
    if (st_root.st_ino != st_up.st_ino) return 13;
    if (stat("/dir/file", &st_file) != 0) return 14;
    if (access(secret.c_str(), F_OK) == 0) return 15;
    if (access("/etc/passwd", F_OK) == 0) return 16;
    // A directory fd inside, then ".." repeatedly: never above the root.
    int dir = openat(root->get(), "dir", O_PATH | O_DIRECTORY);
    if (dir < 0) return 17;
    int up = openat(dir, "../../../..", O_PATH | O_DIRECTORY);
    if (up < 0) return 18;
    struct stat st_top;
    if (fstat(up, &st_top) != 0 || st_top.st_ino != st_root.st_ino) return 19;
    // Mounts below the served root are not carried over, and nosuid/nodev
    // hold (mknod of a device would fail anyway without the capability).
    return 0;
  });
  EXPECT_TRUE(ExitedWith(status, 0)) << "child status " << status;
}

TEST_F(ConfinementTest, ReadOnlyRootIsMountedReadOnly) {
  int status = RunInChild([&] {
    RootChange how;
    if (!ConfineToRoot(root_, true, &how).ok()) return 10;
    if (mkdir("/newdir", 0755) == 0 || errno != EROFS) return 11;
    return 0;
  });
  EXPECT_TRUE(ExitedWith(status, 0)) << "child status " << status;
}

TEST_F(ConfinementTest, SeccompKillsNetworkAndPathOpens) {
  struct Probe {
    const char* what;
    std::function<void()> call;
  };
  std::vector<Probe> forbidden = {
      {"socket", [] { socket(AF_INET, SOCK_STREAM, 0); }},
      {"socket unix", [] { socket(AF_UNIX, SOCK_STREAM, 0); }},
      {"openat AT_FDCWD",
       [] { openat(AT_FDCWD, "/etc/passwd", O_RDONLY | O_NOFOLLOW); }},
      {"openat following", [] { openat(3, "x", O_RDONLY); }},
      {"execve", [] { execl("/bin/true", "true", nullptr); }},
      {"fork", [] { syscall(SYS_fork); }},
      {"chroot", [] { chroot("/"); }},
      {"mount", [] { mount("none", "/", "tmpfs", 0, nullptr); }},
      {"mknodat char", [] { mknodat(3, "c", S_IFCHR | 0600, makedev(1, 3)); }},
      {"sendmsg other fd",
       [] {
         struct msghdr m = {};
         sendmsg(7, &m, 0);
       }},
  };
  for (const Probe& p : forbidden) {
    int status = RunInChild([&] {
      if (!GoferPolicy(/*socket_fd=*/5, /*read_only=*/false).Install().ok()) {
        return 10;
      }
      p.call();
      return 0;  // survived: the filter let it through
    });
    EXPECT_TRUE(KilledBySigsys(status)) << p.what << ": status " << status;
  }
  // Read-only: no mutation syscalls at all.
  int status = RunInChild([&] {
    if (!GoferPolicy(5, /*read_only=*/true).Install().ok()) return 10;
    mkdirat(3, "x", 0755);
    return 0;
  });
  EXPECT_TRUE(KilledBySigsys(status)) << "read-only mkdirat: " << status;
  // And what the server needs still works under the filter.
  status = RunInChild([&] {
    int dir = open(root_.c_str(), O_PATH | O_DIRECTORY);
    if (!GoferPolicy(5, false).Install().ok()) return 10;
    int fd = openat(dir, "dir", O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return 11;
    struct stat st;
    if (fstatat(fd, "", &st, AT_EMPTY_PATH) != 0) return 12;
    if (mkdirat(fd, "made", 0755) != 0) return 13;
    if (unlinkat(fd, "made", AT_REMOVEDIR) != 0) return 14;
    close(fd);
    return 0;
  });
  EXPECT_TRUE(ExitedWith(status, 0)) << "allowed calls: status " << status;
}

// RunGofer end to end in a child, with this process as the VMM side.
class RunGoferTest : public ConfinementTest {
 protected:
  void StartGofer(bool read_only) {
    int sv[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    pid_ = fork();
    if (pid_ == 0) {
      close(sv[0]);
      GoferConfig config{.root = root_, .read_only = read_only};
      absl::Status s = RunGofer(sv[1], config);
      _exit(s.ok() ? 0 : 1);
    }
    close(sv[1]);
    socket_.reset(sv[0]);
    client_ = std::make_unique<GoferClient>(socket_.get());
  }
  // Hangs up and expects a clean exit.
  void StopGofer() {
    client_.reset();
    socket_.reset();
    int status = 0;
    waitpid(pid_, &status, 0);
    EXPECT_TRUE(ExitedWith(status, 0)) << "gofer status " << status;
  }
  pid_t pid_ = -1;
  UniqueFd socket_;
  std::unique_ptr<GoferClient> client_;
};

TEST_F(RunGoferTest, ServesUnderConfinement) {
  StartGofer(false);
  absl::StatusOr<AttachReply> attach = client_->Attach();
  ASSERT_TRUE(attach.ok()) << attach.status();
  std::vector<std::string> names = {"dir", "file"};
  absl::StatusOr<WalkReply> walk = client_->Walk(attach->fid, names);
  ASSERT_TRUE(walk.ok()) << walk.status();
  absl::StatusOr<OpenedFile> file = client_->Open(walk->fid, O_RDONLY);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(ReadFd(file->fd.get()), "inside");
  // Mutations work through the filter.
  absl::StatusOr<CreatedFile> created =
      client_->Create(attach->fid, "made", O_RDWR, 0644);
  ASSERT_TRUE(created.ok()) << created.status();
  absl::StatusOr<NodeReply> dir = client_->Mkdir(attach->fid, "d", 0755);
  ASSERT_TRUE(dir.ok()) << dir.status();
  EXPECT_TRUE(client_->Rename(attach->fid, "made", dir->fid, "m").ok());
  EXPECT_TRUE(client_->Getdents(attach->fid, 0).ok());
  EXPECT_TRUE(client_->Statfs(attach->fid).ok());
  SetattrRequest sa{.fid = walk->fid,
                    .mask = kSetattrMode | kSetattrMtime,
                    .mode = 0600,
                    .atime = {},
                    .mtime = {0, UTIME_NOW}};
  EXPECT_TRUE(client_->Setattr(sa).ok());
  absl::StatusOr<NodeReply> sym = client_->Symlink(attach->fid, "up", "..");
  ASSERT_TRUE(sym.ok());
  EXPECT_TRUE(client_->Readlink(sym->fid).ok());
  EXPECT_TRUE(client_->Unlink(attach->fid, "up").ok());
  struct stat st;
  EXPECT_EQ(stat((root_ + "/d/m").c_str(), &st), 0);
  StopGofer();
}

TEST_F(RunGoferTest, DonatedDirectoryFdCannotClimbOut) {
  StartGofer(false);
  absl::StatusOr<AttachReply> attach = client_->Attach();
  ASSERT_TRUE(attach.ok()) << attach.status();
  std::vector<std::string> names = {"dir"};
  absl::StatusOr<WalkReply> walk = client_->Walk(attach->fid, names);
  ASSERT_TRUE(walk.ok());
  absl::StatusOr<OpenedFile> dir =
      client_->Open(walk->fid, O_RDONLY | O_DIRECTORY);
  ASSERT_TRUE(dir.ok()) << dir.status();
  absl::StatusOr<OpenedFile> root = client_->Open(attach->fid, O_RDONLY);
  ASSERT_TRUE(root.ok());
  // Even in this (unconfined) process: the fd lives on the Gofer's pivoted
  // root mount, which has no parent mount, so ".." stops at its top.
  int up = openat(dir->fd.get(), "../../../../..", O_PATH | O_DIRECTORY);
  ASSERT_GE(up, 0) << strerror(errno);
  struct stat st_up, st_root;
  ASSERT_EQ(fstat(up, &st_up), 0);
  ASSERT_EQ(fstat(root->fd.get(), &st_root), 0);
  EXPECT_EQ(st_up.st_ino, st_root.st_ino);
  close(up);
  EXPECT_LT(openat(dir->fd.get(), "../../secret", O_RDONLY), 0);
  EXPECT_EQ(errno, ENOENT);
  StopGofer();
}

TEST_F(RunGoferTest, ReadOnlyGofer) {
  StartGofer(true);
  absl::StatusOr<AttachReply> attach = client_->Attach();
  ASSERT_TRUE(attach.ok()) << attach.status();
  EXPECT_EQ(GoferErrno(client_->Mkdir(attach->fid, "x", 0755).status()), EROFS);
  EXPECT_EQ(GoferErrno(client_->Unlink(attach->fid, "dir", AT_REMOVEDIR)),
            EROFS);
  EXPECT_TRUE(client_->Getdents(attach->fid, 0).ok());
  StopGofer();
}

}  // namespace
}  // namespace ringfence::gofer::testing
