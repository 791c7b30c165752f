// fs_dirs: mkdir/mkdirat, rmdir, unlinkat(AT_REMOVEDIR), mknod/mknodat,
// getdents64 and getdents, and their errors. argv[1]: the base directory
// (default /tmp).
#include "fs_util.h"

#include <stdint.h>

struct linux_dirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

struct linux_dirent {
  unsigned long d_ino;
  unsigned long d_off;
  unsigned short d_reclen;
  char d_name[];
};

// Lists directory `fd` with getdents64 (buffer of `size` bytes); returns
// a bit per expected name seen (names[i] -> bit i), failing on others.
static unsigned list_dir64(int fd, size_t size, const char **names, int count,
                           unsigned char *types) {
  char *buf = malloc(size);
  unsigned seen = 0;
  for (;;) {
    long n = syscall(SYS_getdents64, fd, buf, size);
    if (n < 0) check_fail("getdents64", "%s", strerror(errno));
    if (n == 0) break;
    for (long at = 0; at < n;) {
      struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + at);
      int i;
      for (i = 0; i < count; i++) {
        if (strcmp(d->d_name, names[i]) == 0) break;
      }
      if (i == count) check_fail("getdents64_name", "unexpected %s", d->d_name);
      if (seen & (1u << i)) check_fail("getdents64_name", "%s twice", d->d_name);
      seen |= 1u << i;
      types[i] = d->d_type;
      at += d->d_reclen;
    }
  }
  free(buf);
  return seen;
}

