// fs_attr: chmod/fchmod/fchmodat, chown/fchown/lchown/fchownat,
// truncate/ftruncate, fallocate, utimensat/utimes/utime/futimesat,
// statfs/fstatfs, and their errors. argv[1]: the base directory (default
// /tmp). Runs as root (the sandbox's only user today).
#include "fs_util.h"

#include <sys/statfs.h>
#include <sys/time.h>
#include <time.h>
#include <utime.h>

static struct stat stat_of(const char *path) {
  struct stat st;
  if (syscall(SYS_lstat, path, &st) != 0) check_fail("lstat", "%s: %s", path, strerror(errno));
  return st;
}

static void check_modes_and_owners(void) {
  fs_write_file("f", "0123456789");
  CHECK_SYS(syscall(SYS_chmod, "f", 0600), "chmod");
  CHECK_EQ(stat_of("f").st_mode & 07777, 0600, "chmod_applied");
  CHECK_SYS(syscall(SYS_chmod, "f", 0104755), "chmod_type_bits_ignored");
  CHECK_EQ(stat_of("f").st_mode, S_IFREG | 04755, "chmod_keeps_type_sets_suid");
  int fd = CHECK_SYS(open("f", O_RDWR), "open_f");
  CHECK_SYS(syscall(SYS_fchmod, fd, 0640), "fchmod");
  CHECK_EQ(stat_of("f").st_mode & 07777, 0640, "fchmod_applied");
  CHECK_SYS(syscall(SYS_fchmodat, AT_FDCWD, "f", 0644), "fchmodat");
  CHECK_EQ(stat_of("f").st_mode & 07777, 0644, "fchmodat_applied");
  CHECK_ERR(syscall(SYS_chmod, "missing", 0644), ENOENT, "chmod_missing_enoent");
  CHECK_ERR(syscall(SYS_fchmod, 999, 0644), EBADF, "fchmod_bad_fd_ebadf");
  int path_fd = CHECK_SYS(open("f", O_PATH), "open_o_path");
  CHECK_ERR(syscall(SYS_fchmod, path_fd, 0644), EBADF, "fchmod_o_path_ebadf");
  close(path_fd);
  // chown: root may give files away; -1 keeps an id.
  CHECK_SYS(syscall(SYS_chown, "f", 1234, 5678), "chown");
  struct stat st = stat_of("f");
  CHECK(st.st_uid == 1234 && st.st_gid == 5678, "chown_applied");
  CHECK_SYS(syscall(SYS_fchown, fd, -1, 42), "fchown_gid_only");
  st = stat_of("f");
  CHECK(st.st_uid == 1234 && st.st_gid == 42, "fchown_kept_uid");
  CHECK_SYS(syscall(SYS_symlink, "f", "l"), "symlink");
  CHECK_SYS(syscall(SYS_lchown, "l", 77, 88), "lchown");
  CHECK(stat_of("l").st_uid == 77 && stat_of("f").st_uid == 1234, "lchown_changes_link_only");
  CHECK_SYS(syscall(SYS_fchownat, AT_FDCWD, "l", 99, -1, 0), "fchownat_follows");
  CHECK_EQ(stat_of("f").st_uid, 99, "fchownat_changed_target");
  CHECK_SYS(syscall(SYS_fchownat, fd, "", 0, 0, AT_EMPTY_PATH), "fchownat_empty_path");
  CHECK_EQ(stat_of("f").st_uid, 0, "fchownat_empty_path_applied");
  CHECK_ERR(syscall(SYS_fchownat, AT_FDCWD, "f", 0, 0, 0x4), EINVAL, "fchownat_bad_flags_einval");
  // chown of an executable drops set-user-ID.
  CHECK_SYS(syscall(SYS_chmod, "f", 04755), "chmod_suid");
  CHECK_SYS(syscall(SYS_chown, "f", 0, 0), "chown_suid_file");
  CHECK_EQ(stat_of("f").st_mode & 07777, 0755, "chown_clears_suid");
  close(fd);
}

