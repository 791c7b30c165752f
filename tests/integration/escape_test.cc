// Escape attempts through the file system (tests/programs/escape.c): `..`
// chains, symlinks the host made pointing outside the root, /proc's magic
// links, directory fds the Gofer opened on the host, renames and links
// across mounts, chroot. The program runs with its own --root and a
// writable --volume, next to a host file it must never reach; afterwards
// the host tree must hold exactly what the sandbox was allowed to change.
// Sandbox only: natively there is no root to escape from.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "tests/integration/sandbox_runner.h"
#include "tests/integration/test_programs.h"

namespace ringfence::testing {
namespace {

constexpr char kSecret[] = "host secret: must never be read in the sandbox\n";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Paths under `dir`, relative, with symlinks listed but not followed.
std::set<std::string> TreeOf(const std::string& dir) {
  std::set<std::string> paths;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    paths.insert(entry.path().lexically_relative(dir).string());
  }
  return paths;
}

TEST(EscapeTest, FileSystemEscapesFail) {
  if (SandboxRun::Native()) GTEST_SKIP() << "sandbox only";
  TempDir host;
  const std::string root = host.path() + "/root";
  const std::string volume = host.path() + "/vol";
  const std::string secret = host.WriteFile("secret.txt", kSecret);
  for (const char* dir : {"/root", "/root/bin", "/root/etc", "/root/tmp", "/root/proc",
                          "/root/dev", "/vol"}) {
    ASSERT_EQ(mkdir((host.path() + dir).c_str(), 0755), 0) << dir;
  }
  host.WriteFile("root/bin/escape",
                 ReadFile(TestProgram("escape")));
  host.WriteFile("root/etc/marker", "root marker\n");
  ASSERT_EQ(symlink(secret.c_str(), (root + "/etc/abs_link").c_str()), 0);
  ASSERT_EQ(symlink("../../secret.txt", (root + "/etc/rel_link").c_str()), 0);
  ASSERT_EQ(symlink("../secret.txt", (volume + "/up_link").c_str()), 0);
  const std::set<std::string> root_before = TreeOf(root);

  RunResult r = SandboxRun("/bin/escape", {secret})
                    .Flag("--root=" + root)
                    .Flag("--volume=" + volume + ":/tmp/vol")
                    .TimeoutSeconds(120)
                    .Run();
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_FALSE(Contains(r.out, "FAIL")) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "escape done\n")) << r.Describe();
  EXPECT_FALSE(Contains(r.out + r.err, "host secret")) << r.Describe();

  // The host: the secret untouched, the read-only root unchanged (its
  // overlay took the sandbox's writes), the volume holding only what the
  // program left there on purpose.
  EXPECT_EQ(ReadFile(secret), kSecret);
  EXPECT_EQ(TreeOf(root), root_before);
  EXPECT_EQ(TreeOf(host.path()),
            (std::set<std::string>{"secret.txt", "root", "root/bin", "root/bin/escape",
                                   "root/etc", "root/etc/marker", "root/etc/abs_link",
                                   "root/etc/rel_link", "root/tmp", "root/proc", "root/dev",
                                   "vol", "vol/up_link", "vol/to_host", "vol/sub",
                                   "vol/sub/up"}));
  // The symlinks the sandbox made are plain host symlinks with the targets
  // it gave: the host never followed them.
  char target[4096] = {0};
  ASSERT_GT(readlink((volume + "/sub/up").c_str(), target, sizeof target - 1), 0);
  EXPECT_STREQ(target, "../../../..");
}

}  // namespace
}  // namespace ringfence::testing