int main(int argc, char **argv) {
  fs_setup(argc, argv, "fs_dirs");
  umask(022);
  CHECK_EQ(syscall(SYS_mkdir, "d", 0777), 0, "mkdir");
  struct stat st;
  CHECK_SYS(syscall(SYS_stat, "d", &st), "stat_d");
  CHECK(S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0755, "mkdir_mode_umask");
  CHECK_EQ(st.st_nlink, 2, "new_dir_nlink_2");
  CHECK_ERR(syscall(SYS_mkdir, "d", 0755), EEXIST, "mkdir_exists_eexist");
  CHECK_ERR(syscall(SYS_mkdir, "no/such", 0755), ENOENT, "mkdir_missing_parent_enoent");
  CHECK_ERR(syscall(SYS_mkdir, "", 0755), ENOENT, "mkdir_empty_enoent");
  CHECK_ERR(syscall(SYS_mkdir, FS_BAD_ADDRESS, 0755), EFAULT, "mkdir_bad_path_efault");
  int dir = CHECK_SYS(open("d", O_RDONLY | O_DIRECTORY), "open_d");
  CHECK_SYS(syscall(SYS_mkdirat, dir, "sub", 0700), "mkdirat");
  CHECK_SYS(syscall(SYS_stat, "d", &st), "stat_d_again");
  CHECK_EQ(st.st_nlink, 3, "subdir_bumps_nlink");
  fs_write_file("d/file", "x");
  CHECK_SYS(syscall(SYS_symlink, "file", "d/link"), "symlink_in_d");
  CHECK_SYS(syscall(SYS_mknodat, dir, "fifo", S_IFIFO | 0600, 0), "mknodat_fifo");
  CHECK_SYS(syscall(SYS_mknod, "d/regular", S_IFREG | 0600, 0), "mknod_regular");
  CHECK_SYS(syscall(SYS_stat, "d/fifo", &st), "stat_fifo");
  CHECK(S_ISFIFO(st.st_mode), "mknod_made_fifo");
  CHECK_ERR(syscall(SYS_mknod, "d/dir", S_IFDIR | 0700, 0), EPERM, "mknod_dir_eperm");
  CHECK_ERR(syscall(SYS_mknod, "d/file", S_IFREG | 0600, 0), EEXIST, "mknod_exists_eexist");

  const char *names[] = {".", "..", "sub", "file", "link", "fifo", "regular"};
  unsigned char types[7] = {0};
  unsigned seen = list_dir64(dir, 4096, names, 7, types);
  CHECK_EQ(seen, 0x7f, "getdents64_all_names");
  CHECK(types[2] == DT_DIR && types[3] == DT_REG && types[4] == DT_LNK && types[5] == DT_FIFO,
        "getdents64_types");
  // Again from the start, with a buffer that fits one record at a time.
  CHECK_EQ(syscall(SYS_lseek, dir, 0, SEEK_SET), 0, "rewind_dir");
  seen = list_dir64(dir, 32, names, 7, types);
  CHECK_EQ(seen, 0x7f, "getdents64_small_buffer_all_names");
  CHECK_EQ(syscall(SYS_lseek, dir, 0, SEEK_SET), 0, "rewind_dir_2");
  char tiny[8];
  CHECK_ERR(syscall(SYS_getdents64, dir, tiny, sizeof tiny), EINVAL, "getdents64_tiny_einval");
  CHECK_ERR(syscall(SYS_getdents64, dir, FS_BAD_ADDRESS, 4096), EFAULT, "getdents64_efault");
  int file = CHECK_SYS(open("d/file", O_RDONLY), "open_file");
  char buf[4096];
  CHECK_ERR(syscall(SYS_getdents64, file, buf, sizeof buf), ENOTDIR, "getdents64_file_enotdir");
  CHECK_ERR(syscall(SYS_getdents64, 999, buf, sizeof buf), EBADF, "getdents64_bad_fd_ebadf");
  close(file);
  // The old getdents: d_type is the record's last byte.
  CHECK_EQ(syscall(SYS_lseek, dir, 0, SEEK_SET), 0, "rewind_dir_3");
  long n = CHECK_SYS(syscall(SYS_getdents, dir, buf, sizeof buf), "getdents");
  int found_sub = 0, count = 0;
  for (long at = 0; at < n;) {
    struct linux_dirent *d = (struct linux_dirent *)(buf + at);
    char type = buf[at + d->d_reclen - 1];
    if (strcmp(d->d_name, "sub") == 0 && type == DT_DIR) found_sub = 1;
    count++;
    at += d->d_reclen;
  }
  CHECK(found_sub, "getdents_old_format");
  CHECK_EQ(count, 7, "getdents_old_count");

  // rmdir.
  CHECK_ERR(syscall(SYS_rmdir, "d"), ENOTEMPTY, "rmdir_not_empty");
  CHECK_ERR(syscall(SYS_rmdir, "d/file"), ENOTDIR, "rmdir_file_enotdir");
  CHECK_ERR(syscall(SYS_rmdir, "d/sub/."), EINVAL, "rmdir_dot_einval");
  CHECK_ERR(syscall(SYS_rmdir, "d/missing"), ENOENT, "rmdir_missing_enoent");
  CHECK_ERR(syscall(SYS_unlink, "d/sub"), EISDIR, "unlink_dir_eisdir");
  CHECK_ERR(syscall(SYS_unlinkat, dir, "sub", 0x1), EINVAL, "unlinkat_bad_flags_einval");
  CHECK_SYS(syscall(SYS_unlinkat, dir, "sub", AT_REMOVEDIR), "unlinkat_removedir");
  CHECK_ERR(syscall(SYS_stat, "d/sub", &st), ENOENT, "removed_dir_gone");
  CHECK_SYS(syscall(SYS_unlinkat, dir, "file", 0), "unlinkat_file");
  CHECK_ERR(syscall(SYS_unlinkat, dir, "fifo", AT_REMOVEDIR), ENOTDIR, "unlinkat_removedir_file_enotdir");
  CHECK_SYS(syscall(SYS_unlink, "d/fifo"), "unlink_fifo");
  CHECK_SYS(syscall(SYS_unlink, "d/link"), "unlink_link");
  CHECK_SYS(syscall(SYS_unlink, "d/regular"), "unlink_regular");
  // A removed directory that is still open cannot be listed (iterate_dir's
  // IS_DEADDIR check) nor created in.
  CHECK_SYS(syscall(SYS_rmdir, "d"), "rmdir_empty");
  CHECK_EQ(syscall(SYS_lseek, dir, 0, SEEK_SET), 0, "rewind_removed_dir");
  CHECK_ERR(syscall(SYS_getdents64, dir, buf, sizeof buf), ENOENT, "getdents64_removed_dir_enoent");
  CHECK_ERR(syscall(SYS_mkdirat, dir, "x", 0700), ENOENT, "mkdirat_in_removed_dir_enoent");
  close(dir);
  printf("fs_dirs done\n");
  return 0;
}
