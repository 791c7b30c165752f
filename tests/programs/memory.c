// memory: brk, anonymous mmap/munmap/mprotect/mremap and their EINVAL cases.
//
// Modes (argv[1]):
//   (none)            all non-fatal checks, then "memory done"
//   mprotect_write    write to a page made PROT_READ: killed by SIGSEGV
//   prot_none_read    read a PROT_NONE page: killed by SIGSEGV
//   munmap_touch      touch a page after munmap: killed by SIGSEGV
//   brk_touch         touch memory above the break after shrinking: SIGSEGV
#include "check.h"

#include <stdint.h>
#include <sys/mman.h>

#define PAGE 4096ul

static void *mm(void *addr, size_t len, int prot, int flags) {
  return (void *)syscall(SYS_mmap, addr, len, prot, flags, -1, 0);
}
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static int all_zero(const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i]) return 0;
  return 1;
}

static void check_brk(void) {
  uintptr_t cur = (uintptr_t)syscall(SYS_brk, 0);
  CHECK(cur != 0 && cur != (uintptr_t)-1, "brk_query");
  CHECK_EQ(syscall(SYS_brk, 0), cur, "brk_query_stable");
  uintptr_t base = (cur + PAGE - 1) & ~(PAGE - 1);
  uintptr_t grown = base + 64 * 1024;
  CHECK_EQ(syscall(SYS_brk, grown), grown, "brk_grow");
  CHECK_EQ(syscall(SYS_brk, 0), grown, "brk_query_after_grow");
  volatile unsigned char *p = (volatile unsigned char *)cur;
  CHECK(all_zero((const unsigned char *)cur, grown - cur), "brk_new_memory_zeroed");
  for (uintptr_t a = cur; a < grown; a += 512) p[a - cur] = 0x5a;
  CHECK_EQ(p[grown - cur - 512], 0x5a, "brk_memory_writable");
  CHECK_EQ(syscall(SYS_brk, base + PAGE), base + PAGE, "brk_shrink");
  CHECK_EQ(syscall(SYS_brk, 0), base + PAGE, "brk_query_after_shrink");
  // Growing again must give zeroed memory, not the old contents.
  CHECK_EQ(syscall(SYS_brk, grown), grown, "brk_regrow");
  CHECK(all_zero((const unsigned char *)(base + PAGE), grown - base - PAGE),
        "brk_regrown_memory_zeroed");
  // Failure returns the current break unchanged.
  CHECK_EQ(syscall(SYS_brk, (uintptr_t)1 << 46), grown, "brk_huge_fails_returns_current");
  CHECK_EQ(syscall(SYS_brk, 0x1000), grown, "brk_below_start_returns_current");
  CHECK_EQ(syscall(SYS_brk, cur), cur, "brk_restore");
}

