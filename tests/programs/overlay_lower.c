// overlay_lower: changes files of the host tree (the overlay's lower layer)
// from inside the sandbox and checks that the sandbox sees its own changes,
// with overlayfs semantics. argv[1]: a host directory the integration test
// filled (see tests/integration/overlay_test.cc); the test then checks that
// the host copy did not change. Sandbox only: natively this would modify
// the host directory, and a directory rename is not EXDEV there.
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

static char path_buffer[4][4096];

// `name` under the directory (a few live at once, hence the rotation).
static const char *at(const char *name) {
  static int next;
  char *out = path_buffer[next++ % 4];
  snprintf(out, sizeof path_buffer[0], "%s/%s", getenv("OVERLAY_DIR"), name);
  return out;
}

static const char *read_all(const char *path) {
  static char buffer[256];
  int fd = open(path, O_RDONLY);
  if (fd < 0) return "<open failed>";
  ssize_t n = read(fd, buffer, sizeof buffer - 1);
  close(fd);
  buffer[n < 0 ? 0 : n] = '\0';
  return buffer;
}

static void write_all(const char *path, int flags, const char *data) {
  int fd = open(path, O_WRONLY | flags, 0644);
  if (fd < 0) check_fail("write_all_open", "%s: %s", path, strerror(errno));
  if (write(fd, data, strlen(data)) != (ssize_t)strlen(data)) check_fail("write_all", "%s", path);
  close(fd);
}

static int listed(const char *dir_path, const char *name) {
  DIR *dir = opendir(dir_path);
  if (dir == NULL) return -1;
  int found = 0;
  struct dirent *entry;
  while ((entry = readdir(dir)) != NULL) {
    if (strcmp(entry->d_name, name) == 0) ++found;
  }
  closedir(dir);
  return found;
}

int main(int argc, char **argv) {
  if (argc < 2) check_fail("usage", "overlay_lower DIR");
  setenv("OVERLAY_DIR", argv[1], 1);
  struct stat st;

  // Rewriting a host file: the sandbox sees the new data, same inode.
  CHECK_SYS(stat(at("file"), &st), "stat_file");
  ino_t ino = st.st_ino;
  CHECK(strcmp(read_all(at("file")), "original\n") == 0, "file_reads_host_data");
  write_all(at("file"), O_TRUNC, "changed\n");
  CHECK(strcmp(read_all(at("file")), "changed\n") == 0, "file_reads_new_data");
  CHECK_SYS(stat(at("file"), &st), "stat_file_again");
  CHECK_EQ(st.st_ino, ino, "inode_kept_across_copy_up");

  // A read-only descriptor opened before the copy-up keeps the host data.
  int reader = CHECK_SYS(open(at("a"), O_RDONLY), "open_a_read_only");
  write_all(at("a"), 0, "Z");
  char c = 0;
  CHECK_EQ(read(reader, &c, 1), 1, "read_old_descriptor");
  CHECK_EQ(c, 'A', "old_descriptor_sees_the_host_file");
  close(reader);
  CHECK(strcmp(read_all(at("a")), "Z") == 0, "new_open_sees_the_copy");

  // Appending.
  write_all(at("existing"), O_APPEND, "line2\n");
  CHECK(strcmp(read_all(at("existing")), "line1\nline2\n") == 0, "append");

  // Unlink and rename of host files.
  CHECK_SYS(unlink(at("del")), "unlink_host_file");
  CHECK_ERR(stat(at("del"), &st), ENOENT, "unlinked_is_gone");
  CHECK_EQ(listed(argv[1], "del"), 0, "unlinked_not_listed");
  CHECK_SYS(rename(at("a"), at("a2")), "rename_host_file");
  CHECK_ERR(stat(at("a"), &st), ENOENT, "renamed_source_gone");
  CHECK(strcmp(read_all(at("a2")), "Z") == 0, "renamed_target_data");
  CHECK_EQ(listed(argv[1], "a2"), 1, "renamed_listed_once");
  CHECK_SYS(unlink(at("link")), "unlink_host_symlink");

  // New objects among the host ones.
  CHECK_SYS(mkdir(at("newdir"), 0755), "mkdir");
  write_all(at("newdir/f"), O_CREAT, "new\n");
  CHECK(strcmp(read_all(at("newdir/f")), "new\n") == 0, "new_file_in_new_dir");
  write_all(at("del"), O_CREAT, "reborn\n");
  CHECK(strcmp(read_all(at("del")), "reborn\n") == 0, "create_over_deleted");

  // Directories: emptiness counts both layers; a host directory cannot move.
  CHECK_SYS(rmdir(at("emptydir")), "rmdir_empty_host_dir");
  CHECK_ERR(rmdir(at("dir")), ENOTEMPTY, "rmdir_nonempty_host_dir");
  CHECK_ERR(rename(at("dir"), at("dir2")), EXDEV, "rename_host_dir_exdev");
  CHECK_SYS(unlink(at("dir/inner")), "unlink_inner");
  CHECK_SYS(rmdir(at("dir")), "rmdir_emptied_host_dir");
  CHECK_SYS(mkdir(at("dir"), 0700), "mkdir_over_removed_dir");
  CHECK_EQ(listed(at("dir"), "inner"), 0, "new_dir_is_opaque");
  printf("overlay_lower done\n");
  return 0;
}
