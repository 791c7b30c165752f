// mmap_file: file-backed memory on a tmpfs (/tmp in the sandbox): MAP_SHARED
// and MAP_PRIVATE, copy-on-write, coherence with read/write, msync, madvise,
// mincore, mprotect, mremap, SIGBUS past the end of the file, error paths.
//
// Modes (argv[1]), each ending in "mmap_file <mode> done":
//   shared     MAP_SHARED: writes visible to read() and back, two mappings
//   private    MAP_PRIVATE: copy-on-write isolation, read-only fds
//   advise     madvise(DONTNEED/FREE/...) semantics and errors
//   mincore    residency vectors and errors
//   sync       msync and its errors, munmap of partial ranges
//   remap      mremap of file mappings, MAP_FIXED(_NOREPLACE), MAP_POPULATE
//   errors     mmap's errors (EACCES, ENODEV, EINVAL, EBADF, EOVERFLOW)
//   sigbus     touching past the end of the file: SIGBUS to a handler
//   sigbus_kill  the same without a handler: killed by SIGBUS (status 135)
#include "check.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define PAGE 4096ul
#define RW (PROT_READ | PROT_WRITE)

static char path[128];

static void *map(void *addr, size_t len, int prot, int flags, int fd, off_t offset) {
  return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, offset);
}

// A fresh file of `size` bytes, each byte `fill`, open O_RDWR.
static int make_file(size_t size, char fill) {
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) check_fail("make_file", "open %s: %s", path, strerror(errno));
  char buf[PAGE];
  memset(buf, fill, sizeof buf);
  for (size_t done = 0; done < size;) {
    size_t n = size - done < PAGE ? size - done : PAGE;
    if (write(fd, buf, n) != (ssize_t)n) check_fail("make_file", "write: %s", strerror(errno));
    done += n;
  }
  return fd;
}

static char byte_at(int fd, off_t offset) {
  char c = '?';
  if (pread(fd, &c, 1, offset) != 1) check_fail("byte_at", "pread: %s", strerror(errno));
  return c;
}

static void mode_shared(void) {
  int fd = make_file(2 * PAGE, 'f');
  volatile char *p = map(NULL, 2 * PAGE, RW, MAP_SHARED, fd, 0);
  CHECK(p != MAP_FAILED, "shared_map");
  CHECK_EQ(p[0], 'f', "shared_reads_file");
  p[0] = 'A';
  CHECK_EQ(byte_at(fd, 0), 'A', "shared_write_visible_to_pread");
  CHECK_EQ(pwrite(fd, "Z", 1, PAGE + 5), 1, "shared_pwrite");
  CHECK_EQ(p[PAGE + 5], 'Z', "shared_pwrite_visible_in_mapping");
  volatile char *q = map(NULL, 2 * PAGE, RW, MAP_SHARED, fd, 0);
  CHECK(q != MAP_FAILED, "shared_second_map");
  CHECK_EQ(q[0], 'A', "shared_second_map_sees_first");
  q[100] = 'Q';
  CHECK_EQ(p[100], 'Q', "shared_first_sees_second");
  // An offset mapping of the second page is the same memory.
  volatile char *r = map(NULL, PAGE, PROT_READ, MAP_SHARED, fd, PAGE);
  CHECK(r != MAP_FAILED, "shared_offset_map");
  CHECK_EQ(r[5], 'Z', "shared_offset_map_content");
  // read() into / write() from a mapping of the same file, not faulted in
  // yet: the file system copies to or from its own pages.
  char *self = map(NULL, 2 * PAGE, RW, MAP_SHARED, fd, 0);
  CHECK(self != MAP_FAILED, "shared_self_map");
  CHECK_EQ(pread(fd, self + PAGE, 8, 0), 8, "shared_pread_into_own_mapping");
  CHECK_EQ(p[PAGE], 'A', "shared_pread_into_own_mapping_data");
  char *self2 = map(NULL, 2 * PAGE, RW, MAP_SHARED, fd, 0);
  CHECK(self2 != MAP_FAILED, "shared_self_map_2");
  CHECK_EQ(pwrite(fd, self2, 1, 2 * PAGE - 1), 1, "shared_pwrite_from_own_mapping");
  CHECK_EQ(p[2 * PAGE - 1], 'A', "shared_pwrite_from_own_mapping_data");
  CHECK_EQ(syscall(SYS_munmap, self, 2 * PAGE), 0, "shared_munmap_self");
  CHECK_EQ(syscall(SYS_munmap, self2, 2 * PAGE), 0, "shared_munmap_self_2");
  CHECK_EQ(syscall(SYS_munmap, p, 2 * PAGE), 0, "shared_munmap");
  CHECK_EQ(syscall(SYS_munmap, q, 2 * PAGE), 0, "shared_munmap_second");
  CHECK_EQ(syscall(SYS_munmap, r, PAGE), 0, "shared_munmap_offset");
  CHECK_EQ(byte_at(fd, 100), 'Q', "shared_data_survives_munmap");
  // Closing the fd does not end the mapping.
  p = map(NULL, PAGE, RW, MAP_SHARED, fd, 0);
  CHECK(p != MAP_FAILED, "shared_map_again");
  close(fd);
  p[1] = 'C';
  fd = open(path, O_RDONLY);
  CHECK(fd >= 0, "shared_reopen");
  CHECK_EQ(byte_at(fd, 1), 'C', "shared_write_after_close_visible");
  // Extending the file through write() makes the page past the old end valid.
  struct stat st;
  CHECK_EQ(fstat(fd, &st), 0, "shared_fstat");
  CHECK_EQ(st.st_size, 2 * PAGE, "shared_size_unchanged_by_mapping_writes");
  close(fd);
  unlink(path);
}

