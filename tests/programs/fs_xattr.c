// fs_xattr: {,l,f}{get,set,list,remove}xattr: namespaces, name and size
// limits, flags, and their errors. argv[1]: the base directory (default
// /tmp). Whether the file system stores user.* attributes decides the
// path: if it does (Linux's ext4, tmpfs), the values round-trip; if not,
// every storing call must say EOPNOTSUPP. The checks made before any
// storage is reached hold either way. With RINGFENCE_FS_TEST_SANDBOX set
// (the sandbox's tmpfs stores them), storage is required.
#include "fs_util.h"

#include <sys/xattr.h>

static void check_namespace_rules(void) {
  char value[8];
  // Names: empty or longer than XATTR_NAME_MAX (255) is ERANGE.
  CHECK_ERR(syscall(SYS_setxattr, "f", "", "v", 1, 0), ERANGE, "setxattr_empty_name_erange");
  char long_name[300];
  memcpy(long_name, "user.", 5);
  memset(long_name + 5, 'n', sizeof long_name - 6);
  long_name[sizeof long_name - 1] = '\0';
  CHECK_ERR(syscall(SYS_setxattr, "f", long_name, "v", 1, 0), ERANGE, "setxattr_long_name_erange");
  CHECK_ERR(syscall(SYS_getxattr, "f", long_name, value, sizeof value), ERANGE,
            "getxattr_long_name_erange");
  CHECK_ERR(syscall(SYS_setxattr, "f", "user.x", "v", 1, 4), EINVAL, "setxattr_bad_flags_einval");
  CHECK_ERR(syscall(SYS_setxattr, "f", "user.x", "v", (size_t)65537, 0), E2BIG,
            "setxattr_too_big_e2big");
  CHECK_ERR(syscall(SYS_setxattr, "f", "nonamespace", "v", 1, 0), EOPNOTSUPP,
            "setxattr_unknown_namespace_eopnotsupp");
  CHECK_ERR(syscall(SYS_getxattr, "f", "bogus.x", value, sizeof value), EOPNOTSUPP,
            "getxattr_unknown_namespace_eopnotsupp");
  // user.* only on regular files and directories.
  CHECK_ERR(syscall(SYS_lsetxattr, "l", "user.x", "v", 1, 0), EPERM, "lsetxattr_symlink_eperm");
  CHECK_ERR(syscall(SYS_lgetxattr, "l", "user.x", value, sizeof value), ENODATA,
            "lgetxattr_symlink_enodata");
  CHECK_ERR(syscall(SYS_setxattr, "missing", "user.x", "v", 1, 0), ENOENT, "setxattr_missing_enoent");
  CHECK_ERR(syscall(SYS_setxattr, "f", FS_BAD_ADDRESS, "v", 1, 0), EFAULT, "setxattr_bad_name_efault");
  CHECK_ERR(syscall(SYS_fsetxattr, 999, "user.x", "v", 1, 0), EBADF, "fsetxattr_bad_fd_ebadf");
  CHECK_ERR(syscall(SYS_fgetxattr, 999, "user.x", value, sizeof value), EBADF,
            "fgetxattr_bad_fd_ebadf");
  CHECK_ERR(syscall(SYS_flistxattr, 999, value, sizeof value), EBADF, "flistxattr_bad_fd_ebadf");
  CHECK_ERR(syscall(SYS_fremovexattr, 999, "user.x"), EBADF, "fremovexattr_bad_fd_ebadf");
  int path_fd = CHECK_SYS(open("f", O_PATH), "open_o_path");
  CHECK_ERR(syscall(SYS_fgetxattr, path_fd, "user.x", value, sizeof value), EBADF,
            "fgetxattr_o_path_ebadf");
  close(path_fd);
}