static void check_mmap(void) {
  static const size_t sizes[] = {1, PAGE, 3 * PAGE, 1 << 20, 64 << 20};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    size_t n = sizes[i];
    unsigned char *p = mm(NULL, n, RW, ANON);
    char name[64];
    snprintf(name, sizeof name, "mmap_anon_%zu", n);
    CHECK(p != MAP_FAILED, name);
    snprintf(name, sizeof name, "mmap_anon_%zu_page_aligned", n);
    CHECK(((uintptr_t)p & (PAGE - 1)) == 0, name);
    // Fresh anonymous memory is zero; write first and last byte of each page.
    size_t len = (n + PAGE - 1) & ~(PAGE - 1);
    int zero = 1;
    for (size_t off = 0; off < len; off += PAGE) {
      if (p[off] || p[off + PAGE - 1]) zero = 0;
      p[off] = (unsigned char)(off >> 12);
      p[off + PAGE - 1] = 0xa5;
    }
    snprintf(name, sizeof name, "mmap_anon_%zu_zeroed", n);
    CHECK(zero, name);
    int ok = 1;
    for (size_t off = 0; off < len; off += PAGE)
      if (p[off] != (unsigned char)(off >> 12) || p[off + PAGE - 1] != 0xa5) ok = 0;
    snprintf(name, sizeof name, "mmap_anon_%zu_readback", n);
    CHECK(ok, name);
    snprintf(name, sizeof name, "munmap_%zu", n);
    CHECK_EQ(syscall(SYS_munmap, p, n), 0, name);
  }

  // Shared anonymous memory works within one process.
  unsigned char *s = mm(NULL, PAGE, RW, MAP_SHARED | MAP_ANONYMOUS);
  CHECK(s != MAP_FAILED, "mmap_shared_anon");
  s[10] = 7;
  CHECK_EQ(s[10], 7, "mmap_shared_anon_rw");
  CHECK_EQ(syscall(SYS_munmap, s, PAGE), 0, "munmap_shared_anon");

  // A hint is only a hint; PROT_NONE mappings are allowed.
  void *none = mm(NULL, PAGE, PROT_NONE, ANON);
  CHECK(none != MAP_FAILED, "mmap_prot_none");
  CHECK_EQ(syscall(SYS_munmap, none, PAGE), 0, "munmap_prot_none");

  // MAP_FIXED replaces part of an existing mapping with fresh zero pages.
  unsigned char *f = mm(NULL, 4 * PAGE, RW, ANON);
  CHECK(f != MAP_FAILED, "mmap_4_pages");
  memset(f, 0x11, 4 * PAGE);
  unsigned char *g = mm(f + PAGE, PAGE, RW, ANON | MAP_FIXED);
  CHECK(g == f + PAGE, "mmap_fixed_returns_address");
  CHECK(all_zero(f + PAGE, PAGE), "mmap_fixed_page_zeroed");
  CHECK(f[0] == 0x11 && f[2 * PAGE] == 0x11 && f[4 * PAGE - 1] == 0x11,
        "mmap_fixed_neighbours_kept");
  // MAP_FIXED_NOREPLACE on a mapped range fails with EEXIST.
  CHECK(mm(f + 2 * PAGE, PAGE, RW, ANON | MAP_FIXED_NOREPLACE) == MAP_FAILED &&
            errno == EEXIST,
        "mmap_fixed_noreplace_eexist");

  // munmap of one page in the middle leaves a hole (NOREPLACE can map it)
  // and keeps both neighbours.
  CHECK_EQ(syscall(SYS_munmap, f + 2 * PAGE, PAGE), 0, "munmap_partial_middle");
  CHECK(f[PAGE] == 0 && f[3 * PAGE] == 0x11, "munmap_partial_neighbours_kept");
  unsigned char *h = mm(f + 2 * PAGE, PAGE, RW, ANON | MAP_FIXED_NOREPLACE);
  CHECK(h == f + 2 * PAGE, "munmap_partial_left_hole");
  CHECK(all_zero(h, PAGE), "munmap_hole_remapped_zeroed");
  CHECK_EQ(syscall(SYS_munmap, f, 4 * PAGE), 0, "munmap_whole_range");
  // munmap of an unmapped range succeeds.
  CHECK_EQ(syscall(SYS_munmap, f, 4 * PAGE), 0, "munmap_unmapped_ok");
  h = mm(f, 4 * PAGE, RW, ANON | MAP_FIXED_NOREPLACE);
  CHECK(h == f, "munmap_whole_range_left_hole");
  CHECK_EQ(syscall(SYS_munmap, f, 4 * PAGE), 0, "munmap_again");

  // EINVAL and friends.
  CHECK(mm(NULL, 0, RW, ANON) == MAP_FAILED && errno == EINVAL, "mmap_length_zero_einval");
  CHECK(mm(NULL, PAGE, RW, MAP_ANONYMOUS) == MAP_FAILED && errno == EINVAL,
        "mmap_no_private_or_shared_einval");
  CHECK(mm(NULL, PAGE, RW, MAP_PRIVATE | MAP_SHARED | MAP_ANONYMOUS) == MAP_FAILED &&
            errno == EINVAL,
        "mmap_private_and_shared_einval");
  CHECK(mm((void *)0x10000123, PAGE, RW, ANON | MAP_FIXED) == MAP_FAILED &&
            errno == EINVAL,
        "mmap_fixed_unaligned_einval");
  CHECK((void *)syscall(SYS_mmap, NULL, PAGE, RW, ANON, -1, 123) == MAP_FAILED &&
            errno == EINVAL,
        "mmap_unaligned_offset_einval");
  CHECK(mm(NULL, (size_t)1 << 62, RW, ANON) == MAP_FAILED && errno == ENOMEM,
        "mmap_huge_enomem");
  CHECK(mm(NULL, (size_t)-PAGE, RW, ANON) == MAP_FAILED && errno == ENOMEM,
        "mmap_length_overflow_enomem");
  CHECK((void *)syscall(SYS_mmap, NULL, PAGE, PROT_READ, MAP_PRIVATE, 99, 0) ==
                MAP_FAILED && errno == EBADF,
        "mmap_file_bad_fd_ebadf");
  CHECK_ERR(syscall(SYS_munmap, (void *)0x10000123, PAGE), EINVAL, "munmap_unaligned_einval");
  CHECK_ERR(syscall(SYS_munmap, (void *)0x10000000, 0), EINVAL, "munmap_length_zero_einval");
  CHECK_ERR(syscall(SYS_munmap, (void *)0xffff800000000000ul, PAGE), EINVAL,
            "munmap_kernel_address_einval");
}