static void check_sizes(void) {
  CHECK_SYS(syscall(SYS_truncate, "f", 4), "truncate_shrink");
  CHECK_EQ(stat_of("f").st_size, 4, "truncate_size_4");
  CHECK_SYS(syscall(SYS_truncate, "f", 8192), "truncate_grow");
  CHECK_EQ(stat_of("f").st_size, 8192, "truncate_size_8192");
  int fd = CHECK_SYS(open("f", O_RDWR), "open_rw");
  char buf[8];
  CHECK_EQ(pread(fd, buf, 8, 4), 8, "read_grown_area");
  CHECK(memcmp(buf, "\0\0\0\0\0\0\0\0", 8) == 0, "grown_area_zero");
  CHECK_SYS(syscall(SYS_ftruncate, fd, 2), "ftruncate");
  CHECK_EQ(stat_of("f").st_size, 2, "ftruncate_size");
  CHECK_ERR(syscall(SYS_ftruncate, fd, -1L), EINVAL, "ftruncate_negative_einval");
  CHECK_ERR(syscall(SYS_truncate, "f", -1L), EINVAL, "truncate_negative_einval");
  CHECK_ERR(syscall(SYS_truncate, ".", 0L), EISDIR, "truncate_dir_eisdir");
  CHECK_ERR(syscall(SYS_truncate, "missing", 0L), ENOENT, "truncate_missing_enoent");
  int ro = CHECK_SYS(open("f", O_RDONLY), "open_ro");
  CHECK_ERR(syscall(SYS_ftruncate, ro, 0L), EINVAL, "ftruncate_read_only_einval");
  // fallocate: mode 0 grows the file, KEEP_SIZE only reserves.
  CHECK_SYS(syscall(SYS_fallocate, fd, 0, 0L, 10000L), "fallocate");
  struct stat st = stat_of("f");
  CHECK_EQ(st.st_size, 10000, "fallocate_grows");
  CHECK(st.st_blocks * 512 >= 10000, "fallocate_allocates_blocks");
  CHECK_SYS(syscall(SYS_fallocate, fd, FALLOC_FL_KEEP_SIZE, 10000L, 20000L), "fallocate_keep_size");
  st = stat_of("f");
  CHECK_EQ(st.st_size, 10000, "keep_size_size_unchanged");
  CHECK(st.st_blocks * 512 >= 30000, "keep_size_allocates");
  CHECK_EQ(pread(fd, buf, 4, 5000), 4, "read_fallocated");
  CHECK(memcmp(buf, "\0\0\0\0", 4) == 0, "fallocated_reads_zero");
  CHECK_ERR(syscall(SYS_fallocate, fd, 0, -1L, 10L), EINVAL, "fallocate_negative_offset_einval");
  CHECK_ERR(syscall(SYS_fallocate, fd, 0, 0L, 0L), EINVAL, "fallocate_zero_length_einval");
  CHECK_ERR(syscall(SYS_fallocate, ro, 0, 0L, 10L), EBADF, "fallocate_read_only_ebadf");
  CHECK_ERR(syscall(SYS_fallocate, 999, 0, 0L, 10L), EBADF, "fallocate_bad_fd_ebadf");
  int dir = CHECK_SYS(open(".", O_RDONLY | O_DIRECTORY), "open_dir");
  CHECK_ERR(syscall(SYS_fallocate, dir, 0, 0L, 10L), EBADF, "fallocate_dir_not_writable_ebadf");
  close(dir);
  close(ro);
  close(fd);
}

