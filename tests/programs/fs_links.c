// fs_links: link/linkat, symlink/symlinkat, unlink, rename/renameat/
// renameat2, and their errors. argv[1]: the base directory (default /tmp).
#include "fs_util.h"

#include <linux/fs.h>

static long inode_of(const char *path) {
  struct stat st;
  if (syscall(SYS_lstat, path, &st) != 0) return -1;
  return (long)st.st_ino;
}

static long nlink_of(const char *path) {
  struct stat st;
  if (syscall(SYS_lstat, path, &st) != 0) return -1;
  return (long)st.st_nlink;
}

static void check_links(void) {
  fs_write_file("f", "data");
  CHECK_SYS(syscall(SYS_link, "f", "hard"), "link");
  CHECK_EQ(inode_of("hard"), inode_of("f"), "link_same_inode");
  CHECK_EQ(nlink_of("f"), 2, "link_nlink_2");
  CHECK_ERR(syscall(SYS_link, "f", "hard"), EEXIST, "link_exists_eexist");
  CHECK_ERR(syscall(SYS_link, "missing", "x"), ENOENT, "link_missing_enoent");
  CHECK_SYS(syscall(SYS_mkdir, "d", 0755), "mkdir");
  CHECK_ERR(syscall(SYS_link, "d", "d2"), EPERM, "link_dir_eperm");
  CHECK_ERR(syscall(SYS_linkat, AT_FDCWD, "f", AT_FDCWD, "x", 0x1), EINVAL, "linkat_bad_flags_einval");
  // linkat does not follow a symlink unless AT_SYMLINK_FOLLOW.
  CHECK_SYS(syscall(SYS_symlink, "f", "sym"), "symlink");
  CHECK_SYS(syscall(SYS_linkat, AT_FDCWD, "sym", AT_FDCWD, "sym_hard", 0), "linkat_symlink_itself");
  CHECK_EQ(inode_of("sym_hard"), inode_of("sym"), "linkat_linked_the_symlink");
  CHECK_SYS(syscall(SYS_linkat, AT_FDCWD, "sym", AT_FDCWD, "followed", AT_SYMLINK_FOLLOW),
            "linkat_follow");
  CHECK_EQ(inode_of("followed"), inode_of("f"), "linkat_follow_links_target");
  int dir = CHECK_SYS(open("d", O_RDONLY | O_DIRECTORY), "open_d");
  CHECK_SYS(syscall(SYS_linkat, AT_FDCWD, "f", dir, "in_d", 0), "linkat_into_dirfd");
  CHECK_EQ(inode_of("d/in_d"), inode_of("f"), "linkat_dirfd_same_inode");
  CHECK_EQ(nlink_of("f"), 4, "nlink_4");
  CHECK_SYS(syscall(SYS_unlink, "hard"), "unlink_hard");
  CHECK_EQ(nlink_of("f"), 3, "unlink_drops_nlink");
  // An unlinked file stays readable through an open fd.
  int fd = CHECK_SYS(open("followed", O_RDONLY), "open_followed");
  CHECK_SYS(syscall(SYS_unlink, "followed"), "unlink_open_file");
  char buf[8] = {0};
  CHECK_EQ(read(fd, buf, sizeof buf), 4, "read_unlinked_open_file");
  CHECK(memcmp(buf, "data", 4) == 0, "unlinked_content_intact");
  struct stat st;
  CHECK_SYS(syscall(SYS_fstat, fd, &st), "fstat_unlinked");
  CHECK_EQ(st.st_nlink, 2, "fstat_unlinked_nlink");
  close(fd);
  CHECK_ERR(syscall(SYS_unlink, "followed"), ENOENT, "unlink_missing_enoent");
  CHECK_ERR(syscall(SYS_unlink, "f/"), ENOTDIR, "unlink_trailing_slash_enotdir");
  // Symlinks.
  CHECK_ERR(syscall(SYS_symlink, "f", "sym"), EEXIST, "symlink_exists_eexist");
  CHECK_ERR(syscall(SYS_symlink, "", "empty"), ENOENT, "symlink_empty_target_enoent");
  CHECK_SYS(syscall(SYS_symlinkat, "../f", dir, "up"), "symlinkat");
  CHECK_EQ(inode_of("f"), ({ struct stat s; syscall(SYS_stat, "d/up", &s); (long)s.st_ino; }),
           "symlinkat_relative_to_link_dir");
  CHECK_SYS(syscall(SYS_symlink, "nowhere", "dangling"), "symlink_dangling");
  CHECK_ERR(syscall(SYS_stat, "dangling", &st), ENOENT, "stat_dangling_enoent");
  CHECK_SYS(syscall(SYS_lstat, "dangling", &st), "lstat_dangling");
  CHECK_SYS(syscall(SYS_symlink, "d", "dirlink"), "symlink_to_dir");
  CHECK_SYS(syscall(SYS_stat, "dirlink/in_d", &st), "walk_through_dir_symlink");
  CHECK_ERR(syscall(SYS_rmdir, "dirlink"), ENOTDIR, "rmdir_symlink_enotdir");
  CHECK_SYS(syscall(SYS_unlink, "dirlink"), "unlink_symlink_not_target");
  CHECK_SYS(syscall(SYS_stat, "d", &st), "target_dir_survives");
  // A chain of 41 links is too many (ELOOP); 40 are fine.
  char name[16], target[16];
  CHECK_SYS(syscall(SYS_symlink, "f", "chain0"), "chain_start");
  for (int i = 1; i <= 40; i++) {
    snprintf(name, sizeof name, "chain%d", i);
    snprintf(target, sizeof target, "chain%d", i - 1);
    if (syscall(SYS_symlink, target, name) != 0) check_fail("chain", "%s", strerror(errno));
  }
  CHECK_SYS(syscall(SYS_stat, "chain39", &st), "forty_links_ok");
  CHECK_ERR(syscall(SYS_stat, "chain40", &st), ELOOP, "forty_one_links_eloop");
  close(dir);
}