static void mode_private(void) {
  int fd = make_file(2 * PAGE, 'f');
  volatile char *p = map(NULL, 2 * PAGE, RW, MAP_PRIVATE, fd, 0);
  CHECK(p != MAP_FAILED, "private_map");
  CHECK_EQ(p[PAGE], 'f', "private_reads_file");
  p[0] = 'P';
  CHECK_EQ(p[0], 'P', "private_write_reads_back");
  CHECK_EQ(byte_at(fd, 0), 'f', "private_write_not_in_file");
  volatile char *q = map(NULL, 2 * PAGE, RW, MAP_PRIVATE, fd, 0);
  CHECK(q != MAP_FAILED, "private_second_map");
  CHECK_EQ(q[0], 'f', "private_mappings_isolated");
  // A page not yet copied still shows the file, including later changes.
  CHECK_EQ(pwrite(fd, "W", 1, PAGE), 1, "private_pwrite");
  CHECK_EQ(p[PAGE], 'W', "private_uncopied_page_follows_file");
  // After a copy, file changes no longer show.
  CHECK_EQ(pwrite(fd, "V", 1, 0), 1, "private_pwrite_copied_page");
  CHECK_EQ(p[0], 'P', "private_copied_page_keeps_own_data");
  // mprotect down and up keeps the private copy and the file page apart.
  CHECK_EQ(syscall(SYS_mprotect, p, 2 * PAGE, PROT_READ), 0, "private_mprotect_ro");
  CHECK_EQ(syscall(SYS_mprotect, p, 2 * PAGE, RW), 0, "private_mprotect_rw");
  p[PAGE + 1] = 'x';
  CHECK_EQ(byte_at(fd, PAGE + 1), 'f', "private_write_after_mprotect_not_in_file");
  CHECK_EQ(p[0], 'P', "private_copy_survives_mprotect");
  // A read-only descriptor: MAP_PRIVATE may still be writable.
  int ro = open(path, O_RDONLY);
  CHECK(ro >= 0, "private_open_ro");
  volatile char *w = map(NULL, PAGE, RW, MAP_PRIVATE, ro, 0);
  CHECK(w != MAP_FAILED, "private_rw_map_of_ro_fd");
  w[2] = 'w';
  CHECK_EQ(byte_at(ro, 2), 'f', "private_ro_fd_file_untouched");
  CHECK_EQ(syscall(SYS_mprotect, w, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC), 0,
           "private_mprotect_exec_ok");
  close(ro);
  close(fd);
  unlink(path);
}

