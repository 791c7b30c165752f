// fs_stat: stat/lstat/fstat/newfstatat/statx, readlink/readlinkat,
// access/faccessat/faccessat2, and their errors. argv[1]: the base
// directory (default /tmp).
#include "fs_util.h"

#include <linux/stat.h>
#include <sys/sysmacros.h>

int main(int argc, char **argv) {
  fs_setup(argc, argv, "fs_stat");
  umask(022);
  fs_write_file("f", "12345");
  CHECK_SYS(syscall(SYS_symlink, "f", "l"), "symlink");
  CHECK_SYS(syscall(SYS_mkdir, "d", 0750), "mkdir");

  struct stat st, lst, fst;
  CHECK_SYS(syscall(SYS_stat, "f", &st), "stat_file");
  CHECK(S_ISREG(st.st_mode), "stat_is_regular");
  CHECK_EQ(st.st_size, 5, "stat_size");
  CHECK_EQ(st.st_nlink, 1, "stat_nlink");
  CHECK_EQ(st.st_mode & 07777, 0644, "stat_mode");
  CHECK_EQ(st.st_uid, getuid(), "stat_uid");
  CHECK_SYS(syscall(SYS_stat, "l", &lst), "stat_follows_link");
  CHECK_EQ(lst.st_ino, st.st_ino, "stat_link_same_inode");
  CHECK_SYS(syscall(SYS_lstat, "l", &lst), "lstat_link");
  CHECK(S_ISLNK(lst.st_mode), "lstat_is_link");
  CHECK_EQ(lst.st_size, 1, "lstat_link_size_is_target_length");
  int fd = CHECK_SYS(open("f", O_RDONLY), "open_f");
  CHECK_SYS(syscall(SYS_fstat, fd, &fst), "fstat");
  CHECK(fst.st_ino == st.st_ino && fst.st_dev == st.st_dev, "fstat_matches_stat");
  struct stat at;
  CHECK_SYS(syscall(SYS_newfstatat, fd, "", &at, AT_EMPTY_PATH), "fstatat_empty_path");
  CHECK_EQ(at.st_ino, st.st_ino, "fstatat_empty_path_inode");
  CHECK_ERR(syscall(SYS_newfstatat, fd, "", &at, 0), ENOENT, "fstatat_empty_no_flag_enoent");
  CHECK_ERR(syscall(SYS_newfstatat, fd, "x", &at, 0), ENOTDIR, "fstatat_file_dirfd_enotdir");
  CHECK_ERR(syscall(SYS_newfstatat, 999, "x", &at, 0), EBADF, "fstatat_bad_dirfd_ebadf");
  CHECK_ERR(syscall(SYS_newfstatat, AT_FDCWD, "f", &at, 0x8000), EINVAL, "fstatat_bad_flags_einval");
  CHECK_SYS(syscall(SYS_newfstatat, AT_FDCWD, "l", &at, AT_SYMLINK_NOFOLLOW), "fstatat_nofollow");
  CHECK(S_ISLNK(at.st_mode), "fstatat_nofollow_link");
  int dir = CHECK_SYS(open("d", O_RDONLY | O_DIRECTORY), "open_d");
  CHECK_ERR(syscall(SYS_newfstatat, dir, "nothing", &at, 0), ENOENT, "fstatat_missing_enoent");
  CHECK_SYS(syscall(SYS_newfstatat, dir, "..", &at, 0), "fstatat_dotdot");
  struct stat here;
  CHECK_SYS(syscall(SYS_stat, ".", &here), "stat_dot");
  CHECK(here.st_ino == at.st_ino && S_ISDIR(here.st_mode), "dotdot_is_parent");
  CHECK_ERR(syscall(SYS_stat, "missing", &st), ENOENT, "stat_missing_enoent");
  CHECK_ERR(syscall(SYS_stat, "f/", &st), ENOTDIR, "stat_trailing_slash_file_enotdir");
  CHECK_ERR(syscall(SYS_stat, "f", FS_BAD_ADDRESS), EFAULT, "stat_bad_buffer_efault");
  CHECK_ERR(syscall(SYS_stat, FS_BAD_ADDRESS, &st), EFAULT, "stat_bad_path_efault");
  // stat on stdio still works (host files).
  CHECK_SYS(syscall(SYS_newfstatat, 1, "", &at, AT_EMPTY_PATH), "fstatat_stdout");

  // statx.
  struct statx sx;
  memset(&sx, 0xff, sizeof sx);
  CHECK_SYS(syscall(SYS_statx, AT_FDCWD, "f", 0, STATX_BASIC_STATS, &sx), "statx");
  CHECK_EQ(sx.stx_mask & STATX_BASIC_STATS, STATX_BASIC_STATS, "statx_basic_mask");
  CHECK_EQ(sx.stx_size, 5, "statx_size");
  CHECK_EQ(sx.stx_ino, st.st_ino, "statx_ino");
  CHECK_EQ(sx.stx_mode, st.st_mode, "statx_mode");
  CHECK_EQ(sx.stx_nlink, 1, "statx_nlink");
  CHECK_EQ(sx.stx_mtime.tv_sec, st.st_mtim.tv_sec, "statx_mtime");
  CHECK_EQ(makedev(sx.stx_dev_major, sx.stx_dev_minor), st.st_dev, "statx_dev");
  CHECK_SYS(syscall(SYS_statx, AT_FDCWD, "l", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx),
            "statx_nofollow");
  CHECK(S_ISLNK(sx.stx_mode), "statx_link");
  CHECK_SYS(syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx), "statx_empty_path");
  CHECK_EQ(sx.stx_ino, st.st_ino, "statx_empty_path_ino");
  CHECK_ERR(syscall(SYS_statx, AT_FDCWD, "f", 0, 0x80000000u, &sx), EINVAL, "statx_reserved_mask_einval");
  CHECK_ERR(syscall(SYS_statx, AT_FDCWD, "f", 0x6000, STATX_BASIC_STATS, &sx), EINVAL,
            "statx_both_sync_flags_einval");
  CHECK_ERR(syscall(SYS_statx, AT_FDCWD, "missing", 0, STATX_BASIC_STATS, &sx), ENOENT,
            "statx_missing_enoent");

  // readlink.
  char buf[64];
  memset(buf, 'X', sizeof buf);
  CHECK_EQ(syscall(SYS_readlink, "l", buf, sizeof buf), 1, "readlink");
  CHECK(buf[0] == 'f' && buf[1] == 'X', "readlink_no_nul");
  CHECK_SYS(syscall(SYS_symlink, "a/long/target", "l2"), "symlink_long");
  CHECK_EQ(syscall(SYS_readlink, "l2", buf, 4), 4, "readlink_truncates");
  CHECK(memcmp(buf, "a/lo", 4) == 0, "readlink_truncated_content");
  CHECK_EQ(syscall(SYS_readlinkat, AT_FDCWD, "l2", buf, sizeof buf), 13, "readlinkat");
  CHECK_ERR(syscall(SYS_readlink, "f", buf, sizeof buf), EINVAL, "readlink_not_link_einval");
  CHECK_ERR(syscall(SYS_readlink, "missing", buf, sizeof buf), ENOENT, "readlink_missing_enoent");
  CHECK_ERR(syscall(SYS_readlink, "l", buf, 0), EINVAL, "readlink_zero_size_einval");
  CHECK_ERR(syscall(SYS_readlink, "l", FS_BAD_ADDRESS, 8), EFAULT, "readlink_bad_buffer_efault");
  int link_fd = CHECK_SYS(open("l", O_PATH | O_NOFOLLOW), "open_link_o_path");
  CHECK_EQ(syscall(SYS_readlinkat, link_fd, "", buf, sizeof buf), 1, "readlinkat_empty_path");
  CHECK_ERR(syscall(SYS_readlinkat, fd, "", buf, sizeof buf), ENOENT,
            "readlinkat_empty_path_not_link_enoent");
  close(link_fd);

  // access.
  CHECK_EQ(syscall(SYS_access, "f", F_OK), 0, "access_f_ok");
  CHECK_EQ(syscall(SYS_access, "f", R_OK | W_OK), 0, "access_rw");
  CHECK_ERR(syscall(SYS_access, "f", X_OK), EACCES, "access_x_not_executable_eacces");
  CHECK_ERR(syscall(SYS_access, "missing", F_OK), ENOENT, "access_missing_enoent");
  CHECK_ERR(syscall(SYS_access, "f", 8), EINVAL, "access_bad_mode_einval");
  CHECK_EQ(syscall(SYS_faccessat, dir, "..", X_OK), 0, "faccessat_dirfd");
  CHECK_EQ(syscall(SYS_faccessat2, AT_FDCWD, "l", F_OK, AT_SYMLINK_NOFOLLOW), 0,
           "faccessat2_nofollow");
  CHECK_EQ(syscall(SYS_faccessat2, AT_FDCWD, "f", R_OK, AT_EACCESS), 0, "faccessat2_eaccess");
  CHECK_ERR(syscall(SYS_faccessat2, AT_FDCWD, "f", R_OK, 0x4), EINVAL,
            "faccessat2_bad_flags_einval");
  CHECK_ERR(syscall(SYS_faccessat, fd, "x", F_OK), ENOTDIR, "faccessat_file_dirfd_enotdir");
  close(dir);
  close(fd);
  printf("fs_stat done\n");
  return 0;
}
