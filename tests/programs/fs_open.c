// fs_open: open/openat/creat, close, read/write, pread64/pwrite64,
// readv/writev, lseek, O_APPEND/O_TRUNC/O_EXCL/O_DIRECTORY/O_NOFOLLOW/
// O_PATH/O_CLOEXEC, RLIMIT_NOFILE, and their errors. argv[1]: the base
// directory (default /tmp).
#include "fs_util.h"

#include <sys/resource.h>
#include <sys/uio.h>

// openat(AT_FDCWD, path, flags[, mode]) without glibc's wrapper.
#define sys_open(path, ...) syscall(SYS_openat, AT_FDCWD, path, __VA_ARGS__, 0)

static void check_create_and_rw(void) {
  int fd = CHECK_SYS(sys_open("a", O_RDWR | O_CREAT | O_EXCL, 0640), "open_creat_excl");
  CHECK_EQ(syscall(SYS_write, fd, "hello world", 11), 11, "write_11");
  CHECK_EQ(syscall(SYS_lseek, fd, 0, SEEK_CUR), 11, "lseek_cur_after_write");
  CHECK_EQ(syscall(SYS_lseek, fd, 0, SEEK_SET), 0, "lseek_set_0");
  char buf[64] = {0};
  CHECK_EQ(syscall(SYS_read, fd, buf, sizeof buf), 11, "read_back_11");
  CHECK(memcmp(buf, "hello world", 11) == 0, "read_back_content");
  CHECK_EQ(syscall(SYS_read, fd, buf, sizeof buf), 0, "read_at_eof_0");
  CHECK_EQ(syscall(SYS_lseek, fd, -5L, SEEK_END), 6, "lseek_end_minus_5");
  CHECK_EQ(syscall(SYS_read, fd, buf, 5), 5, "read_tail");
  CHECK(memcmp(buf, "world", 5) == 0, "read_tail_content");
  CHECK_ERR(syscall(SYS_lseek, fd, -100L, SEEK_CUR), EINVAL, "lseek_negative_einval");
  CHECK_ERR(syscall(SYS_lseek, fd, 0, 99), EINVAL, "lseek_bad_whence_einval");
  // A write past the end leaves a hole that reads as zeros.
  CHECK_EQ(syscall(SYS_pwrite64, fd, "Z", 1, 20), 1, "pwrite_past_end");
  CHECK_EQ(syscall(SYS_pread64, fd, buf, 10, 11), 10, "pread_hole");
  CHECK(buf[0] == 0 && buf[8] == 0 && buf[9] == 'Z', "hole_reads_zero");
  CHECK_EQ(syscall(SYS_lseek, fd, 0, SEEK_CUR), 11, "pread_keeps_position");
  CHECK_ERR(syscall(SYS_pread64, fd, buf, 1, -1L), EINVAL, "pread_negative_einval");
  // readv/writev.
  char a[3] = "AB", b[4] = "CDE";
  struct iovec wv[2] = {{a, 2}, {b, 3}};
  CHECK_EQ(syscall(SYS_lseek, fd, 0, SEEK_SET), 0, "lseek_rewind");
  CHECK_EQ(syscall(SYS_writev, fd, wv, 2), 5, "writev_5");
  char r1[2], r2[3];
  struct iovec rv[2] = {{r1, 2}, {r2, 3}};
  CHECK_EQ(syscall(SYS_lseek, fd, 0, SEEK_SET), 0, "lseek_rewind_2");
  CHECK_EQ(syscall(SYS_readv, fd, rv, 2), 5, "readv_5");
  CHECK(memcmp(r1, "AB", 2) == 0 && memcmp(r2, "CDE", 3) == 0, "readv_content");
  CHECK_ERR(syscall(SYS_read, fd, FS_BAD_ADDRESS, 4), EFAULT, "read_bad_buffer_efault");
  struct stat st;
  CHECK_SYS(syscall(SYS_fstat, fd, &st), "fstat_file");
  CHECK_EQ(st.st_size, 21, "fstat_size");
  CHECK_EQ(st.st_mode & 07777, 0640 & ~022, "created_mode_umask");
  CHECK(S_ISREG(st.st_mode), "fstat_is_regular");
  long fl = CHECK_SYS(syscall(SYS_fcntl, fd, F_GETFL), "getfl");
  CHECK_EQ(fl & O_ACCMODE, O_RDWR, "getfl_rdwr");
  CHECK_EQ(syscall(SYS_close, fd), 0, "close");
  CHECK_ERR(syscall(SYS_close, fd), EBADF, "close_twice_ebadf");
  CHECK_ERR(syscall(SYS_read, fd, buf, 1), EBADF, "read_closed_ebadf");
}