static void mode_advise(void) {
  // Anonymous private memory reads zeros again after MADV_DONTNEED.
  volatile char *a = map(NULL, 2 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(a != MAP_FAILED, "advise_anon_map");
  a[0] = 'a';
  a[PAGE] = 'b';
  CHECK_EQ(syscall(SYS_madvise, a, PAGE, MADV_DONTNEED), 0, "advise_anon_dontneed");
  CHECK_EQ(a[0], 0, "advise_anon_dontneed_zero_fills");
  CHECK_EQ(a[PAGE], 'b', "advise_anon_dontneed_only_its_range");
  CHECK_EQ(syscall(SYS_madvise, a, 2 * PAGE, MADV_FREE), 0, "advise_anon_free");
  int fd = make_file(PAGE, 'f');
  // Private file pages revert to the file's contents.
  volatile char *p = map(NULL, PAGE, RW, MAP_PRIVATE, fd, 0);
  CHECK(p != MAP_FAILED, "advise_private_map");
  p[0] = 'P';
  CHECK_EQ(syscall(SYS_madvise, p, PAGE, MADV_DONTNEED), 0, "advise_private_dontneed");
  CHECK_EQ(p[0], 'f', "advise_private_dontneed_reverts_to_file");
  CHECK_ERR(syscall(SYS_madvise, p, PAGE, MADV_FREE), EINVAL, "advise_free_file_einval");
  // Shared pages keep what was written.
  volatile char *s = map(NULL, PAGE, RW, MAP_SHARED, fd, 0);
  CHECK(s != MAP_FAILED, "advise_shared_map");
  s[0] = 'S';
  CHECK_EQ(syscall(SYS_madvise, s, PAGE, MADV_DONTNEED), 0, "advise_shared_dontneed");
  CHECK_EQ(s[0], 'S', "advise_shared_dontneed_keeps_data");
  static const int hints[] = {MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED,
                              MADV_DONTFORK, MADV_DOFORK};
  for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++) {
    char name[64];
    snprintf(name, sizeof name, "advise_hint_%d", hints[i]);
    CHECK_EQ(syscall(SYS_madvise, s, PAGE, hints[i]), 0, name);
  }
  CHECK_ERR(syscall(SYS_madvise, s, PAGE, 999), EINVAL, "advise_unknown_einval");
  CHECK_ERR(syscall(SYS_madvise, (char *)s + 1, PAGE, MADV_NORMAL), EINVAL,
            "advise_unaligned_einval");
  CHECK_EQ(syscall(SYS_madvise, s, 0, MADV_NORMAL), 0, "advise_zero_length");
  CHECK_EQ(syscall(SYS_munmap, a, 2 * PAGE), 0, "advise_munmap");
  CHECK_ERR(syscall(SYS_madvise, a, PAGE, MADV_NORMAL), ENOMEM, "advise_unmapped_enomem");
  CHECK_ERR(syscall(SYS_madvise, a, PAGE, MADV_DONTNEED), ENOMEM,
            "advise_dontneed_unmapped_enomem");
  close(fd);
  unlink(path);
}

