// The sandbox root is an overlay: the host root (through the Gofer) below, a
// tmpfs above. Programs may change any host file they see; the changes stay
// in the sandbox and the host tree is left exactly as it was.
//
// Each test fills a fresh host directory (under the working directory: the
// sandbox mounts its own tmpfs on /tmp, which would hide one made there),
// runs programs that change it from inside the sandbox, and compares a
// snapshot of the host directory (names, types, modes, sizes, times, data,
// link targets) before and after. Sandbox only: natively the programs would
// change the host directory, which is the point of the test.
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/sandbox_runner.h"
#include "tests/integration/test_programs.h"

namespace ringfence::testing {
namespace {

void WriteHostFile(const std::string& path, const std::string& data, mode_t mode = 0644) {
  std::ofstream(path) << data;
  chmod(path.c_str(), mode);
}

std::string ReadHostFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

// One line per object below `dir`, sorted by path.
void Snapshot(const std::string& dir, const std::string& relative, std::string* out) {
  DIR* d = opendir(dir.c_str());
  ASSERT_NE(d, nullptr) << dir;
  std::vector<std::string> names;
  while (dirent* entry = readdir(d)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    std::string path = dir + "/" + name;
    struct stat st;
    ASSERT_EQ(lstat(path.c_str(), &st), 0) << path;
    std::ostringstream line;
    line << relative << "/" << name << " ino=" << st.st_ino << " mode=" << std::oct << st.st_mode
         << std::dec << " nlink=" << st.st_nlink << " size=" << st.st_size
         << " mtime=" << st.st_mtim.tv_sec << "." << st.st_mtim.tv_nsec;
    if (S_ISREG(st.st_mode)) line << " data=" << ReadHostFile(path);
    if (S_ISLNK(st.st_mode)) {
      char target[4096];
      ssize_t n = readlink(path.c_str(), target, sizeof(target));
      line << " target=" << std::string(target, n < 0 ? 0 : n);
    }
    *out += line.str() + "\n";
    if (S_ISDIR(st.st_mode)) Snapshot(path, relative + "/" + name, out);
  }
}

void RemoveTree(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    chmod(path.c_str(), 0700);
    if (DIR* d = opendir(path.c_str())) {
      std::vector<std::string> names;
      while (dirent* entry = readdir(d)) {
        std::string name = entry->d_name;
        if (name != "." && name != "..") names.push_back(name);
      }
      closedir(d);
      for (const std::string& name : names) RemoveTree(path + "/" + name);
    }
    rmdir(path.c_str());
  } else {
    unlink(path.c_str());
  }
}

class OverlayRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (SandboxRun::Native()) GTEST_SKIP() << "would change the host directory it checks";
    char cwd[4096];
    ASSERT_NE(getcwd(cwd, sizeof(cwd)), nullptr);
    std::string pattern = std::string(cwd) + "/overlay_test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    WriteHostFile(dir_ + "/file", "original\n");
    WriteHostFile(dir_ + "/del", "delete me\n");
    WriteHostFile(dir_ + "/a", "A");
    WriteHostFile(dir_ + "/existing", "line1\n", 0600);
    ASSERT_EQ(mkdir((dir_ + "/dir").c_str(), 0755), 0);
    WriteHostFile(dir_ + "/dir/inner", "inner\n");
    ASSERT_EQ(mkdir((dir_ + "/emptydir").c_str(), 0755), 0);
    ASSERT_EQ(symlink("file", (dir_ + "/link").c_str()), 0);
    Snapshot(dir_, "", &before_);
  }
  void TearDown() override {
    if (!dir_.empty()) RemoveTree(dir_);
  }

  std::string Now() {
    std::string now;
    Snapshot(dir_, "", &now);
    return now;
  }
  RunResult Busybox(std::vector<std::string> args) {
    return SandboxRun("/bin/busybox", std::move(args)).TimeoutSeconds(120).Run();
  }

  std::string dir_;
  std::string before_;
};

TEST_F(OverlayRootTest, ProgramSeesItsChangesAndTheHostKeepsItsTree) {
  RINGFENCE_SKIP_IF_BUILD_TREE_UNDER_TMP(RINGFENCE_TEST_PROGRAMS_DIR);
  RunResult r =
      SandboxRun(TestProgram("overlay_lower"), {dir_})
          .TimeoutSeconds(120)
          .Run();
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_FALSE(Contains(r.out, "FAIL")) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "overlay_lower done\n")) << r.Describe();
  EXPECT_EQ(Now(), before_);
}

TEST_F(OverlayRootTest, BusyboxToolsChangeNothingOnTheHost) {
  RINGFENCE_SKIP_IF_BUILD_TREE_UNDER_TMP(RINGFENCE_TEST_PROGRAMS_DIR);
  const std::vector<std::vector<std::string>> commands = {
      {"rm", dir_ + "/del"},
      {"rm", "-r", dir_ + "/dir"},
      {"rmdir", dir_ + "/emptydir"},
      {"mv", dir_ + "/a", dir_ + "/b"},
      {"mv", dir_ + "/dir", dir_ + "/moved"},  // EXDEV: mv copies, then deletes
      {"mkdir", dir_ + "/newdir"},
      {"cp", dir_ + "/file", dir_ + "/copy"},
      {"ln", "-s", "x", dir_ + "/newlink"},
      {"ln", dir_ + "/file", dir_ + "/hardlink"},
      {"sed", "-i", "s/original/edited/", dir_ + "/file"},
      // (touch and truncate wait for utimensat and truncate in the Sentry.)
  };
  for (const auto& command : commands) {
    RunResult r = Busybox(command);
    EXPECT_EQ(r.status, 0) << r.Describe();
    EXPECT_EQ(Now(), before_) << "after busybox " << command[0] << "\n" << r.Describe();
  }
}

TEST_F(OverlayRootTest, WritableRootWritesThroughToTheHost) {
  RINGFENCE_SKIP_IF_BUILD_TREE_UNDER_TMP(RINGFENCE_TEST_PROGRAMS_DIR);
  RunResult r = SandboxRun("/bin/busybox", {"rm", dir_ + "/del"})
                    .Flag("--writable-root")
                    .TimeoutSeconds(120)
                    .Run();
  EXPECT_EQ(r.status, 0) << r.Describe();
  struct stat st;
  EXPECT_NE(lstat((dir_ + "/del").c_str(), &st), 0) << "--writable-root must change the host";
}

}  // namespace
}  // namespace ringfence::testing