static void check_mprotect(void) {
  unsigned char *p = mm(NULL, 2 * PAGE, RW, ANON);
  CHECK(p != MAP_FAILED, "mprotect_setup");
  p[0] = 1;
  CHECK_EQ(syscall(SYS_mprotect, p, PAGE, PROT_READ), 0, "mprotect_read_only");
  CHECK_EQ(p[0], 1, "mprotect_read_only_still_readable");
  p[PAGE] = 2;  // the other page stays writable
  CHECK_EQ(p[PAGE], 2, "mprotect_partial_other_page_writable");
  CHECK_EQ(syscall(SYS_mprotect, p, PAGE, RW), 0, "mprotect_back_to_rw");
  p[0] = 3;
  CHECK_EQ(p[0], 3, "mprotect_rw_writable");
  CHECK_EQ(syscall(SYS_mprotect, p, 0, PROT_READ), 0, "mprotect_length_zero_ok");
  CHECK_ERR(syscall(SYS_mprotect, p + 1, PAGE, PROT_READ), EINVAL, "mprotect_unaligned_einval");
  CHECK_ERR(syscall(SYS_mprotect, p, PAGE, 0x100), EINVAL, "mprotect_bad_prot_einval");
  CHECK_EQ(syscall(SYS_munmap, p + PAGE, PAGE), 0, "mprotect_unmap_second_page");
  CHECK_ERR(syscall(SYS_mprotect, p, 2 * PAGE, PROT_READ), ENOMEM,
            "mprotect_range_with_hole_enomem");
  CHECK_ERR(syscall(SYS_mprotect, p + PAGE, PAGE, PROT_READ), ENOMEM,
            "mprotect_unmapped_enomem");
  CHECK_EQ(syscall(SYS_munmap, p, PAGE), 0, "mprotect_cleanup");
}