static void check_flags(void) {
  char buf[32] = {0};
  CHECK_ERR(sys_open("a", O_RDWR | O_CREAT | O_EXCL, 0600), EEXIST, "open_excl_eexist");
  // O_APPEND: every write goes to the end.
  int fd = CHECK_SYS(sys_open("a", O_WRONLY | O_APPEND), "open_append");
  CHECK_EQ(syscall(SYS_lseek, fd, 0, SEEK_SET), 0, "append_lseek_0");
  CHECK_EQ(syscall(SYS_write, fd, "!", 1), 1, "append_write");
  CHECK_EQ(syscall(SYS_lseek, fd, 0, SEEK_CUR), 22, "append_position_at_end");
  CHECK_ERR(syscall(SYS_read, fd, buf, 1), EBADF, "read_write_only_ebadf");
  syscall(SYS_close, fd);
  fd = CHECK_SYS(sys_open("a", O_RDONLY), "open_rdonly");
  CHECK_ERR(syscall(SYS_write, fd, "x", 1), EBADF, "write_read_only_ebadf");
  syscall(SYS_close, fd);
  // O_TRUNC.
  fd = CHECK_SYS(sys_open("a", O_RDWR | O_TRUNC), "open_trunc");
  struct stat st;
  CHECK_SYS(syscall(SYS_fstat, fd, &st), "fstat_after_trunc");
  CHECK_EQ(st.st_size, 0, "trunc_size_0");
  syscall(SYS_close, fd);
  // creat = O_CREAT|O_WRONLY|O_TRUNC.
  fd = CHECK_SYS(syscall(SYS_creat, "c", 0600), "creat");
  CHECK_EQ(syscall(SYS_fcntl, fd, F_GETFL) & O_ACCMODE, O_WRONLY, "creat_write_only");
  syscall(SYS_close, fd);
  // O_CLOEXEC.
  fd = CHECK_SYS(sys_open("a", O_RDONLY | O_CLOEXEC), "open_cloexec");
  CHECK_EQ(syscall(SYS_fcntl, fd, F_GETFD), FD_CLOEXEC, "cloexec_set");
  syscall(SYS_close, fd);
  // Directories.
  CHECK_SYS(syscall(SYS_mkdir, "d", 0755), "mkdir_d");
  fd = CHECK_SYS(sys_open("d", O_RDONLY | O_DIRECTORY), "open_directory");
  CHECK_ERR(syscall(SYS_read, fd, buf, 1), EISDIR, "read_directory_eisdir");
  syscall(SYS_close, fd);
  CHECK_ERR(sys_open("d", O_WRONLY), EISDIR, "open_dir_write_eisdir");
  CHECK_ERR(sys_open("d", O_RDONLY | O_CREAT, 0600), EISDIR, "open_creat_dir_eisdir");
  CHECK_ERR(sys_open("a", O_RDONLY | O_DIRECTORY), ENOTDIR, "open_file_o_directory_enotdir");
  CHECK_ERR(sys_open("a/x", O_RDONLY), ENOTDIR, "open_through_file_enotdir");
  CHECK_ERR(sys_open("missing", O_RDONLY), ENOENT, "open_missing_enoent");
  CHECK_ERR(sys_open("missing/x", O_RDONLY | O_CREAT, 0600), ENOENT, "creat_in_missing_dir_enoent");
  CHECK_ERR(sys_open("", O_RDONLY), ENOENT, "open_empty_enoent");
  CHECK_ERR(sys_open(FS_BAD_ADDRESS, O_RDONLY), EFAULT, "open_bad_path_efault");
  // Symlinks: followed, or ELOOP with O_NOFOLLOW.
  CHECK_SYS(syscall(SYS_symlink, "a", "link"), "symlink_link");
  fd = CHECK_SYS(sys_open("link", O_RDONLY), "open_through_symlink");
  syscall(SYS_close, fd);
  CHECK_ERR(sys_open("link", O_RDONLY | O_NOFOLLOW), ELOOP, "open_nofollow_eloop");
  CHECK_SYS(syscall(SYS_symlink, "loop", "loop"), "symlink_loop");
  CHECK_ERR(sys_open("loop", O_RDONLY), ELOOP, "open_symlink_loop_eloop");
  // A dangling link with O_CREAT creates its target.
  CHECK_SYS(syscall(SYS_symlink, "target", "dangling"), "symlink_dangling");
  fd = CHECK_SYS(sys_open("dangling", O_WRONLY | O_CREAT, 0600), "open_creat_dangling");
  syscall(SYS_close, fd);
  CHECK_SYS(syscall(SYS_access, "target", F_OK), "dangling_target_created");
  // Names that are too long.
  char name[300];
  memset(name, 'n', sizeof name - 1);
  name[sizeof name - 1] = '\0';
  CHECK_ERR(sys_open(name, O_RDONLY), ENAMETOOLONG, "open_long_component_enametoolong");
  char *long_path = malloc(PATH_MAX + 10);
  memset(long_path, 'a', PATH_MAX + 9);
  for (int i = 1; i < PATH_MAX + 9; i += 2) long_path[i] = '/';
  long_path[PATH_MAX + 9] = '\0';
  CHECK_ERR(sys_open(long_path, O_RDONLY), ENAMETOOLONG, "open_long_path_enametoolong");
  free(long_path);
}