static void check_times(void) {
  struct timespec ts[2] = {{1000, 500}, {2000, 600}};
  CHECK_SYS(syscall(SYS_utimensat, AT_FDCWD, "f", ts, 0), "utimensat");
  struct stat st = stat_of("f");
  CHECK(st.st_atim.tv_sec == 1000 && st.st_atim.tv_nsec == 500, "utimensat_atime");
  CHECK(st.st_mtim.tv_sec == 2000 && st.st_mtim.tv_nsec == 600, "utimensat_mtime");
  struct timespec omit[2] = {{0, UTIME_OMIT}, {3000, 0}};
  CHECK_SYS(syscall(SYS_utimensat, AT_FDCWD, "f", omit, 0), "utimensat_omit");
  st = stat_of("f");
  CHECK(st.st_atim.tv_sec == 1000 && st.st_mtim.tv_sec == 3000, "utime_omit_keeps_atime");
  CHECK_SYS(syscall(SYS_utimensat, AT_FDCWD, "l", ts, AT_SYMLINK_NOFOLLOW), "utimensat_nofollow");
  CHECK_EQ(stat_of("l").st_mtim.tv_sec, 2000, "utimensat_nofollow_link_time");
  CHECK_EQ(stat_of("f").st_mtim.tv_sec, 3000, "utimensat_nofollow_target_untouched");
  struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
  CHECK_ERR(syscall(SYS_utimensat, AT_FDCWD, "f", bad, 0), EINVAL, "utimensat_bad_nsec_einval");
  CHECK_ERR(syscall(SYS_utimensat, AT_FDCWD, "f", ts, 0x4), EINVAL, "utimensat_bad_flags_einval");
  CHECK_ERR(syscall(SYS_utimensat, AT_FDCWD, "f", FS_BAD_ADDRESS, 0), EFAULT, "utimensat_bad_times_efault");
  int fd = CHECK_SYS(open("f", O_RDONLY), "open_for_futimens");
  CHECK_SYS(syscall(SYS_utimensat, fd, NULL, ts, 0), "futimens");
  CHECK_EQ(stat_of("f").st_mtim.tv_sec, 2000, "futimens_applied");
  CHECK_ERR(syscall(SYS_utimensat, fd, NULL, ts, AT_SYMLINK_NOFOLLOW), EINVAL,
            "futimens_nofollow_einval");
  close(fd);
  time_t before = time(NULL);
  CHECK_SYS(syscall(SYS_utimensat, AT_FDCWD, "f", NULL, 0), "utimensat_now");
  CHECK(stat_of("f").st_mtim.tv_sec >= before, "utimensat_now_is_now");
  struct timeval tv[2] = {{4000, 7}, {5000, 8}};
  CHECK_SYS(syscall(SYS_utimes, "f", tv), "utimes");
  st = stat_of("f");
  CHECK(st.st_mtim.tv_sec == 5000 && st.st_mtim.tv_nsec == 8000, "utimes_usec_to_nsec");
  struct timeval bad_tv[2] = {{0, 1000000}, {0, 0}};
  CHECK_ERR(syscall(SYS_utimes, "f", bad_tv), EINVAL, "utimes_bad_usec_einval");
  CHECK_SYS(syscall(SYS_futimesat, AT_FDCWD, "f", tv), "futimesat");
  struct utimbuf ub = {6000, 7000};
  CHECK_SYS(syscall(SYS_utime, "f", &ub), "utime");
  st = stat_of("f");
  CHECK(st.st_atim.tv_sec == 6000 && st.st_mtim.tv_sec == 7000, "utime_applied");
  CHECK_ERR(syscall(SYS_utime, "missing", &ub), ENOENT, "utime_missing_enoent");
}

static void check_statfs(int in_tmp) {
  struct statfs sf, fsf;
  CHECK_SYS(syscall(SYS_statfs, ".", &sf), "statfs");
  CHECK(sf.f_bsize > 0 && sf.f_namelen == 255, "statfs_sane");
  int fd = CHECK_SYS(open(".", O_RDONLY | O_DIRECTORY), "open_dot");
  CHECK_SYS(syscall(SYS_fstatfs, fd, &fsf), "fstatfs");
  CHECK_EQ(fsf.f_type, sf.f_type, "fstatfs_same_type");
  close(fd);
  // The sandbox's /tmp is a tmpfs; natively it may be anything.
  const char *sandbox = getenv("RINGFENCE_FS_TEST_SANDBOX");
  if (in_tmp && sandbox && *sandbox) CHECK_EQ(sf.f_type, 0x01021994, "statfs_tmpfs_magic");
  CHECK_ERR(syscall(SYS_statfs, "missing", &sf), ENOENT, "statfs_missing_enoent");
  CHECK_ERR(syscall(SYS_statfs, ".", FS_BAD_ADDRESS), EFAULT, "statfs_bad_buffer_efault");
  CHECK_ERR(syscall(SYS_fstatfs, 999, &sf), EBADF, "fstatfs_bad_fd_ebadf");
}

int main(int argc, char **argv) {
  fs_setup(argc, argv, "fs_attr");
  umask(022);
  check_modes_and_owners();
  check_sizes();
  check_times();
  check_statfs(argc < 2 || strcmp(argv[1], "/tmp") == 0);
  printf("fs_attr done\n");
  return 0;
}
