// Tiny self-checking helpers shared by the test programs.
//
// Every program prints a deterministic transcript on stdout: one
// "ok <check>" line per passed check, plus "<name> <value>" lines for values
// that the integration test compares. A failed check prints
// "FAIL <check>: <detail>" on stdout and stderr and exits 1.
//
// Checks call the kernel through raw syscall(2) so that what is tested is the
// kernel's behaviour, not glibc's wrappers (or the vDSO).
#ifndef RINGFENCE_TESTS_PROGRAMS_CHECK_H_
#define RINGFENCE_TESTS_PROGRAMS_CHECK_H_

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

// Unbuffered stdout: a crash right after a print must not lose the print.
__attribute__((constructor)) static void check_init_stdio(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
}

__attribute__((noreturn, unused, format(printf, 2, 3))) static void check_fail(
    const char *name, const char *fmt, ...) {
  char detail[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  printf("FAIL %s: %s\n", name, detail);
  fprintf(stderr, "FAIL %s: %s\n", name, detail);
  exit(1);
}

static inline void check_ok(const char *name) { printf("ok %s\n", name); }

// CHECK(cond, name): cond must hold.
#define CHECK(cond, name)                                                  \
  do {                                                                     \
    int check_errno_ = errno;                                              \
    if (cond)                                                              \
      check_ok(name);                                                      \
    else                                                                   \
      check_fail(name, "%s is false (line %d, errno %d %s)", #cond,        \
                 __LINE__, check_errno_, strerror(check_errno_));          \
  } while (0)

// CHECK_EQ(a, b, name): two integers are equal.
#define CHECK_EQ(a, b, name)                                               \
  do {                                                                     \
    long long check_a_ = (long long)(a), check_b_ = (long long)(b);        \
    int check_errno_ = errno;                                              \
    if (check_a_ == check_b_)                                              \
      check_ok(name);                                                      \
    else                                                                   \
      check_fail(name, "%s == %lld, expected %s == %lld (line %d, errno %d)", \
                 #a, check_a_, #b, check_b_, __LINE__, check_errno_);      \
  } while (0)

// CHECK_ERR(expr, err, name): expr (a libc-style call: -1 and errno on
// failure, e.g. syscall()) fails with errno err.
#define CHECK_ERR(expr, err, name)                                         \
  do {                                                                     \
    errno = 0;                                                             \
    long check_r_ = (long)(expr);                                          \
    int check_errno_ = errno;                                              \
    if (check_r_ == -1 && check_errno_ == (err))                           \
      check_ok(name);                                                      \
    else                                                                   \
      check_fail(name, "%s returned %ld errno %d (%s), expected -1 %s (line %d)", \
                 #expr, check_r_, check_errno_, strerror(check_errno_), #err, \
                 __LINE__);                                                \
  } while (0)

// CHECK_SYS(expr, name): expr succeeds (does not return -1). Yields the value.
#define CHECK_SYS(expr, name)                                              \
  ({                                                                       \
    errno = 0;                                                             \
    long check_r_ = (long)(expr);                                          \
    int check_errno_ = errno;                                              \
    if (check_r_ == -1)                                                    \
      check_fail(name, "%s failed: errno %d (%s) (line %d)", #expr,        \
                 check_errno_, strerror(check_errno_), __LINE__);          \
    check_ok(name);                                                        \
    check_r_;                                                              \
  })

#endif  // RINGFENCE_TESTS_PROGRAMS_CHECK_H_
