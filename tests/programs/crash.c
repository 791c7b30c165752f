// crash: dies from a CPU exception selected by argv[1]. Prints
// "crash <mode>" first; printing "survived" means the fault did not kill it.
// Linux (and so the sandbox) reports these as:
//   SIGSEGV (139): segv_null, segv_write_null, segv_write_rodata, segv_exec_data,
//                  segv_jump_null, segv_noncanonical, segv_kernel_address,
//                  stack_overflow, hlt, cli, sti, out, in, wrmsr, rdmsr, int_n
//   SIGILL  (132): ud2
//   SIGFPE  (136): div0, div_overflow
//   SIGTRAP (133): int3
#include "check.h"

#include <stdint.h>
#include <sys/mman.h>

static const char kRodata[] = "read-only";

#pragma GCC diagnostic ignored "-Winfinite-recursion"
__attribute__((noinline)) static int recurse(int depth) {
  volatile char pad[1024];
  pad[0] = (char)depth;
  pad[1023] = (char)depth;
  int r = recurse(depth + 1);  // not a tail call: uses pad afterwards
  return r + pad[0] + pad[1023];
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: crash MODE\n");
    return 2;
  }
  const char *m = argv[1];
  printf("crash %s\n", m);
  if (!strcmp(m, "segv_null")) {
    printf("%d\n", *(volatile int *)0);
  } else if (!strcmp(m, "segv_write_null")) {
    *(volatile int *)0 = 1;
  } else if (!strcmp(m, "segv_write_rodata")) {
    *(volatile char *)kRodata = 'R';
  } else if (!strcmp(m, "segv_exec_data")) {
    // A writable, non-executable page holding a `ret`: NX must fault.
    unsigned char *p = (unsigned char *)syscall(SYS_mmap, NULL, 4096,
                                                PROT_READ | PROT_WRITE,
                                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p[0] = 0xc3;
    ((void (*)(void))p)();
  } else if (!strcmp(m, "segv_jump_null")) {
    void (*volatile f)(void) = 0;
    f();
  } else if (!strcmp(m, "segv_noncanonical")) {
    printf("%d\n", *(volatile int *)0x8000000000000000ull);
  } else if (!strcmp(m, "segv_kernel_address")) {
    printf("%d\n", *(volatile int *)0xffffffff81000000ull);
  } else if (!strcmp(m, "stack_overflow")) {
    printf("%d\n", recurse(0));
  } else if (!strcmp(m, "hlt")) {
    __asm__ volatile("hlt");
  } else if (!strcmp(m, "cli")) {
    __asm__ volatile("cli");
  } else if (!strcmp(m, "sti")) {
    __asm__ volatile("sti");
  } else if (!strcmp(m, "out")) {
    __asm__ volatile("outb %%al, $0x80" ::"a"(0));
  } else if (!strcmp(m, "in")) {
    unsigned char v;
    __asm__ volatile("inb $0x80, %%al" : "=a"(v));
  } else if (!strcmp(m, "wrmsr")) {
    __asm__ volatile("wrmsr" ::"c"(0xc0000100u), "a"(0), "d"(0));  // FS_BASE
  } else if (!strcmp(m, "rdmsr")) {
    unsigned lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xc0000080u));  // EFER
  } else if (!strcmp(m, "int_n")) {
    __asm__ volatile("int $0x41");
  } else if (!strcmp(m, "ud2")) {
    __asm__ volatile("ud2");
  } else if (!strcmp(m, "div0")) {
    // In asm: the compiler rewrites 1/x as a comparison.
    unsigned q = 1, r = 0, d = 0;
    __asm__ volatile("divl %2" : "+a"(q), "+d"(r) : "r"(d));
    printf("%u\n", q);
  } else if (!strcmp(m, "div_overflow")) {
    volatile long a = INT64_MIN, b = -1;
    printf("%ld\n", a / b);
  } else if (!strcmp(m, "int3")) {
    __asm__ volatile("int3");
  } else {
    fprintf(stderr, "crash: unknown mode %s\n", m);
    return 2;
  }
  printf("survived\n");
  return 1;
}
