// random: getrandom sizes and flags.
#include "check.h"

#include <sys/random.h>

#ifndef GRND_INSECURE
#define GRND_INSECURE 0x0004
#endif

static int all_zero(const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i]) return 0;
  return 1;
}

int main(void) {
  static unsigned char buf[1 << 20], other[64];
  CHECK_EQ(syscall(SYS_getrandom, buf, 0, 0), 0, "getrandom_zero_bytes");
  CHECK_EQ(syscall(SYS_getrandom, NULL, 0, 0), 0, "getrandom_zero_bytes_null");
  static const size_t sizes[] = {1, 16, 256, 4096, 65536, 1 << 20};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    char name[64];
    memset(buf, 0, sizeof buf);
    snprintf(name, sizeof name, "getrandom_%zu_bytes", sizes[i]);
    CHECK_EQ(syscall(SYS_getrandom, buf, sizes[i], 0), (long)sizes[i], name);
    if (sizes[i] >= 16) {
      snprintf(name, sizeof name, "getrandom_%zu_bytes_not_zero", sizes[i]);
      CHECK(!all_zero(buf, sizes[i]), name);
    }
  }
  // Bytes past the requested length are untouched.
  memset(buf, 0, 64);
  CHECK_EQ(syscall(SYS_getrandom, buf, 32, 0), 32, "getrandom_32");
  CHECK(all_zero(buf + 32, 32), "getrandom_writes_only_length");
  CHECK_EQ(syscall(SYS_getrandom, other, 32, 0), 32, "getrandom_32_again");
  CHECK(memcmp(buf, other, 32) != 0, "two_calls_differ");
  CHECK_EQ(syscall(SYS_getrandom, buf, 64, GRND_NONBLOCK), 64, "getrandom_nonblock");
  CHECK_EQ(syscall(SYS_getrandom, buf, 64, GRND_RANDOM), 64, "getrandom_random");
  CHECK_EQ(syscall(SYS_getrandom, buf, 64, GRND_RANDOM | GRND_NONBLOCK), 64,
           "getrandom_random_nonblock");
  CHECK_EQ(syscall(SYS_getrandom, buf, 64, GRND_INSECURE), 64, "getrandom_insecure");
  CHECK_ERR(syscall(SYS_getrandom, buf, 16, 0x8), EINVAL, "getrandom_unknown_flag_einval");
  CHECK_ERR(syscall(SYS_getrandom, buf, 16, ~0u), EINVAL, "getrandom_all_flags_einval");
  CHECK_ERR(syscall(SYS_getrandom, buf, 16, GRND_INSECURE | GRND_RANDOM), EINVAL,
            "getrandom_insecure_and_random_einval");
  CHECK_ERR(syscall(SYS_getrandom, (void *)1, 16, 0), EFAULT, "getrandom_bad_pointer_efault");
  CHECK_ERR(syscall(SYS_getrandom, NULL, 16, 0), EFAULT, "getrandom_null_efault");
  unsigned char libc_buf[16] = {0};
  CHECK_EQ(getrandom(libc_buf, sizeof libc_buf, 0), 16, "libc_getrandom");
  printf("random done\n");
  return 0;
}
