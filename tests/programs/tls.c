// tls: arch_prctl FS/GS get/set and C11 thread-local variables.
#include "check.h"

#include <asm/prctl.h>
#include <stdint.h>

static _Thread_local int tls_counter = 41;
static _Thread_local char tls_array[100] = "thread-local";
static _Thread_local long tls_zero;

// Raw syscalls that touch no TLS (libc's syscall() writes errno, which lives
// behind FS): used while FS points at our own block.
static long raw2(long n, long a, long b) {
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b) : "rcx", "r11", "memory");
  return r;
}

static uint64_t read_fs(long off) {
  uint64_t v;
  __asm__ volatile("movq %%fs:(%1), %0" : "=r"(v) : "r"(off));
  return v;
}
static uint64_t read_gs(long off) {
  uint64_t v;
  __asm__ volatile("movq %%gs:(%1), %0" : "=r"(v) : "r"(off));
  return v;
}

int main(void) {
  // __thread / _Thread_local variables.
  CHECK_EQ(tls_counter, 41, "tls_initialised_data");
  tls_counter++;
  CHECK_EQ(tls_counter, 42, "tls_write_read");
  CHECK(strcmp(tls_array, "thread-local") == 0, "tls_initialised_array");
  CHECK_EQ(tls_zero, 0, "tls_bss_zero");
  tls_zero = 7;
  CHECK_EQ(tls_zero, 7, "tls_bss_write_read");

  // ARCH_GET_FS: glibc's TCB, whose first word points at itself.
  uint64_t fs = 0;
  CHECK_EQ(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs), 0, "arch_prctl_get_fs");
  CHECK(fs != 0, "fs_base_set_by_libc");
  CHECK_EQ(read_fs(0), fs, "fs_0_is_tcb_self_pointer");
  CHECK((uint64_t)&tls_counter < fs && fs - (uint64_t)&tls_counter < 4096,
        "tls_variable_below_tcb");

  // ARCH_SET_FS to our own block, read through %fs, read back, restore.
  static uint64_t block[4];
  block[0] = (uint64_t)block;
  block[1] = 0x1122334455667788ull;
  long r1 = raw2(SYS_arch_prctl, ARCH_SET_FS, (long)block);
  uint64_t seen = read_fs(8);
  uint64_t got = 0;
  long r2 = raw2(SYS_arch_prctl, ARCH_GET_FS, (long)&got);
  long r3 = raw2(SYS_arch_prctl, ARCH_SET_FS, (long)fs);
  CHECK_EQ(r1, 0, "arch_prctl_set_fs");
  CHECK_EQ(seen, 0x1122334455667788ull, "fs_points_at_new_block");
  CHECK_EQ(r2, 0, "arch_prctl_get_fs_after_set");
  CHECK_EQ(got, (uint64_t)block, "arch_prctl_fs_roundtrip");
  CHECK_EQ(r3, 0, "arch_prctl_restore_fs");
  CHECK_EQ(tls_counter, 42, "tls_works_after_restore");

  // GS.
  static uint64_t gsblock[2] = {0xabcdef0123456789ull, 0x42};
  CHECK_EQ(syscall(SYS_arch_prctl, ARCH_SET_GS, gsblock), 0, "arch_prctl_set_gs");
  CHECK_EQ(read_gs(0), 0xabcdef0123456789ull, "gs_points_at_block");
  CHECK_EQ(read_gs(8), 0x42, "gs_offset_read");
  uint64_t gs = 0;
  CHECK_EQ(syscall(SYS_arch_prctl, ARCH_GET_GS, &gs), 0, "arch_prctl_get_gs");
  CHECK_EQ(gs, (uint64_t)gsblock, "arch_prctl_gs_roundtrip");
  CHECK_EQ(syscall(SYS_arch_prctl, ARCH_SET_GS, 0), 0, "arch_prctl_clear_gs");
  CHECK_EQ(syscall(SYS_arch_prctl, ARCH_GET_GS, &gs), 0, "arch_prctl_get_gs_cleared");
  CHECK_EQ(gs, 0, "gs_cleared");

  // Errors.
  CHECK_ERR(syscall(SYS_arch_prctl, 0x9999, 0), EINVAL, "arch_prctl_bad_code_einval");
  CHECK_ERR(syscall(SYS_arch_prctl, ARCH_SET_FS, 0x8000000000000000ull), EPERM,
            "arch_prctl_set_fs_non_canonical_eperm");
  CHECK_ERR(syscall(SYS_arch_prctl, ARCH_SET_GS, 0xffff800000000000ull), EPERM,
            "arch_prctl_set_gs_kernel_address_eperm");
  CHECK_ERR(syscall(SYS_arch_prctl, ARCH_GET_FS, (void *)1), EFAULT,
            "arch_prctl_get_fs_bad_pointer_efault");
  CHECK_EQ(syscall(SYS_arch_prctl, ARCH_GET_FS, &got), 0, "arch_prctl_get_fs_unchanged");
  CHECK_EQ(got, fs, "fs_unchanged_after_errors");
  printf("tls done\n");
  return 0;
}