static void check_rename(void) {
  fs_write_file("r1", "one");
  fs_write_file("r2", "two");
  long ino1 = inode_of("r1");
  CHECK_SYS(syscall(SYS_rename, "r1", "r2"), "rename_over_file");
  CHECK_EQ(inode_of("r2"), ino1, "rename_replaced_target");
  CHECK_EQ(inode_of("r1"), -1, "rename_source_gone");
  CHECK_ERR(syscall(SYS_rename, "r1", "r3"), ENOENT, "rename_missing_enoent");
  CHECK_SYS(syscall(SYS_mkdir, "rd", 0755), "mkdir_rd");
  CHECK_SYS(syscall(SYS_mkdir, "rd2", 0755), "mkdir_rd2");
  fs_write_file("rd2/x", "x");
  CHECK_ERR(syscall(SYS_rename, "r2", "rd"), EISDIR, "rename_file_over_dir_eisdir");
  CHECK_ERR(syscall(SYS_rename, "rd", "r2"), ENOTDIR, "rename_dir_over_file_enotdir");
  CHECK_ERR(syscall(SYS_rename, "rd", "rd2"), ENOTEMPTY, "rename_over_nonempty_dir");
  CHECK_ERR(syscall(SYS_rename, "rd", "rd/sub"), EINVAL, "rename_into_itself_einval");
  CHECK_SYS(syscall(SYS_rename, "rd", "rd3"), "rename_dir");
  CHECK_SYS(syscall(SYS_rename, "rd3", "rd2/moved"), "rename_dir_into_other");
  struct stat st;
  CHECK_SYS(syscall(SYS_stat, "rd2/moved/..", &st), "moved_dotdot");
  CHECK_EQ((long)st.st_ino, inode_of("rd2"), "moved_dotdot_is_new_parent");
  CHECK_SYS(syscall(SYS_rename, "r2", "r2"), "rename_same_name_noop");
  int dir = CHECK_SYS(open("rd2", O_RDONLY | O_DIRECTORY), "open_rd2");
  CHECK_SYS(syscall(SYS_renameat, dir, "x", AT_FDCWD, "x_out"), "renameat_dirfd");
  CHECK_EQ(inode_of("rd2/x"), -1, "renameat_moved_out");
  // renameat2 flags.
  fs_write_file("a", "a");
  fs_write_file("b", "b");
  long ia = inode_of("a"), ib = inode_of("b");
  CHECK_ERR(syscall(SYS_renameat2, AT_FDCWD, "a", AT_FDCWD, "b", RENAME_NOREPLACE), EEXIST,
            "renameat2_noreplace_eexist");
  CHECK_SYS(syscall(SYS_renameat2, AT_FDCWD, "a", AT_FDCWD, "c", RENAME_NOREPLACE),
            "renameat2_noreplace_new_name");
  CHECK_SYS(syscall(SYS_renameat2, AT_FDCWD, "c", AT_FDCWD, "b", RENAME_EXCHANGE),
            "renameat2_exchange");
  CHECK(inode_of("b") == ia && inode_of("c") == ib, "exchange_swapped");
  CHECK_ERR(syscall(SYS_renameat2, AT_FDCWD, "c", AT_FDCWD, "zz", RENAME_EXCHANGE), ENOENT,
            "exchange_missing_enoent");
  CHECK_ERR(syscall(SYS_renameat2, AT_FDCWD, "c", AT_FDCWD, "b",
                    RENAME_EXCHANGE | RENAME_NOREPLACE), EINVAL, "renameat2_both_flags_einval");
  CHECK_ERR(syscall(SYS_renameat2, AT_FDCWD, "c", AT_FDCWD, "b", 0x100), EINVAL,
            "renameat2_bad_flag_einval");
  CHECK_ERR(syscall(SYS_rename, "c", FS_BAD_ADDRESS), EFAULT, "rename_bad_path_efault");
  CHECK_ERR(syscall(SYS_rename, "c", ""), ENOENT, "rename_empty_enoent");
  CHECK_ERR(syscall(SYS_rename, ".", "dot"), EBUSY, "rename_dot_ebusy");
  close(dir);
}

int main(int argc, char **argv) {
  fs_setup(argc, argv, "fs_links");
  check_links();
  check_rename();
  printf("fs_links done\n");
  return 0;
}
