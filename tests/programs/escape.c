// Attempts to leave the sandbox's root through the file system; every one
// must fail. Run by tests/integration/escape_test.cc with `--root ROOT
// --volume VOL:/tmp/vol`, where the host directory holding ROOT and VOL also
// holds secret.txt, and argv[1] is that file's host path. The host has put
// symlinks pointing outside: ROOT/etc/abs_link -> <host path of secret.txt>,
// ROOT/etc/rel_link -> ../../secret.txt, VOL/up_link -> ../secret.txt.
#include "check.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

// The (dev, ino) of `path`, to compare where a walk ended.
static struct stat stat_of(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) check_fail("stat", "%s: %s", path, strerror(errno));
  return st;
}

static int same_file(const struct stat *a, const struct stat *b) {
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static void expect_cwd(const char *want, const char *name) {
  char cwd[PATH_MAX];
  CHECK(getcwd(cwd, sizeof cwd) != NULL && strcmp(cwd, want) == 0, name);
}

// ".." never leaves the root, whichever path leads up to it.
static void dot_dot_chains(const char *host_secret) {
  CHECK_ERR(open(host_secret, O_RDONLY), ENOENT, "host_absolute_path");
  CHECK_ERR(open("/../secret.txt", O_RDONLY), ENOENT, "root_dotdot");
  CHECK_ERR(open("/etc/../../secret.txt", O_RDONLY), ENOENT, "etc_dotdot_dotdot");
  CHECK_ERR(open("/tmp/vol/../../../../secret.txt", O_RDONLY), ENOENT, "volume_dotdot_chain");
  struct stat root = stat_of("/");
  struct stat up = stat_of("/../../..");
  CHECK(same_file(&root, &up), "root_parent_is_root");
  CHECK_SYS(chdir("/tmp/vol"), "chdir_volume");
  CHECK_SYS(chdir("../../../../.."), "chdir_far_up");
  expect_cwd("/", "cwd_stops_at_root");
  CHECK_EQ(open("etc/marker", O_RDONLY) >= 0, 1, "root_files_still_there");
}

// Symlinks are resolved by the Sentry inside the sandbox's tree, whatever
// their targets say on the host.
static void symlinks(const char *host_secret) {
  CHECK_ERR(open("/etc/abs_link", O_RDONLY), ENOENT, "host_absolute_symlink");
  CHECK_ERR(open("/etc/rel_link", O_RDONLY), ENOENT, "host_relative_symlink");
  char target[PATH_MAX] = {0};
  CHECK_EQ(readlink("/etc/rel_link", target, sizeof target - 1), 16, "readlink_rel_link");
  CHECK(strcmp(target, "../../secret.txt") == 0, "rel_link_target_unchanged");
  CHECK_ERR(open("/tmp/vol/up_link", O_RDONLY), ENOENT, "volume_symlink_up");
  CHECK_SYS(symlink(host_secret, "/tmp/vol/to_host"), "symlink_to_host_path");
  CHECK_ERR(open("/tmp/vol/to_host", O_RDONLY), ENOENT, "own_symlink_to_host_path");
  CHECK_SYS(mkdir("/tmp/vol/sub", 0755), "mkdir_volume_sub");
  CHECK_SYS(symlink("../../../..", "/tmp/vol/sub/up"), "symlink_dir_up");
  struct stat root = stat_of("/");
  struct stat via_link = stat_of("/tmp/vol/sub/up");
  CHECK(same_file(&root, &via_link), "dir_symlink_up_is_root");
  CHECK_ERR(open("/tmp/vol/sub/up/secret.txt", O_RDONLY), ENOENT, "dir_symlink_then_file");
}

// /proc's magic links lead to the sandbox's own root and directories.
static void proc_links(void) {
  char target[PATH_MAX] = {0};
  CHECK_EQ(readlink("/proc/self/root", target, sizeof target - 1), 1, "proc_root_link");
  CHECK(strcmp(target, "/") == 0, "proc_root_is_slash");
  CHECK_ERR(open("/proc/self/root/../secret.txt", O_RDONLY), ENOENT, "proc_root_dotdot");
  CHECK_ERR(open("/proc/self/root/../../../etc/../secret.txt", O_RDONLY), ENOENT,
            "proc_root_dotdot_chain");
  CHECK_SYS(chdir("/tmp/vol"), "chdir_volume_again");
  CHECK_ERR(open("/proc/self/cwd/../../../secret.txt", O_RDONLY), ENOENT, "proc_cwd_dotdot");
  int vol = CHECK_SYS(open("/tmp/vol", O_RDONLY | O_DIRECTORY), "open_volume_dir");
  char via_fd[64];
  snprintf(via_fd, sizeof via_fd, "/proc/self/fd/%d/../../../secret.txt", vol);
  CHECK_ERR(open(via_fd, O_RDONLY), ENOENT, "proc_fd_dotdot");
  snprintf(via_fd, sizeof via_fd, "/proc/%d/root/..", getpid());
  struct stat root = stat_of("/");
  struct stat pid_root_up = stat_of(via_fd);
  CHECK(same_file(&root, &pid_root_up), "proc_pid_root_parent_is_root");
  close(vol);
  CHECK_SYS(chdir("/"), "chdir_root");
}

// A directory fd the Gofer opened on the host: ".." from it is the
// sandbox's parent directory, never the host's.
static void directory_fd(const char *host_secret) {
  int vol = CHECK_SYS(open("/tmp/vol", O_RDONLY | O_DIRECTORY), "open_volume_root");
  struct stat tmp = stat_of("/tmp");
  struct stat root = stat_of("/");
  struct stat st;
  int up = CHECK_SYS(openat(vol, "..", O_RDONLY | O_DIRECTORY), "openat_dotdot");
  CHECK_SYS(fstat(up, &st), "fstat_dotdot");
  CHECK(same_file(&st, &tmp), "volume_parent_is_sandbox_tmp");
  close(up);
  CHECK_SYS(fstatat(vol, "../../../..", &st, 0), "fstatat_far_up");
  CHECK(same_file(&st, &root), "volume_far_up_is_root");
  CHECK_ERR(openat(vol, "../secret.txt", O_RDONLY), ENOENT, "openat_dotdot_secret");
  CHECK_ERR(openat(vol, host_secret, O_RDONLY), ENOENT, "openat_host_path");
  int path_fd = CHECK_SYS(open("/tmp/vol", O_PATH), "open_volume_opath");
  CHECK_ERR(openat(path_fd, "../../secret.txt", O_RDONLY), ENOENT, "opath_dotdot_secret");
  close(path_fd);
  CHECK_SYS(fchdir(vol), "fchdir_volume");
  CHECK_SYS(chdir(".."), "chdir_up_from_volume");
  expect_cwd("/tmp", "cwd_is_sandbox_tmp");
  close(vol);
  CHECK_SYS(chdir("/"), "chdir_root_again");
}

// Files never move between mounts: rename and link across them fail with
// EXDEV, and a mount point cannot be renamed or removed.
static void across_mounts(void) {
  int fd = CHECK_SYS(open("/tmp/a", O_WRONLY | O_CREAT, 0644), "create_tmpfs_file");
  close(fd);
  fd = CHECK_SYS(open("/tmp/vol/b", O_WRONLY | O_CREAT, 0644), "create_volume_file");
  close(fd);
  CHECK_ERR(rename("/tmp/a", "/tmp/vol/a"), EXDEV, "rename_tmpfs_to_volume");
  CHECK_ERR(rename("/tmp/vol/b", "/tmp/b"), EXDEV, "rename_volume_to_tmpfs");
  CHECK_ERR(rename("/etc/marker", "/tmp/marker"), EXDEV, "rename_root_to_tmpfs");
  CHECK_ERR(rename("/tmp/vol/b", "/etc/b"), EXDEV, "rename_volume_to_root");
  CHECK_ERR(link("/tmp/a", "/tmp/vol/a_link"), EXDEV, "link_tmpfs_to_volume");
  CHECK_ERR(link("/tmp/vol/b", "/etc/b_link"), EXDEV, "link_volume_to_root");
  CHECK_ERR(syscall(SYS_renameat2, AT_FDCWD, "/tmp/a", AT_FDCWD, "/tmp/vol/b", RENAME_EXCHANGE),
            EXDEV, "exchange_across_mounts");
  CHECK_ERR(rename("/tmp/vol", "/tmp/vol_moved"), EBUSY, "rename_mount_point");
  CHECK_ERR(rmdir("/tmp/vol"), EBUSY, "rmdir_mount_point");
  CHECK_SYS(unlink("/tmp/vol/b"), "unlink_volume_file");
}

// chroot: ".." stops at the new root too.
static void chroot_jail(void) {
  CHECK_SYS(mkdir("/tmp/jail", 0755), "mkdir_jail");
  CHECK_SYS(chroot("/tmp/jail"), "chroot_jail");
  CHECK_SYS(chdir("/"), "chdir_jail_root");
  CHECK_ERR(open("/../../etc/marker", O_RDONLY), ENOENT, "jail_dotdot");
  CHECK_ERR(open("../../../secret.txt", O_RDONLY), ENOENT, "jail_relative_dotdot");
}

int main(int argc, char **argv) {
  if (argc != 2) check_fail("usage", "escape HOST_SECRET_PATH");
  dot_dot_chains(argv[1]);
  symlinks(argv[1]);
  proc_links();
  directory_fd(argv[1]);
  across_mounts();
  chroot_jail();
  printf("escape done\n");
  return 0;
}