static void mode_mincore(void) {
  unsigned char vec[4];
  volatile char *a = map(NULL, 4 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(a != MAP_FAILED, "mincore_anon_map");
  a[0] = 1;
  a[2 * PAGE] = 1;
  memset(vec, 0xff, sizeof vec);
  CHECK_EQ(syscall(SYS_mincore, a, 4 * PAGE, vec), 0, "mincore_anon");
  CHECK_EQ(vec[0] & 1, 1, "mincore_touched_resident");
  CHECK_EQ(vec[1] & 1, 0, "mincore_untouched_not_resident");
  CHECK_EQ(vec[2] & 1, 1, "mincore_touched_resident_2");
  CHECK_EQ(vec[3] & 1, 0, "mincore_untouched_not_resident_2");
  CHECK_EQ(syscall(SYS_mincore, a, 1, vec), 0, "mincore_partial_page_length");
  CHECK_ERR(syscall(SYS_mincore, (char *)a + 1, PAGE, vec), EINVAL, "mincore_unaligned");
  CHECK_ERR(syscall(SYS_mincore, a, 4 * PAGE, (void *)8), EFAULT, "mincore_bad_vector");
  CHECK_EQ(syscall(SYS_munmap, (char *)a + PAGE, PAGE), 0, "mincore_punch_hole");
  CHECK_ERR(syscall(SYS_mincore, a, 4 * PAGE, vec), ENOMEM, "mincore_hole_enomem");
  // A file written through write() is in memory before it is touched.
  int fd = make_file(2 * PAGE, 'f');
  volatile char *p = map(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
  CHECK(p != MAP_FAILED, "mincore_file_map");
  CHECK_EQ(syscall(SYS_mincore, p, 2 * PAGE, vec), 0, "mincore_file");
  CHECK_EQ(vec[0] & 1, 1, "mincore_file_page_resident");
  CHECK_EQ(vec[1] & 1, 1, "mincore_file_page_resident_2");
  close(fd);
  unlink(path);
}

static void mode_sync(void) {
  int fd = make_file(3 * PAGE, 'f');
  volatile char *p = map(NULL, 3 * PAGE, RW, MAP_SHARED, fd, 0);
  CHECK(p != MAP_FAILED, "sync_map");
  p[0] = '1';
  CHECK_EQ(syscall(SYS_msync, p, 3 * PAGE, MS_SYNC), 0, "sync_ms_sync");
  CHECK_EQ(byte_at(fd, 0), '1', "sync_data_in_file");
  p[0] = '2';  // writes after a sync are still caught
  CHECK_EQ(syscall(SYS_msync, p, PAGE, MS_ASYNC), 0, "sync_ms_async");
  CHECK_EQ(syscall(SYS_msync, p, PAGE, MS_INVALIDATE), 0, "sync_ms_invalidate");
  CHECK_EQ(byte_at(fd, 0), '2', "sync_second_write_in_file");
  CHECK_EQ(syscall(SYS_msync, p, 0, MS_SYNC), 0, "sync_zero_length");
  CHECK_ERR(syscall(SYS_msync, (char *)p + 1, PAGE, MS_SYNC), EINVAL, "sync_unaligned");
  CHECK_ERR(syscall(SYS_msync, p, PAGE, MS_SYNC | MS_ASYNC), EINVAL, "sync_sync_and_async");
  CHECK_ERR(syscall(SYS_msync, p, PAGE, 0x100), EINVAL, "sync_bad_flag");
  // munmap of the middle page leaves both ends mapped.
  CHECK_EQ(syscall(SYS_munmap, (char *)p + PAGE, PAGE), 0, "sync_munmap_middle");
  CHECK_ERR(syscall(SYS_msync, p, 3 * PAGE, MS_SYNC), ENOMEM, "sync_hole_enomem");
  p[2 * PAGE] = '3';
  CHECK_EQ(syscall(SYS_msync, (char *)p + 2 * PAGE, PAGE, MS_SYNC), 0, "sync_tail_piece");
  CHECK_EQ(byte_at(fd, 2 * PAGE), '3', "sync_tail_piece_offset_kept");
  CHECK_EQ(syscall(SYS_munmap, p, 3 * PAGE), 0, "sync_munmap_rest");
  CHECK_ERR(syscall(SYS_msync, p, PAGE, MS_SYNC), ENOMEM, "sync_unmapped_enomem");
  close(fd);
  unlink(path);
}

static void mode_remap(void) {
  int fd = make_file(4 * PAGE, 'f');
  for (int i = 0; i < 4; i++) pwrite(fd, "0123" + i, 1, i * PAGE);
  // Map pages 1..2, grow to 1..3 (moving if needed): the offset follows.
  volatile char *p = map(NULL, 2 * PAGE, RW, MAP_SHARED, fd, PAGE);
  CHECK(p != MAP_FAILED, "remap_map");
  p[0] = 'a';
  volatile char *q = (void *)syscall(SYS_mremap, p, 2 * PAGE, 3 * PAGE, MREMAP_MAYMOVE);
  CHECK(q != MAP_FAILED, "remap_grow");
  CHECK_EQ(q[0], 'a', "remap_keeps_data");
  CHECK_EQ(q[PAGE], '2', "remap_page_2");
  CHECK_EQ(q[2 * PAGE], '3', "remap_new_page_from_file");
  q[2 * PAGE + 1] = 'z';
  CHECK_EQ(byte_at(fd, 3 * PAGE + 1), 'z', "remap_new_page_shared");
  // A private mapping moved keeps its copy-on-write state.
  volatile char *r = map(NULL, PAGE, RW, MAP_PRIVATE, fd, 0);
  CHECK(r != MAP_FAILED, "remap_private_map");
  CHECK_EQ(r[0], '0', "remap_private_read");
  volatile char *anchor = map(NULL, 4 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(anchor != MAP_FAILED, "remap_anchor");
  volatile char *moved = (void *)syscall(SYS_mremap, r, PAGE, PAGE,
                                         MREMAP_MAYMOVE | MREMAP_FIXED, anchor);
  CHECK(moved == anchor, "remap_private_moved");
  moved[0] = 'm';
  CHECK_EQ(byte_at(fd, 0), '0', "remap_private_moved_still_cow");
  // MAP_FIXED replaces, MAP_FIXED_NOREPLACE refuses.
  volatile char *f = map((void *)(anchor + PAGE), PAGE, PROT_READ, MAP_SHARED | MAP_FIXED, fd,
                         2 * PAGE);
  CHECK(f == anchor + PAGE, "remap_map_fixed");
  CHECK_EQ(f[0], '2', "remap_map_fixed_content");
  CHECK(map((void *)(anchor + PAGE), PAGE, PROT_READ, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0) ==
            MAP_FAILED && errno == EEXIST,
        "remap_fixed_noreplace_eexist");
  // MAP_POPULATE: every page in memory up front.
  volatile char *pop = map(NULL, 4 * PAGE, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  CHECK(pop != MAP_FAILED, "remap_populate");
  unsigned char vec[4];
  CHECK_EQ(syscall(SYS_mincore, pop, 4 * PAGE, vec), 0, "remap_populate_mincore");
  CHECK_EQ(vec[0] & vec[1] & vec[2] & vec[3] & 1, 1, "remap_populate_resident");
  CHECK_EQ(pop[3 * PAGE], '3', "remap_populate_content");
  close(fd);
  unlink(path);
}

static void mode_errors(void) {
  int fd = make_file(PAGE, 'f');
  CHECK_ERR(map(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 100), EINVAL, "errors_unaligned_offset");
  CHECK_ERR(map(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0x7ffffffffffff000l), EOVERFLOW,
            "errors_offset_overflow");
  CHECK_ERR(map(NULL, 0, PROT_READ, MAP_SHARED, fd, 0), EINVAL, "errors_zero_length");
  close(fd);
  CHECK_ERR(map(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0), EBADF, "errors_closed_fd");
  int ro = open(path, O_RDONLY);
  CHECK(ro >= 0, "errors_open_ro");
  CHECK_ERR(map(NULL, PAGE, RW, MAP_SHARED, ro, 0), EACCES, "errors_shared_write_ro_fd");
  volatile char *s = map(NULL, PAGE, PROT_READ, MAP_SHARED, ro, 0);
  CHECK(s != MAP_FAILED, "errors_shared_read_ro_fd");
  CHECK_ERR(syscall(SYS_mprotect, s, PAGE, RW), EACCES, "errors_mprotect_write_ro_fd");
  CHECK_EQ(s[0], 'f', "errors_shared_ro_still_readable");
  int wo = open(path, O_WRONLY);
  CHECK(wo >= 0, "errors_open_wo");
  CHECK_ERR(map(NULL, PAGE, PROT_READ, MAP_PRIVATE, wo, 0), EACCES, "errors_private_wo_fd");
  CHECK_ERR(map(NULL, PAGE, RW, MAP_SHARED, wo, 0), EACCES, "errors_shared_wo_fd");
  int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
  CHECK(dir >= 0, "errors_open_dir");
  CHECK_ERR(map(NULL, PAGE, PROT_READ, MAP_PRIVATE, dir, 0), ENODEV, "errors_dir_enodev");
  close(ro);
  close(wo);
  close(dir);
  unlink(path);
}

static sigjmp_buf jump;
static volatile void *bus_address;
static volatile int bus_code;

static void on_sigbus(int sig, siginfo_t *info, void *context) {
  (void)sig;
  (void)context;
  bus_address = info->si_addr;
  bus_code = info->si_code;
  siglongjmp(jump, 1);
}

static volatile char *map_short_file(void) {
  int fd = make_file(PAGE + 10, 'f');
  volatile char *p = map(NULL, 3 * PAGE, RW, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) check_fail("sigbus_map", "mmap: %s", strerror(errno));
  close(fd);
  return p;
}

static void mode_sigbus(void) {
  volatile char *p = map_short_file();
  CHECK_EQ(p[PAGE + 9], 'f', "sigbus_last_byte");
  CHECK_EQ(p[PAGE + 100], 0, "sigbus_tail_of_last_page_zero");
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_sigbus;
  sa.sa_flags = SA_SIGINFO;
  CHECK_EQ(sigaction(SIGBUS, &sa, NULL), 0, "sigbus_sigaction");
  if (sigsetjmp(jump, 1) == 0) {
    (void)p[2 * PAGE + 8];
    check_fail("sigbus_raised", "read past the end of the file returned");
  }
  CHECK(bus_address == p + 2 * PAGE + 8, "sigbus_address");
  CHECK_EQ(bus_code, BUS_ADRERR, "sigbus_code_adrerr");
  // A write past the end faults the same way.
  bus_address = NULL;
  if (sigsetjmp(jump, 1) == 0) {
    p[2 * PAGE] = 1;
    check_fail("sigbus_write_raised", "write past the end of the file returned");
  }
  CHECK(bus_address == p + 2 * PAGE, "sigbus_write_address");
  // Growing the file makes the page valid.
  int fd = open(path, O_RDWR);
  CHECK_EQ(pwrite(fd, "", 1, 3 * PAGE - 1), 1, "sigbus_grow_file");
  CHECK_EQ(p[2 * PAGE + 8], 0, "sigbus_page_valid_after_grow");
  close(fd);
  unlink(path);
}

static void mode_sigbus_kill(void) {
  volatile char *p = map_short_file();
  unlink(path);
  printf("about to fault\n");
  (void)p[2 * PAGE];
  printf("survived\n");
}

int main(int argc, char **argv) {
  snprintf(path, sizeof path, "/tmp/ringfence_mmap_%d", (int)getpid());
  const char *mode = argc > 1 ? argv[1] : "";
  static const struct {
    const char *name;
    void (*run)(void);
  } modes[] = {
      {"shared", mode_shared}, {"private", mode_private}, {"advise", mode_advise},
      {"mincore", mode_mincore}, {"sync", mode_sync},     {"remap", mode_remap},
      {"errors", mode_errors}, {"sigbus", mode_sigbus},   {"sigbus_kill", mode_sigbus_kill},
  };
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
    if (strcmp(mode, modes[i].name) == 0) {
      modes[i].run();
      printf("mmap_file %s done\n", mode);
      return 0;
    }
  }
  fprintf(stderr, "unknown mode '%s'\n", mode);
  return 2;
}