static void check_mremap(void) {
  unsigned char *p = mm(NULL, 4 * PAGE, RW, ANON);
  CHECK(p != MAP_FAILED, "mremap_setup");
  for (size_t i = 0; i < 4 * PAGE; i++) p[i] = (unsigned char)(i * 7);
  // Shrink in place.
  CHECK_EQ(syscall(SYS_mremap, p, 4 * PAGE, 2 * PAGE, 0), (long)p, "mremap_shrink_in_place");
  unsigned char *h = mm(p + 2 * PAGE, 2 * PAGE, RW, ANON | MAP_FIXED_NOREPLACE);
  CHECK(h == p + 2 * PAGE, "mremap_shrink_released_tail");
  // Grow without MAYMOVE when the next pages are mapped: ENOMEM.
  CHECK_ERR(syscall(SYS_mremap, p, 2 * PAGE, 4 * PAGE, 0), ENOMEM,
            "mremap_grow_blocked_enomem");
  // Grow in place once the tail is free again.
  CHECK_EQ(syscall(SYS_munmap, h, 2 * PAGE), 0, "mremap_free_tail");
  CHECK_EQ(syscall(SYS_mremap, p, 2 * PAGE, 4 * PAGE, 0), (long)p, "mremap_grow_in_place");
  int ok = 1;
  for (size_t i = 0; i < 2 * PAGE; i++)
    if (p[i] != (unsigned char)(i * 7)) ok = 0;
  CHECK(ok, "mremap_grow_in_place_keeps_data");
  CHECK(all_zero(p + 2 * PAGE, 2 * PAGE), "mremap_grow_in_place_new_zeroed");
  // Block growth, then MAYMOVE must move and keep the data.
  // (The page after may already belong to another mapping: that blocks too.)
  h = mm(p + 4 * PAGE, PAGE, RW, ANON | MAP_FIXED_NOREPLACE);
  int own_block = h == p + 4 * PAGE;
  CHECK(own_block || errno == EEXIST, "mremap_block_next_page");
  for (size_t i = 0; i < 4 * PAGE; i++) p[i] = (unsigned char)(i * 13);
  unsigned char *q = (unsigned char *)syscall(SYS_mremap, p, 4 * PAGE, 16 * PAGE,
                                              MREMAP_MAYMOVE);
  CHECK(q != MAP_FAILED && q != p, "mremap_maymove_moves");
  ok = 1;
  for (size_t i = 0; i < 4 * PAGE; i++)
    if (q[i] != (unsigned char)(i * 13)) ok = 0;
  CHECK(ok, "mremap_maymove_keeps_data");
  CHECK(all_zero(q + 4 * PAGE, 12 * PAGE), "mremap_maymove_new_zeroed");
  q[16 * PAGE - 1] = 1;
  CHECK(mm(p, 4 * PAGE, RW, ANON | MAP_FIXED_NOREPLACE) == p, "mremap_maymove_freed_old");
  CHECK_EQ(syscall(SYS_munmap, p, own_block ? 5 * PAGE : 4 * PAGE), 0, "mremap_cleanup_old");
  // MREMAP_FIXED moves to a chosen address.
  unsigned char *dst = mm(NULL, 16 * PAGE, PROT_NONE, ANON);
  CHECK(dst != MAP_FAILED, "mremap_fixed_reserve");
  unsigned char *r = (unsigned char *)syscall(SYS_mremap, q, 16 * PAGE, 16 * PAGE,
                                              MREMAP_MAYMOVE | MREMAP_FIXED, dst);
  CHECK(r == dst, "mremap_fixed_moves_to_address");
  CHECK(r[0] == 0 && r[1] == 13 && r[16 * PAGE - 1] == 1, "mremap_fixed_keeps_data");
  // Errors.
  CHECK_ERR(syscall(SYS_mremap, r + 1, PAGE, 2 * PAGE, MREMAP_MAYMOVE), EINVAL,
            "mremap_unaligned_einval");
  CHECK_ERR(syscall(SYS_mremap, r, PAGE, 0, MREMAP_MAYMOVE), EINVAL,
            "mremap_new_size_zero_einval");
  CHECK_ERR(syscall(SYS_mremap, r, PAGE, 2 * PAGE, 0x100), EINVAL, "mremap_bad_flags_einval");
  CHECK_ERR(syscall(SYS_mremap, r, PAGE, PAGE, MREMAP_FIXED, r + 8 * PAGE), EINVAL,
            "mremap_fixed_without_maymove_einval");
  CHECK_EQ(syscall(SYS_munmap, r, 16 * PAGE), 0, "mremap_cleanup");
  CHECK_ERR(syscall(SYS_mremap, r, PAGE, 2 * PAGE, MREMAP_MAYMOVE), EFAULT,
            "mremap_unmapped_efault");
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  if (!strcmp(mode, "mprotect_write")) {
    volatile unsigned char *p = mm(NULL, PAGE, RW, ANON);
    p[0] = 1;
    syscall(SYS_mprotect, p, PAGE, PROT_READ);
    printf("about to fault\n");
    p[0] = 2;
    printf("survived\n");
    return 1;
  }
  if (!strcmp(mode, "prot_none_read")) {
    volatile unsigned char *p = mm(NULL, PAGE, PROT_NONE, ANON);
    printf("about to fault\n");
    printf("read %d\nsurvived\n", p[0]);
    return 1;
  }
  if (!strcmp(mode, "munmap_touch")) {
    volatile unsigned char *p = mm(NULL, 2 * PAGE, RW, ANON);
    p[PAGE] = 1;
    syscall(SYS_munmap, p + PAGE, PAGE);
    printf("about to fault\n");
    p[PAGE] = 2;
    printf("survived\n");
    return 1;
  }
  if (!strcmp(mode, "brk_touch")) {
    uintptr_t cur = (uintptr_t)syscall(SYS_brk, 0);
    uintptr_t base = (cur + PAGE - 1) & ~(PAGE - 1);
    syscall(SYS_brk, base + 16 * PAGE);
    volatile unsigned char *p = (volatile unsigned char *)(base + 8 * PAGE);
    *p = 1;
    syscall(SYS_brk, base + PAGE);
    printf("about to fault\n");
    *p = 2;
    printf("survived\n");
    return 1;
  }
  if (*mode) {
    fprintf(stderr, "memory: unknown mode %s\n", mode);
    return 2;
  }
  check_brk();
  check_mmap();
  check_mprotect();
  check_mremap();
  printf("memory done\n");
  return 0;
}