static void check_stored(void) {
  char value[16] = {0};
  int fd = CHECK_SYS(open("f", O_RDWR), "open_f");
  CHECK_ERR(syscall(SYS_getxattr, "f", "user.absent", value, sizeof value), ENODATA,
            "getxattr_absent_enodata");
  CHECK_EQ(syscall(SYS_getxattr, "f", "user.x", value, sizeof value), 5, "getxattr");
  CHECK(memcmp(value, "hello", 5) == 0, "getxattr_value");
  CHECK_EQ(syscall(SYS_getxattr, "f", "user.x", NULL, 0), 5, "getxattr_size_query");
  CHECK_ERR(syscall(SYS_getxattr, "f", "user.x", value, 2), ERANGE, "getxattr_small_erange");
  CHECK_ERR(syscall(SYS_setxattr, "f", "user.x", "v", 1, XATTR_CREATE), EEXIST,
            "setxattr_create_existing_eexist");
  CHECK_ERR(syscall(SYS_setxattr, "f", "user.y", "v", 1, XATTR_REPLACE), ENODATA,
            "setxattr_replace_absent_enodata");
  CHECK_SYS(syscall(SYS_fsetxattr, fd, "user.y", "vv", 2, XATTR_CREATE), "fsetxattr_create");
  CHECK_EQ(syscall(SYS_fgetxattr, fd, "user.y", value, sizeof value), 2, "fgetxattr");
  char list[64];
  long n = CHECK_SYS(syscall(SYS_listxattr, "f", list, sizeof list), "listxattr");
  CHECK_EQ(n, (long)sizeof("user.x") + (long)sizeof("user.y"), "listxattr_length");
  CHECK_EQ(syscall(SYS_flistxattr, fd, NULL, 0), n, "flistxattr_size_query");
  CHECK_ERR(syscall(SYS_listxattr, "f", list, 3), ERANGE, "listxattr_small_erange");
  CHECK_SYS(syscall(SYS_removexattr, "f", "user.x"), "removexattr");
  CHECK_ERR(syscall(SYS_removexattr, "f", "user.x"), ENODATA, "removexattr_absent_enodata");
  CHECK_SYS(syscall(SYS_fremovexattr, fd, "user.y"), "fremovexattr");
  CHECK_EQ(syscall(SYS_listxattr, "f", list, sizeof list), 0, "listxattr_empty");
  CHECK_SYS(syscall(SYS_setxattr, ".", "user.dir", "d", 1, 0), "setxattr_directory");
  close(fd);
}

static void check_unsupported(void) {
  char value[16];
  CHECK_ERR(syscall(SYS_getxattr, "f", "user.x", value, sizeof value), EOPNOTSUPP,
            "getxattr_eopnotsupp");
  CHECK_ERR(syscall(SYS_removexattr, "f", "user.x"), EOPNOTSUPP, "removexattr_eopnotsupp");
  CHECK_ERR(syscall(SYS_listxattr, "f", value, sizeof value), EOPNOTSUPP, "listxattr_eopnotsupp");
  CHECK_ERR(syscall(SYS_setxattr, ".", "user.dir", "d", 1, 0), EOPNOTSUPP,
            "setxattr_directory_eopnotsupp");
}

int main(int argc, char **argv) {
  fs_setup(argc, argv, "fs_xattr");
  fs_write_file("f", "data");
  CHECK_SYS(syscall(SYS_symlink, "f", "l"), "symlink");
  check_namespace_rules();
  errno = 0;
  long stored = syscall(SYS_setxattr, "f", "user.x", "hello", 5, 0);
  if (stored == 0) {
    printf("xattr_storage yes\n");
    check_stored();
  } else {
    const char *sandbox = getenv("RINGFENCE_FS_TEST_SANDBOX");
    if (sandbox && *sandbox) check_fail("sandbox_stores_xattrs", "setxattr: %s", strerror(errno));
    CHECK_EQ(errno, EOPNOTSUPP, "setxattr_unsupported_eopnotsupp");
    printf("xattr_storage no\n");
    check_unsupported();
  }
  printf("fs_xattr done\n");
  return 0;
}
