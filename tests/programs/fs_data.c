// fs_data: sendfile, copy_file_range, preadv/pwritev/preadv2/pwritev2,
// fsync/fdatasync/syncfs/sync, and their errors. argv[1]: the base
// directory (default /tmp).
#include "fs_util.h"

#include <sys/uio.h>

static void check_vectored(void) {
  int fd = CHECK_SYS(open("v", O_RDWR | O_CREAT, 0644), "open_v");
  char a[] = "abc", b[] = "defg";
  struct iovec wv[2] = {{a, 3}, {b, 4}};
  CHECK_EQ(syscall(SYS_pwritev, fd, wv, 2, 10L, 0L), 7, "pwritev");
  CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0, "pwritev_keeps_position");
  char r1[4] = {0}, r2[4] = {0};
  struct iovec rv[2] = {{r1, 3}, {r2, 4}};
  CHECK_EQ(syscall(SYS_preadv, fd, rv, 2, 10L, 0L), 7, "preadv");
  CHECK(memcmp(r1, "abc", 3) == 0 && memcmp(r2, "defg", 4) == 0, "preadv_content");
  CHECK_ERR(syscall(SYS_preadv, fd, rv, 2, -1L, 0L), EINVAL, "preadv_negative_einval");
  CHECK_EQ(syscall(SYS_pwritev2, fd, wv, 1, -1L, 0L, 0), 3, "pwritev2_at_position");
  CHECK_EQ(lseek(fd, 0, SEEK_CUR), 3, "pwritev2_advanced_position");
  CHECK_EQ(syscall(SYS_preadv2, fd, rv, 2, 10L, 0L, RWF_HIPRI), 7, "preadv2_hipri");
  CHECK_ERR(syscall(SYS_preadv2, fd, rv, 2, 10L, 0L, 0x10000), EOPNOTSUPP,
            "preadv2_unknown_flag_eopnotsupp");
  CHECK_ERR(syscall(SYS_preadv, 0, rv, 2, 0L, 0L), ESPIPE, "preadv_pipe_espipe");
  CHECK_SYS(syscall(SYS_fsync, fd), "fsync");
  CHECK_SYS(syscall(SYS_fdatasync, fd), "fdatasync");
  CHECK_SYS(syscall(SYS_syncfs, fd), "syncfs");
  CHECK_SYS(syscall(SYS_sync), "sync");
  CHECK_ERR(syscall(SYS_fsync, 999), EBADF, "fsync_bad_fd_ebadf");
  CHECK_ERR(syscall(SYS_fsync, 0), EINVAL, "fsync_pipe_einval");
  close(fd);
}

static void check_sendfile(void) {
  fs_write_file("src", "0123456789abcdef");
  int in = CHECK_SYS(open("src", O_RDONLY), "open_src");
  int out = CHECK_SYS(open("dst", O_RDWR | O_CREAT | O_TRUNC, 0644), "open_dst");
  CHECK_EQ(syscall(SYS_sendfile, out, in, NULL, 4), 4, "sendfile_at_position");
  CHECK_EQ(lseek(in, 0, SEEK_CUR), 4, "sendfile_advances_input");
  off_t offset = 10;
  CHECK_EQ(syscall(SYS_sendfile, out, in, &offset, 100), 6, "sendfile_with_offset_to_eof");
  CHECK_EQ(offset, 16, "sendfile_updates_offset");
  CHECK_EQ(lseek(in, 0, SEEK_CUR), 4, "sendfile_offset_keeps_position");
  char buf[16] = {0};
  CHECK_EQ(pread(out, buf, sizeof buf, 0), 10, "read_sent");
  CHECK(memcmp(buf, "0123abcdef", 10) == 0, "sendfile_content");
  CHECK_EQ(syscall(SYS_sendfile, out, in, &offset, 10), 0, "sendfile_at_eof_0");
  CHECK_ERR(syscall(SYS_sendfile, in, out, NULL, 4), EBADF, "sendfile_read_only_out_ebadf");
  CHECK_ERR(syscall(SYS_sendfile, 999, in, NULL, 4), EBADF, "sendfile_bad_out_ebadf");
  CHECK_ERR(syscall(SYS_sendfile, out, 999, NULL, 4), EBADF, "sendfile_bad_in_ebadf");
  int appender = CHECK_SYS(open("dst", O_WRONLY | O_APPEND), "open_append");
  CHECK_ERR(syscall(SYS_sendfile, appender, in, NULL, 4), EINVAL, "sendfile_append_einval");
  close(appender);
  offset = -1;
  CHECK_ERR(syscall(SYS_sendfile, out, in, &offset, 4), EINVAL, "sendfile_negative_offset_einval");
  CHECK_ERR(syscall(SYS_sendfile, out, in, FS_BAD_ADDRESS, 4), EFAULT, "sendfile_bad_offset_efault");
  close(out);
  close(in);
}

static void check_copy_file_range(void) {
  int in = CHECK_SYS(open("src", O_RDONLY), "cfr_open_src");
  int out = CHECK_SYS(open("copy", O_RDWR | O_CREAT | O_TRUNC, 0644), "cfr_open_copy");
  CHECK_EQ(syscall(SYS_copy_file_range, in, NULL, out, NULL, 5, 0), 5, "copy_file_range");
  CHECK_EQ(lseek(in, 0, SEEK_CUR), 5, "cfr_advances_input");
  CHECK_EQ(lseek(out, 0, SEEK_CUR), 5, "cfr_advances_output");
  loff_t in_off = 12, out_off = 100;
  CHECK_EQ(syscall(SYS_copy_file_range, in, &in_off, out, &out_off, 50, 0), 4,
           "cfr_offsets_to_eof");
  CHECK(in_off == 16 && out_off == 104, "cfr_updates_offsets");
  CHECK_EQ(lseek(out, 0, SEEK_CUR), 5, "cfr_offsets_keep_position");
  char buf[8] = {0};
  CHECK_EQ(pread(out, buf, 4, 100), 4, "read_copied");
  CHECK(memcmp(buf, "cdef", 4) == 0, "cfr_content");
  CHECK_ERR(syscall(SYS_copy_file_range, in, NULL, out, NULL, 5, 1), EINVAL, "cfr_flags_einval");
  CHECK_ERR(syscall(SYS_copy_file_range, out, NULL, in, NULL, 5, 0), EBADF, "cfr_read_only_out_ebadf");
  int dir = CHECK_SYS(open(".", O_RDONLY | O_DIRECTORY), "cfr_open_dir");
  CHECK_ERR(syscall(SYS_copy_file_range, dir, NULL, out, NULL, 5, 0), EISDIR, "cfr_dir_eisdir");
  close(dir);
  loff_t a = 0, b = 2;
  CHECK_ERR(syscall(SYS_copy_file_range, out, &a, out, &b, 4, 0), EINVAL, "cfr_overlap_einval");
  CHECK_ERR(syscall(SYS_copy_file_range, 999, NULL, out, NULL, 5, 0), EBADF, "cfr_bad_fd_ebadf");
  close(out);
  close(in);
}

int main(int argc, char **argv) {
  fs_setup(argc, argv, "fs_data");
  check_vectored();
  check_sendfile();
  check_copy_file_range();
  printf("fs_data done\n");
  return 0;
}