static void check_openat_and_path(void) {
  int dir = CHECK_SYS(sys_open("d", O_RDONLY | O_DIRECTORY), "open_dir_for_at");
  int fd = CHECK_SYS(syscall(SYS_openat, dir, "in_d", O_RDWR | O_CREAT, 0600), "openat_creat");
  syscall(SYS_close, fd);
  CHECK_SYS(syscall(SYS_access, "d/in_d", F_OK), "openat_created_in_dir");
  int file = CHECK_SYS(sys_open("a", O_RDONLY), "open_file_for_at");
  CHECK_ERR(syscall(SYS_openat, file, "x", O_RDONLY), ENOTDIR, "openat_file_dirfd_enotdir");
  CHECK_ERR(syscall(SYS_openat, 999, "x", O_RDONLY), EBADF, "openat_bad_dirfd_ebadf");
  fd = CHECK_SYS(syscall(SYS_openat, 999, fs_work_dir, O_RDONLY), "openat_absolute_ignores_dirfd");
  syscall(SYS_close, fd);
  // O_PATH: usable as a dirfd and for fstat, not for I/O.
  int path_fd = CHECK_SYS(sys_open("d", O_PATH), "open_o_path");
  char buf[4];
  CHECK_ERR(syscall(SYS_read, path_fd, buf, 1), EBADF, "o_path_read_ebadf");
  CHECK_ERR(syscall(SYS_lseek, path_fd, 0, SEEK_SET), EBADF, "o_path_lseek_ebadf");
  struct stat st;
  CHECK_SYS(syscall(SYS_fstat, path_fd, &st), "o_path_fstat");
  CHECK(S_ISDIR(st.st_mode), "o_path_fstat_dir");
  fd = CHECK_SYS(syscall(SYS_openat, path_fd, "in_d", O_RDONLY), "openat_o_path_dirfd");
  syscall(SYS_close, fd);
  CHECK_EQ(syscall(SYS_fcntl, path_fd, F_GETFL), O_PATH, "o_path_getfl");
  int link_fd = CHECK_SYS(sys_open("link", O_PATH | O_NOFOLLOW), "o_path_nofollow_symlink");
  CHECK_SYS(syscall(SYS_fstat, link_fd, &st), "o_path_symlink_fstat");
  CHECK(S_ISLNK(st.st_mode), "o_path_symlink_is_link");
  syscall(SYS_close, link_fd);
  syscall(SYS_close, path_fd);
  syscall(SYS_close, file);
  syscall(SYS_close, dir);
  // lseek on a pipe (stdin) is ESPIPE.
  CHECK_ERR(syscall(SYS_lseek, 0, 0, SEEK_CUR), ESPIPE, "lseek_pipe_espipe");
}

static void check_file_limit(void) {
  struct rlimit old, low;
  CHECK_SYS(getrlimit(RLIMIT_NOFILE, &old), "getrlimit_nofile");
  int probe = CHECK_SYS(sys_open("a", O_RDONLY), "open_probe");
  syscall(SYS_close, probe);
  low.rlim_cur = probe + 1;  // room for exactly one more fd
  low.rlim_max = old.rlim_max;
  CHECK_SYS(setrlimit(RLIMIT_NOFILE, &low), "setrlimit_nofile_low");
  int fd = CHECK_SYS(sys_open("a", O_RDONLY), "open_last_fd");
  CHECK_ERR(sys_open("a", O_RDONLY), EMFILE, "open_over_limit_emfile");
  CHECK_ERR(sys_open("nonexistent", O_RDONLY), EMFILE, "emfile_before_enoent");
  syscall(SYS_close, fd);
  CHECK_SYS(setrlimit(RLIMIT_NOFILE, &old), "setrlimit_restore");
}

int main(int argc, char **argv) {
  fs_setup(argc, argv, "fs_open");
  umask(022);
  check_create_and_rw();
  check_flags();
  check_openat_and_path();
  check_file_limit();
  printf("fs_open done\n");
  return 0;
}
