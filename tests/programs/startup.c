// startup: what execve hands a program: argv, envp, auxv, initial registers'
// consequences. Prints "argc N", "argv[i] <arg>" and
// "env RINGFENCE_TEST_VAR=<value>" (or "env RINGFENCE_TEST_VAR unset").
#include "check.h"

#include <elf.h>
#include <stdint.h>
#include <sys/auxv.h>

extern char **environ;

int main(int argc, char **argv, char **envp) {
  printf("argc %d\n", argc);
  for (int i = 1; i < argc; i++) printf("argv[%d] <%s>\n", i, argv[i]);
  const char *v = getenv("RINGFENCE_TEST_VAR");
  if (v)
    printf("env RINGFENCE_TEST_VAR=%s\n", v);
  else
    printf("env RINGFENCE_TEST_VAR unset\n");
  CHECK(argv[argc] == NULL, "argv_null_terminated");
  CHECK(envp == environ, "envp_is_environ");
  CHECK(argv[0] != NULL && argv[0][0] != 0, "argv0_non_empty");
  // auxv
  CHECK_EQ(getauxval(AT_PAGESZ), 4096, "auxv_pagesz_4096");
  CHECK(getauxval(AT_RANDOM) != 0, "auxv_random_present");
  CHECK(getauxval(AT_PHDR) != 0, "auxv_phdr_present");
  CHECK_EQ(getauxval(AT_PHENT), sizeof(Elf64_Phdr), "auxv_phent");
  CHECK(getauxval(AT_PHNUM) > 0, "auxv_phnum_positive");
  CHECK(getauxval(AT_ENTRY) != 0, "auxv_entry_present");
  CHECK_EQ(getauxval(AT_UID), (unsigned long)getuid(), "auxv_uid_matches");
  CHECK_EQ(getauxval(AT_EUID), (unsigned long)geteuid(), "auxv_euid_matches");
  CHECK_EQ(getauxval(AT_GID), (unsigned long)getgid(), "auxv_gid_matches");
  CHECK_EQ(getauxval(AT_SECURE), 0, "auxv_secure_zero");
  // The stack is 16-byte aligned at main (the ABI requires it at process entry).
  volatile long long x __attribute__((aligned(16))) = 0;
  CHECK(((uintptr_t)&x & 15) == 0, "stack_aligned");
  // The 16 AT_RANDOM bytes are not all zero.
  const unsigned char *r = (const unsigned char *)getauxval(AT_RANDOM);
  int nz = 0;
  for (int i = 0; i < 16; i++) nz |= r[i];
  CHECK(nz, "auxv_random_not_zero");
  // argv strings live on the stack above argv[].
  CHECK((uintptr_t)argv[0] > (uintptr_t)argv, "argv_strings_above_argv");
  printf("startup done\n");
  return 0;
}
