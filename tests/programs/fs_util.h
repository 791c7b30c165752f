// Shared setup for the fs_* test programs: each runs in a fresh directory
// made with mkdtemp under a base directory (argv[1], default /tmp), works
// with relative paths from there, and removes the directory tree at exit
// (also after a failed check), so native runs leave nothing behind.
#ifndef RINGFENCE_TESTS_PROGRAMS_FS_UTIL_H_
#define RINGFENCE_TESTS_PROGRAMS_FS_UTIL_H_

#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

static char fs_work_dir[PATH_MAX];

// Removes everything under the directory open at `dir_fd` (closes it).
static void fs_remove_contents(int dir_fd) {
  DIR *dir = fdopendir(dir_fd);
  if (dir == NULL) {
    close(dir_fd);
    return;
  }
  struct dirent *entry;
  while ((entry = readdir(dir)) != NULL) {
    if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
    if (unlinkat(dirfd(dir), entry->d_name, 0) == 0) continue;
    int child = openat(dirfd(dir), entry->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (child < 0) continue;
    fchmod(child, 0700);  // a test may have left it unsearchable
    fs_remove_contents(child);
    unlinkat(dirfd(dir), entry->d_name, AT_REMOVEDIR);
    rewinddir(dir);
  }
  closedir(dir);
}

static void fs_cleanup(void) {
  if (fs_work_dir[0] == '\0') return;
  chmod(fs_work_dir, 0700);
  int fd = open(fs_work_dir, O_RDONLY | O_DIRECTORY);
  if (fd >= 0) fs_remove_contents(fd);
  rmdir(fs_work_dir);
}

// Makes and enters the work directory; returns its absolute path.
__attribute__((unused)) static const char *fs_setup(int argc, char **argv, const char *name) {
  const char *base = argc > 1 ? argv[1] : "/tmp";
  snprintf(fs_work_dir, sizeof fs_work_dir, "%s%s%s_XXXXXX", base,
           base[strlen(base) - 1] == '/' ? "" : "/", name);
  if (mkdtemp(fs_work_dir) == NULL) {
    fs_work_dir[0] = '\0';
    check_fail("mkdtemp", "%s: %s", base, strerror(errno));
  }
  atexit(fs_cleanup);
  if (chdir(fs_work_dir) != 0) check_fail("chdir_work_dir", "%s", strerror(errno));
  return fs_work_dir;
}

// Creates `path` with `contents` (mode 0644).
__attribute__((unused)) static void fs_write_file(const char *path, const char *contents) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) check_fail("fs_write_file", "open %s: %s", path, strerror(errno));
  size_t length = strlen(contents);
  if (write(fd, contents, length) != (ssize_t)length) {
    check_fail("fs_write_file", "write %s: %s", path, strerror(errno));
  }
  close(fd);
}

// An address no program maps (for EFAULT checks).
#define FS_BAD_ADDRESS ((void *)1)

#endif  // RINGFENCE_TESTS_PROGRAMS_FS_UTIL_H_
