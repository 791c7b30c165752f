// exec_info: what exec set up, checked against the program's own image.
// Prints "argv[i] <arg>" for every argument (argv[0] included), "execfn
// <AT_EXECFN>" and "interpreter yes|no" (whether AT_BASE is set), then
// checks AT_ENTRY, AT_PHDR, AT_PHNUM, AT_BASE, the string layout and brk.
// Built static, static-pie and dynamic (exec_info_dyn).
#include "check.h"

#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <sys/auxv.h>

extern const ElfW(Ehdr) __ehdr_start;  // the linker's name for our ELF header
extern char end;                       // the end of our bss
extern void _start(void);

int main(int argc, char **argv, char **envp) {
  for (int i = 0; i < argc; i++) printf("argv[%d] <%s>\n", i, argv[i]);
  printf("execfn <%s>\n", (const char *)getauxval(AT_EXECFN));
  unsigned long base = getauxval(AT_BASE);
  printf("interpreter %s\n", base != 0 ? "yes" : "no");

  CHECK_EQ(getauxval(AT_ENTRY), (uintptr_t)&_start, "auxv_entry_is_our_start");
  CHECK_EQ(getauxval(AT_PHDR), (uintptr_t)&__ehdr_start + __ehdr_start.e_phoff,
           "auxv_phdr_is_our_phdrs");
  CHECK_EQ(getauxval(AT_PHNUM), __ehdr_start.e_phnum, "auxv_phnum");
  CHECK_EQ(base % 4096, 0, "auxv_base_page_aligned");
  // AT_BASE is where the interpreter's own ELF header is.
  if (base != 0) CHECK(memcmp((const void *)base, ELFMAG, SELFMAG) == 0, "auxv_base_is_elf");
  // argv's strings run contiguously upwards, envp's right after them (what
  // /proc/PID/cmdline and environ read).
  for (int i = 0; i + 1 < argc; i++) {
    CHECK(argv[i] + strlen(argv[i]) + 1 == argv[i + 1], "argv_strings_contiguous");
  }
  if (envp[0] != NULL) {
    CHECK(argv[argc - 1] + strlen(argv[argc - 1]) + 1 == envp[0], "envp_after_argv");
  }
  // The heap follows the program (Linux moves a static-pie's elsewhere) and
  // stays below the interpreter.
  uintptr_t brk = (uintptr_t)sbrk(0);
  if (__ehdr_start.e_type == ET_EXEC || base != 0) {
    CHECK(brk >= (uintptr_t)&end, "brk_after_program");
  }
  if (base != 0) CHECK(brk < base, "brk_below_interpreter");
  printf("exec_info done\n");
  return 0;
}
