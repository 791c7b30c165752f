// fs_cwd: getcwd, chdir, fchdir, umask, and their errors. argv[1]: the
// base directory (default /tmp).
#include "fs_util.h"

int main(int argc, char **argv) {
  const char *work = fs_setup(argc, argv, "fs_cwd");
  char buf[PATH_MAX], expected[PATH_MAX];
  long n = CHECK_SYS(syscall(SYS_getcwd, buf, sizeof buf), "getcwd");
  CHECK_EQ(n, (long)strlen(work) + 1, "getcwd_returns_length_with_nul");
  CHECK(strcmp(buf, work) == 0, "getcwd_is_work_dir");
  CHECK_ERR(syscall(SYS_getcwd, buf, 2), ERANGE, "getcwd_small_erange");
  CHECK_ERR(syscall(SYS_getcwd, FS_BAD_ADDRESS, sizeof buf), EFAULT, "getcwd_bad_buffer_efault");

  CHECK_SYS(syscall(SYS_mkdir, "a", 0755), "mkdir_a");
  CHECK_SYS(syscall(SYS_mkdir, "a/b", 0755), "mkdir_a_b");
  CHECK_SYS(syscall(SYS_chdir, "a/b"), "chdir_relative");
  CHECK_SYS(syscall(SYS_getcwd, buf, sizeof buf), "getcwd_after_chdir");
  snprintf(expected, sizeof expected, "%s/a/b", work);
  CHECK(strcmp(buf, expected) == 0, "getcwd_follows_chdir");
  CHECK_SYS(syscall(SYS_chdir, ".."), "chdir_dotdot");
  CHECK_SYS(syscall(SYS_getcwd, buf, sizeof buf), "getcwd_after_dotdot");
  snprintf(expected, sizeof expected, "%s/a", work);
  CHECK(strcmp(buf, expected) == 0, "getcwd_dotdot");
  fs_write_file("file", "x");
  CHECK_ERR(syscall(SYS_chdir, "file"), ENOTDIR, "chdir_file_enotdir");
  CHECK_ERR(syscall(SYS_chdir, "missing"), ENOENT, "chdir_missing_enoent");
  CHECK_ERR(syscall(SYS_chdir, ""), ENOENT, "chdir_empty_enoent");
  CHECK_ERR(syscall(SYS_chdir, FS_BAD_ADDRESS), EFAULT, "chdir_bad_path_efault");
  CHECK_SYS(syscall(SYS_symlink, "b", "blink"), "symlink_to_dir");
  CHECK_SYS(syscall(SYS_chdir, "blink"), "chdir_through_symlink");
  CHECK_SYS(syscall(SYS_getcwd, buf, sizeof buf), "getcwd_after_symlink");
  snprintf(expected, sizeof expected, "%s/a/b", work);
  CHECK(strcmp(buf, expected) == 0, "getcwd_shows_real_path");

  // fchdir.
  int top = CHECK_SYS(open(work, O_RDONLY | O_DIRECTORY), "open_work");
  CHECK_SYS(syscall(SYS_fchdir, top), "fchdir");
  CHECK_SYS(syscall(SYS_getcwd, buf, sizeof buf), "getcwd_after_fchdir");
  CHECK(strcmp(buf, work) == 0, "fchdir_went_back");
  int path_fd = CHECK_SYS(open("a/b", O_PATH), "open_o_path_dir");
  CHECK_SYS(syscall(SYS_fchdir, path_fd), "fchdir_o_path");
  CHECK_SYS(syscall(SYS_fchdir, top), "fchdir_back");
  int file = CHECK_SYS(open("a/file", O_RDONLY), "open_file");
  CHECK_ERR(syscall(SYS_fchdir, file), ENOTDIR, "fchdir_file_enotdir");
  CHECK_ERR(syscall(SYS_fchdir, 999), EBADF, "fchdir_bad_fd_ebadf");
  CHECK_ERR(syscall(SYS_fchdir, 1), ENOTDIR, "fchdir_stdout_enotdir");
  close(file);
  close(path_fd);

  // A removed cwd: getcwd says ENOENT, relative creation fails.
  CHECK_SYS(syscall(SYS_mkdir, "gone", 0755), "mkdir_gone");
  CHECK_SYS(syscall(SYS_chdir, "gone"), "chdir_gone");
  CHECK_SYS(syscall(SYS_rmdir, "../gone"), "rmdir_cwd");
  CHECK_ERR(syscall(SYS_getcwd, buf, sizeof buf), ENOENT, "getcwd_removed_enoent");
  CHECK_ERR(syscall(SYS_mkdir, "x", 0755), ENOENT, "mkdir_in_removed_cwd_enoent");
  CHECK_SYS(syscall(SYS_fchdir, top), "fchdir_out_of_removed");
  close(top);

  // chroot: "/" and ".." stop at the new root, absolute symlinks resolve
  // inside it; fchdir to a directory outside plus chroot(".") leaves it.
  int old_root = CHECK_SYS(open("/", O_RDONLY | O_DIRECTORY), "open_old_root");
  CHECK_SYS(syscall(SYS_mkdir, "jail", 0755), "mkdir_jail");
  CHECK_SYS(syscall(SYS_mkdir, "jail/inner", 0755), "mkdir_jail_inner");
  CHECK_SYS(syscall(SYS_symlink, "/inner", "jail/abs"), "symlink_absolute_in_jail");
  CHECK_ERR(syscall(SYS_chroot, "missing"), ENOENT, "chroot_missing_enoent");
  CHECK_ERR(syscall(SYS_chroot, "a/file"), ENOTDIR, "chroot_file_enotdir");
  CHECK_SYS(syscall(SYS_chroot, "jail"), "chroot");
  CHECK_SYS(syscall(SYS_chdir, "/"), "chdir_new_root");
  CHECK_SYS(syscall(SYS_getcwd, buf, sizeof buf), "getcwd_in_jail");
  CHECK(strcmp(buf, "/") == 0, "getcwd_jail_root");
  struct stat root_st, up_st, link_st, inner_st;
  CHECK_SYS(syscall(SYS_stat, "/", &root_st), "stat_jail_root");
  CHECK_SYS(syscall(SYS_stat, "/../..", &up_st), "stat_above_jail_root");
  CHECK_EQ(up_st.st_ino, root_st.st_ino, "dotdot_stops_at_root");
  CHECK_SYS(syscall(SYS_stat, "/abs", &link_st), "stat_absolute_link");
  CHECK_SYS(syscall(SYS_stat, "/inner", &inner_st), "stat_inner");
  CHECK_EQ(link_st.st_ino, inner_st.st_ino, "absolute_link_resolves_in_jail");
  CHECK_ERR(syscall(SYS_stat, "/jail", &up_st), ENOENT, "outside_invisible");
  CHECK_SYS(syscall(SYS_fchdir, old_root), "fchdir_outside_jail");
  CHECK_SYS(syscall(SYS_chroot, "."), "chroot_back");
  close(old_root);
  CHECK_SYS(syscall(SYS_chdir, work), "chdir_work_again");
  CHECK_SYS(syscall(SYS_getcwd, buf, sizeof buf), "getcwd_after_jail");
  CHECK(strcmp(buf, work) == 0, "left_the_jail");

  // umask.
  long old = syscall(SYS_umask, 077);
  CHECK_EQ(syscall(SYS_umask, 027), 077, "umask_returns_previous");
  CHECK_SYS(syscall(SYS_mkdir, "masked", 0777), "mkdir_with_umask");
  struct stat st;
  CHECK_SYS(syscall(SYS_stat, "masked", &st), "stat_masked");
  CHECK_EQ(st.st_mode & 0777, 0750, "umask_applied_to_mkdir");
  int fd = CHECK_SYS(open("masked_file", O_CREAT | O_WRONLY, 0666), "creat_with_umask");
  close(fd);
  CHECK_SYS(syscall(SYS_stat, "masked_file", &st), "stat_masked_file");
  CHECK_EQ(st.st_mode & 0777, 0640, "umask_applied_to_open");
  CHECK_EQ(syscall(SYS_umask, 01777) , 027, "umask_previous_027");
  CHECK_EQ(syscall(SYS_umask, old), 0777, "umask_keeps_only_permission_bits");
  printf("fs_cwd done\n");
  return 0;
}
