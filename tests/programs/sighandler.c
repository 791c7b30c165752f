// sighandler: delivery of synchronous fault signals to user handlers, and
// rt_sigreturn. argv[1] selects the mode; each prints check lines and
// "sighandler <mode> done", exiting 0, except the modes that must die:
//   resethand, blocked, ignored, nested, norestorer, badxstate  -> SIGSEGV (139)
// (resethand and badxstate print "first handled" before dying).
#include "check.h"

#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <ucontext.h>

// Faulting on purpose at small addresses is the point here.
#pragma GCC diagnostic ignored "-Warray-bounds"

#define BIT(sig) (1ull << ((sig) - 1))
#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1u << 31)
#endif
#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif

static long page_size;
static volatile int handled;
static volatile int last_signo, last_code;
static void *volatile last_addr;
static volatile uintptr_t last_rip;
static sigjmp_buf jump_env;

// Labels around faulting instructions so handlers can check si_addr and
// skip them. Each asm block sits in its own noinline function, so each
// label is defined once.
extern const char fpe_insn[], fpe_after[], ill_insn[], ill_after[], trap_after[];

__attribute__((noinline)) static unsigned divide(unsigned dividend, unsigned divisor) {
  unsigned quotient = dividend, remainder = 0;
  __asm__ volatile(".globl fpe_insn, fpe_after\n"
                   "fpe_insn: divl %2\n"
                   "fpe_after:"
                   : "+a"(quotient), "+d"(remainder)
                   : "r"(divisor));
  return quotient;
}

__attribute__((noinline)) static long undefined_instruction(void) {
  long value = 5;
  __asm__ volatile(".globl ill_insn, ill_after\n"
                   "ill_insn: ud2\n"
                   "ill_after:"
                   : "+a"(value));
  return value;
}

__attribute__((noinline)) static void breakpoint(void) {
  __asm__ volatile("int3\n"
                   ".globl trap_after\n"
                   "trap_after:");
}

static void install(int sig, void (*fn)(int, siginfo_t *, void *), int flags, uint64_t mask) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = fn;
  sa.sa_flags = SA_SIGINFO | flags;
  sigemptyset(&sa.sa_mask);
  for (int s = 1; s <= 64; s++) {
    if (mask & BIT(s)) sigaddset(&sa.sa_mask, s);
  }
  if (sigaction(sig, &sa, NULL) != 0) check_fail("sigaction", "errno %d", errno);
}

static uint64_t current_mask(void) {
  uint64_t mask = 0;
  syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &mask, 8);
  return mask;
}

static char *map_page(int prot) {
  char *p = mmap(NULL, page_size, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) check_fail("mmap", "errno %d", errno);
  return p;
}

static void record(int sig, siginfo_t *info, void *ctx) {
  ucontext_t *uc = ctx;
  handled++;
  last_signo = sig;
  last_code = info->si_code;
  last_addr = info->si_addr;
  last_rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
}

// --- fixup: make the page writable and retry the store ---------------------

static void fixup_handler(int sig, siginfo_t *info, void *ctx) {
  record(sig, info, ctx);
  uintptr_t page = (uintptr_t)info->si_addr & ~(uintptr_t)(page_size - 1);
  if (mprotect((void *)page, page_size, PROT_READ | PROT_WRITE) != 0) _exit(3);
}

static void mode_fixup(void) {
  install(SIGSEGV, fixup_handler, 0, 0);
  char *p = map_page(PROT_READ);
  volatile char *target = p + 100;
  *target = 'x';  // faults once; the handler fixes the protection
  CHECK_EQ(handled, 1, "fixup_handler_ran_once");
  CHECK_EQ(last_signo, SIGSEGV, "fixup_signo");
  CHECK_EQ(last_code, SEGV_ACCERR, "fixup_code_accerr");
  CHECK(last_addr == (void *)(p + 100), "fixup_si_addr");
  CHECK_EQ(p[100], 'x', "fixup_store_retried");
  CHECK_EQ(current_mask(), 0, "fixup_mask_restored");
}

// --- longjmp: leave the handler with siglongjmp ------------------------------

static void jump_handler(int sig, siginfo_t *info, void *ctx) {
  record(sig, info, ctx);
  siglongjmp(jump_env, 1);
}

static void mode_longjmp(void) {
  install(SIGSEGV, jump_handler, 0, 0);
  int survived = 0;
  if (sigsetjmp(jump_env, 1) == 0) {
    *(volatile int *)8 = 1;
    survived = 1;
  }
  CHECK_EQ(survived, 0, "longjmp_store_did_not_complete");
  CHECK_EQ(handled, 1, "longjmp_handler_ran");
  CHECK_EQ(last_code, SEGV_MAPERR, "longjmp_null_is_maperr");
  CHECK(last_addr == (void *)8, "longjmp_si_addr");
  CHECK_EQ(current_mask(), 0, "longjmp_mask_restored_by_siglongjmp");
  // And again: the handler is still installed and SIGSEGV unblocked.
  if (sigsetjmp(jump_env, 1) == 0) *(volatile int *)16 = 1;
  CHECK_EQ(handled, 2, "longjmp_second_fault_handled");
}

// --- codes: si_code and si_addr ---------------------------------------------

static int fault_at(volatile char *address, int write) {
  if (sigsetjmp(jump_env, 1) == 0) {
    if (write) {
      *address = 1;
    } else {
      (void)*address;
    }
    return 0;
  }
  return 1;
}

static void mode_codes(void) {
  install(SIGSEGV, jump_handler, 0, 0);
  char *none = map_page(PROT_NONE);
  CHECK(fault_at(none + 8, 0), "codes_prot_none_read_faults");
  CHECK_EQ(last_code, SEGV_ACCERR, "codes_prot_none_accerr");
  CHECK(last_addr == (void *)(none + 8), "codes_prot_none_addr");
  CHECK(fault_at(none + 16, 1), "codes_prot_none_write_faults");
  CHECK_EQ(last_code, SEGV_ACCERR, "codes_prot_none_write_accerr");

  char *gone = map_page(PROT_READ | PROT_WRITE);
  munmap(gone, page_size);
  CHECK(fault_at(gone + 24, 0), "codes_unmapped_read_faults");
  CHECK_EQ(last_code, SEGV_MAPERR, "codes_unmapped_maperr");
  CHECK(last_addr == (void *)(gone + 24), "codes_unmapped_addr");

  char *ro = map_page(PROT_READ);
  CHECK(fault_at(ro + 32, 1), "codes_readonly_write_faults");
  CHECK_EQ(last_code, SEGV_ACCERR, "codes_readonly_accerr");
  CHECK(last_addr == (void *)(ro + 32), "codes_readonly_addr");

  // A non-canonical address is a #GP: si_code SI_KERNEL, no address.
  CHECK(fault_at((volatile char *)0x8000000000000000ull, 0), "codes_noncanonical_faults");
  CHECK_EQ(last_code, SI_KERNEL, "codes_noncanonical_si_kernel");
  CHECK(last_addr == NULL, "codes_noncanonical_addr_null");
  CHECK_EQ(last_signo, SIGSEGV, "codes_signo");
}

// --- fpe / ill / trap: handlers that edit the interrupted registers ---------

static void skip_handler(int sig, siginfo_t *info, void *ctx) {
  ucontext_t *uc = ctx;
  record(sig, info, ctx);
  if (sig == SIGFPE) {
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)fpe_after;
    uc->uc_mcontext.gregs[REG_RAX] = 42;  // the "quotient" the code sees
  } else if (sig == SIGILL) {
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)ill_after;
    uc->uc_mcontext.gregs[REG_RAX] += 100;
  }
}

static void mode_fpe(void) {
  install(SIGFPE, skip_handler, 0, 0);
  unsigned q = divide(7, 0);
  CHECK_EQ(handled, 1, "fpe_handler_ran");
  CHECK_EQ(last_signo, SIGFPE, "fpe_signo");
  CHECK_EQ(last_code, FPE_INTDIV, "fpe_code_intdiv");
  CHECK(last_addr == (void *)fpe_insn, "fpe_si_addr_is_instruction");
  CHECK(last_rip == (uintptr_t)fpe_insn, "fpe_rip_at_instruction");
  CHECK_EQ(q, 42, "fpe_rax_from_ucontext");
  CHECK_EQ(divide(7, 2), 3, "fpe_division_still_works");
}

static void mode_ill(void) {
  install(SIGILL, skip_handler, 0, 0);
  long value = undefined_instruction();
  CHECK_EQ(handled, 1, "ill_handler_ran");
  CHECK_EQ(last_signo, SIGILL, "ill_signo");
  CHECK_EQ(last_code, ILL_ILLOPN, "ill_code_illopn");
  CHECK(last_addr == (void *)ill_insn, "ill_si_addr_is_instruction");
  CHECK_EQ(value, 105, "ill_rax_from_ucontext");
}

static void mode_trap(void) {
  install(SIGTRAP, record, 0, 0);
  breakpoint();
  CHECK_EQ(handled, 1, "trap_handler_ran");
  CHECK_EQ(last_signo, SIGTRAP, "trap_signo");
  // Linux's int3 trap uses plain force_sig: SI_KERNEL, not TRAP_BRKPT.
  printf("trap_code %d\n", last_code);
  CHECK_EQ(last_code, SI_KERNEL, "trap_code_si_kernel");
  CHECK(last_rip == (uintptr_t)trap_after, "trap_rip_after_int3");
  breakpoint();
  CHECK_EQ(handled, 2, "trap_again");
}

// --- altstack ------------------------------------------------------------------

static char *alt_base;
static size_t alt_size;
static volatile uintptr_t handler_sp;
static volatile int alt_flags_in_handler;
static volatile uintptr_t uc_stack_sp;
static volatile size_t uc_stack_size;

static void alt_handler(int sig, siginfo_t *info, void *ctx) {
  ucontext_t *uc = ctx;
  char local;
  record(sig, info, ctx);
  handler_sp = (uintptr_t)&local;
  stack_t now;
  syscall(SYS_sigaltstack, NULL, &now);
  alt_flags_in_handler = now.ss_flags;
  uc_stack_sp = (uintptr_t)uc->uc_stack.ss_sp;
  uc_stack_size = uc->uc_stack.ss_size;
  siglongjmp(jump_env, 1);
}

#pragma GCC diagnostic ignored "-Winfinite-recursion"
__attribute__((noinline)) static int recurse(int depth) {
  volatile char pad[1024];
  pad[0] = (char)depth;
  pad[1023] = (char)depth;
  int r = recurse(depth + 1);  // not a tail call: uses pad afterwards
  return r + pad[0] + pad[1023];
}

static int in_alt(uintptr_t sp) {
  return sp > (uintptr_t)alt_base && sp <= (uintptr_t)alt_base + alt_size;
}

static void mode_altstack(void) {
  alt_size = 65536;
  alt_base = mmap(NULL, alt_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  stack_t ss = {.ss_sp = alt_base, .ss_flags = 0, .ss_size = alt_size};
  CHECK_EQ(sigaltstack(&ss, NULL), 0, "altstack_set");
  install(SIGSEGV, alt_handler, SA_ONSTACK, 0);

  char *none = map_page(PROT_NONE);
  CHECK(fault_at(none, 1), "altstack_fault");
  CHECK(in_alt(handler_sp), "altstack_handler_runs_on_alt_stack");
  CHECK_EQ(alt_flags_in_handler, SS_ONSTACK, "altstack_onstack_in_handler");
  CHECK(uc_stack_sp == (uintptr_t)alt_base && uc_stack_size == alt_size,
        "altstack_uc_stack_saved");
  stack_t now;
  sigaltstack(NULL, &now);
  CHECK_EQ(now.ss_flags, 0, "altstack_not_onstack_after");

  // Without SA_ONSTACK, the handler stays on the normal stack.
  install(SIGSEGV, alt_handler, 0, 0);
  CHECK(fault_at(none, 1), "altstack_no_onstack_fault");
  CHECK(!in_alt(handler_sp), "altstack_without_sa_onstack_uses_normal_stack");

  // A stack overflow can only be handled on the alternate stack.
  install(SIGSEGV, alt_handler, SA_ONSTACK, 0);
  handled = 0;
  int overflowed = 0;
  if (sigsetjmp(jump_env, 1) == 0) {
    printf("%d\n", recurse(0));
  } else {
    overflowed = 1;
  }
  CHECK(overflowed, "altstack_overflow_handled");
  CHECK_EQ(handled, 1, "altstack_overflow_handler_once");
  CHECK_EQ(last_signo, SIGSEGV, "altstack_overflow_signo");
  CHECK(in_alt(handler_sp), "altstack_overflow_on_alt_stack");

  // SS_AUTODISARM: disarmed while the handler runs, re-armed by sigreturn
  // (here: the fixup handler returns normally).
  ss.ss_flags = SS_AUTODISARM;
  CHECK_EQ(sigaltstack(&ss, NULL), 0, "altstack_autodisarm_set");
  install(SIGSEGV, alt_handler, SA_ONSTACK, 0);
  CHECK(fault_at(none, 1), "altstack_autodisarm_fault");
  CHECK(in_alt(handler_sp), "altstack_autodisarm_on_alt_stack");
  CHECK_EQ(alt_flags_in_handler, SS_DISABLE, "altstack_autodisarm_disabled_in_handler");
  // siglongjmp does not re-arm it; sigreturn would.
  sigaltstack(NULL, &now);
  CHECK_EQ(now.ss_flags, SS_DISABLE, "altstack_autodisarm_still_disarmed_after_longjmp");
  CHECK_EQ(sigaltstack(&ss, NULL), 0, "altstack_autodisarm_rearm");
  install(SIGSEGV, fixup_handler, SA_ONSTACK, 0);
  char *ro = map_page(PROT_READ);
  *(volatile char *)ro = 1;
  sigaltstack(NULL, &now);
  CHECK_EQ((unsigned)now.ss_flags, SS_AUTODISARM, "altstack_autodisarm_rearmed_by_sigreturn");
  CHECK(now.ss_sp == alt_base && now.ss_size == alt_size, "altstack_autodisarm_restored_stack");
}

// --- resethand ---------------------------------------------------------------

static void mode_resethand(void) {
  install(SIGSEGV, jump_handler, SA_RESETHAND, 0);
  CHECK(fault_at((volatile char *)8, 0), "resethand_first_fault_handled");
  struct sigaction now;
  sigaction(SIGSEGV, NULL, &now);
  CHECK(now.sa_handler == SIG_DFL, "resethand_action_reset");
  printf("first handled\n");
  fault_at((volatile char *)8, 0);  // dies
  printf("survived\n");
  exit(1);
}

// --- nodefer: the signal is blocked in its handler unless SA_NODEFER -------

static volatile uint64_t mask_in_handler;

static void mask_handler(int sig, siginfo_t *info, void *ctx) {
  record(sig, info, ctx);
  mask_in_handler = current_mask();
  ucontext_t *uc = ctx;
  uint64_t saved;
  memcpy(&saved, &uc->uc_sigmask, sizeof saved);
  if (saved != BIT(SIGUSR2)) _exit(4);  // uc_sigmask is the interrupted mask
  siglongjmp(jump_env, 1);
}

static void mode_nodefer(void) {
  uint64_t usr2 = BIT(SIGUSR2);
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &usr2, NULL, 8);
  install(SIGSEGV, mask_handler, 0, BIT(SIGUSR1));
  CHECK(fault_at((volatile char *)8, 0), "nodefer_default_fault");
  CHECK_EQ(mask_in_handler, BIT(SIGSEGV) | BIT(SIGUSR1) | BIT(SIGUSR2),
           "default_blocks_signal_and_sa_mask");
  install(SIGSEGV, mask_handler, SA_NODEFER, BIT(SIGUSR1));
  CHECK(fault_at((volatile char *)8, 0), "nodefer_fault");
  CHECK_EQ(mask_in_handler, BIT(SIGUSR1) | BIT(SIGUSR2), "nodefer_leaves_signal_unblocked");
  CHECK_EQ(current_mask(), BIT(SIGUSR2), "nodefer_mask_back");
}

// --- fatal modes ---------------------------------------------------------------

static void mode_blocked(void) {
  install(SIGSEGV, record, 0, 0);
  uint64_t segv = BIT(SIGSEGV);
  syscall(SYS_rt_sigprocmask, SIG_BLOCK, &segv, NULL, 8);
  printf("about to fault\n");
  *(volatile int *)8 = 1;
  printf("survived, handled %d\n", handled);
  exit(1);
}

static void mode_ignored(void) {
  signal(SIGSEGV, SIG_IGN);
  printf("about to fault\n");
  *(volatile int *)8 = 1;
  printf("survived\n");
  exit(1);
}

static void nested_handler(int sig, siginfo_t *info, void *ctx) {
  record(sig, info, ctx);
  printf("in handler\n");
  *(volatile int *)16 = 1;  // SIGSEGV is blocked here: forced default
  printf("survived in handler\n");
  _exit(1);
}

static void mode_nested(void) {
  install(SIGSEGV, nested_handler, 0, 0);
  *(volatile int *)8 = 1;
  printf("survived\n");
  exit(1);
}

struct ksigaction {
  void *handler;
  unsigned long flags;
  void *restorer;
  uint64_t mask;
};

static void mode_norestorer(void) {
  // Without SA_RESTORER x86-64 Linux cannot build the frame: SIGSEGV.
  struct ksigaction act = {(void *)record, SA_SIGINFO, NULL, 0};
  CHECK_EQ(syscall(SYS_rt_sigaction, SIGILL, &act, NULL, 8), 0, "norestorer_install");
  printf("about to fault\n");
  undefined_instruction();
  printf("survived\n");
  exit(1);
}

// --- frame: the layout a handler sees -----------------------------------------

struct fpx_sw_bytes {
  uint32_t magic1, extended_size;
  uint64_t xfeatures;
  uint32_t xstate_size, padding[7];
};

static volatile int frame_ok_align, frame_ok_info, frame_ok_restorer, frame_ok_redzone;
static volatile int frame_ok_fp_align, frame_ok_magic, frame_uc_flags;
static void *expected_restorer;

static void frame_handler(int sig, siginfo_t *info, void *ctx) {
  ucontext_t *uc = ctx;
  record(sig, info, ctx);
  uintptr_t frame = (uintptr_t)uc - 8;  // the return address, where rsp pointed
  frame_ok_align = (frame + 8) % 16 == 0;
  frame_ok_info = (uintptr_t)info - (uintptr_t)uc == 304;
  frame_ok_restorer = *(void **)frame == expected_restorer;
  frame_ok_redzone = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP] - frame >= 128 + 8;
  frame_uc_flags = (int)uc->uc_flags;
  uintptr_t fp = (uintptr_t)uc->uc_mcontext.fpregs;
  frame_ok_fp_align = fp != 0 && fp % 64 == 0 && fp > (uintptr_t)info;
  const struct fpx_sw_bytes *sw = (const void *)(fp + 464);
  if (uc->uc_flags & 1) {  // UC_FP_XSTATE
    uint32_t magic2;
    memcpy(&magic2, (const char *)fp + sw->xstate_size, 4);
    frame_ok_magic = sw->magic1 == 0x46505853 && magic2 == 0x46505845 &&
                     sw->extended_size == sw->xstate_size + 4 && (sw->xfeatures & 3) == 3;
  } else {
    frame_ok_magic = 1;  // FXSAVE only: no magic
  }
  siglongjmp(jump_env, 1);
}

static void mode_frame(void) {
  install(SIGSEGV, frame_handler, 0, 0);
  struct ksigaction k;
  syscall(SYS_rt_sigaction, SIGSEGV, NULL, &k, 8);
  expected_restorer = k.restorer;
  CHECK(k.flags & SA_RESTORER, "frame_glibc_sets_restorer");
  CHECK(fault_at((volatile char *)8, 0), "frame_fault");
  CHECK(frame_ok_align, "frame_rsp_plus_8_16_aligned");
  CHECK(frame_ok_info, "frame_siginfo_follows_ucontext");
  CHECK(frame_ok_restorer, "frame_return_address_is_restorer");
  CHECK(frame_ok_redzone, "frame_below_red_zone");
  CHECK(frame_ok_fp_align, "frame_fpstate_64_aligned_above_siginfo");
  CHECK(frame_ok_magic, "frame_xstate_magic");
  CHECK((frame_uc_flags & 2) != 0, "frame_uc_flags_sigcontext_ss");
}

// --- badxstate: a corrupt XSAVE header fails sigreturn ------------------------

static void corrupt_handler(int sig, siginfo_t *info, void *ctx) {
  ucontext_t *uc = ctx;
  record(sig, info, ctx);
  if (uc->uc_flags & 1) {  // UC_FP_XSTATE: an XSAVE image with a header
    char *fp = (char *)uc->uc_mcontext.fpregs;
    uint64_t bogus = 1ull << 62;  // XSTATE_BV bit no XCR0 enables
    memcpy(fp + 512, &bogus, sizeof bogus);
  } else {  // FXSAVE only: an unreadable FP image fails sigreturn the same way
    uc->uc_mcontext.fpregs = (fpregset_t)16;
  }
  uintptr_t page = (uintptr_t)info->si_addr & ~(uintptr_t)(page_size - 1);
  mprotect((void *)page, page_size, PROT_READ | PROT_WRITE);
  printf("first handled\n");
}

static void mode_badxstate(void) {
  install(SIGSEGV, corrupt_handler, SA_RESETHAND, 0);
  char *ro = map_page(PROT_READ);
  *(volatile char *)ro = 1;
  printf("survived\n");
  exit(1);
}

// --- fpu: the handler's FP work does not leak into the interrupted code ------

static volatile uint32_t handler_mxcsr;
static volatile uint16_t handler_fcw;
static volatile double handler_result;

static void fpu_handler(int sig, siginfo_t *info, void *ctx) {
  record(sig, info, ctx);
  uint32_t mxcsr;
  uint16_t fcw;
  __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
  __asm__ volatile("fnstcw %0" : "=m"(fcw));
  handler_mxcsr = mxcsr;
  handler_fcw = fcw;
  // Its own FP math, plus a clobber of every vector register and a change
  // of both rounding modes.
  volatile double a = 1.0, b = 3.0;
  handler_result = a / b;
  uint32_t up = 0x5f80;  // round up
  __asm__ volatile("ldmxcsr %0" ::"m"(up));
  uint16_t fcw_up = 0x0b7f;
  __asm__ volatile("fldcw %0" ::"m"(fcw_up));
  __asm__ volatile("xorps %%xmm0, %%xmm0\n pcmpeqd %%xmm1, %%xmm1\n"
                   "movaps %%xmm1, %%xmm8\n movaps %%xmm1, %%xmm9\n"
                   "movaps %%xmm1, %%xmm15\n fldpi\n fldpi\n"
                   ::: "xmm0", "xmm1", "xmm8", "xmm9", "xmm15", "st", "st(1)");
  __asm__ volatile("fstp %%st(0)\n fstp %%st(0)" ::: "st", "st(1)");
  uintptr_t page = (uintptr_t)info->si_addr & ~(uintptr_t)(page_size - 1);
  mprotect((void *)page, page_size, PROT_READ | PROT_WRITE);
}

static int has_avx(void) {
  unsigned ecx;
  __asm__ volatile("cpuid" : "=c"(ecx) : "a"(1), "c"(0) : "ebx", "edx");
  if (!(ecx & (1u << 27)) || !(ecx & (1u << 28))) return 0;  // OSXSAVE, AVX
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (lo & 6) == 6;
}

static void mode_fpu(void) {
  install(SIGSEGV, fpu_handler, 0, 0);
  volatile double x = 2.0, y = 7.0;
  double before = x / y;

  // Round toward zero in both units, so that a handler's state leaking back
  // would show.
  uint32_t mxcsr_rz = 0x7f80;
  __asm__ volatile("ldmxcsr %0" ::"m"(mxcsr_rz));
  uint16_t fcw_rz = 0x0f7f;
  __asm__ volatile("fldcw %0" ::"m"(fcw_rz));

  char *ro = map_page(PROT_READ);
  double in8 = 1.5, in9 = 2.25, sum;
  long double ld = 1.0L / 3.0L, ld_after;
  // xmm8/xmm9 and an x87 stack entry are live across the faulting store.
  __asm__ volatile("movsd %[a], %%xmm8\n"
                   "movsd %[b], %%xmm9\n"
                   "fldt %[ld]\n"
                   "movb $1, (%[p])\n"
                   "fstpt %[ld_out]\n"
                   "addsd %%xmm9, %%xmm8\n"
                   "movsd %%xmm8, %[sum]\n"
                   : [sum] "=m"(sum), [ld_out] "=m"(ld_after)
                   : [a] "m"(in8), [b] "m"(in9), [p] "r"(ro), [ld] "m"(ld)
                   : "xmm8", "xmm9", "memory");
  CHECK_EQ(handled, 1, "fpu_handler_ran");
  CHECK(sum == 3.75, "fpu_xmm_preserved");
  CHECK(ld_after == ld, "fpu_x87_stack_preserved");
  uint32_t mxcsr_after;
  uint16_t fcw_after;
  __asm__ volatile("stmxcsr %0" : "=m"(mxcsr_after));
  __asm__ volatile("fnstcw %0" : "=m"(fcw_after));
  CHECK_EQ(mxcsr_after & 0xffc0, 0x7f80, "fpu_mxcsr_preserved");
  CHECK_EQ(fcw_after, 0x0f7f, "fpu_fcw_preserved");
  printf("handler_mxcsr %#x\n", handler_mxcsr);
  CHECK_EQ(handler_mxcsr & 0xffc0, 0x1f80, "fpu_handler_starts_with_default_mxcsr");
  CHECK_EQ(handler_fcw, 0x37f, "fpu_handler_starts_with_default_fcw");
  CHECK(handler_result > 0.333333 && handler_result < 0.333334, "fpu_handler_math");
  __asm__ volatile("ldmxcsr %0" ::"m"(*(uint32_t[]){0x1f80}));
  __asm__ volatile("fninit");
  double after = x / y;
  CHECK(before == after, "fpu_same_result_before_and_after");

  if (has_avx()) {
    // The upper halves of ymm registers come from the XSAVE area only.
    ro = map_page(PROT_READ);
    double lanes[4] = {1.0, 2.0, 3.0, 4.0}, out[4] = {0};
    __asm__ volatile("vmovupd %[in], %%ymm10\n"
                     "movb $1, (%[p])\n"
                     "vmovupd %%ymm10, %[out]\n"
                     "vzeroupper\n"
                     : [out] "=m"(out)
                     : [in] "m"(lanes), [p] "r"(ro)
                     : "xmm10", "memory");
    CHECK_EQ(handled, 2, "fpu_avx_handler_ran");
    CHECK(out[0] == 1.0 && out[1] == 2.0 && out[2] == 3.0 && out[3] == 4.0,
          "fpu_ymm_upper_preserved");
  } else {
    printf("no avx\n");
  }
}

int main(int argc, char **argv) {
  page_size = sysconf(_SC_PAGESIZE);
  if (argc < 2) {
    fprintf(stderr, "usage: sighandler MODE\n");
    return 2;
  }
  const char *m = argv[1];
  static const struct {
    const char *name;
    void (*run)(void);
  } modes[] = {
      {"fixup", mode_fixup},         {"longjmp", mode_longjmp},     {"codes", mode_codes},
      {"fpe", mode_fpe},             {"ill", mode_ill},             {"trap", mode_trap},
      {"altstack", mode_altstack},   {"resethand", mode_resethand}, {"nodefer", mode_nodefer},
      {"blocked", mode_blocked},     {"ignored", mode_ignored},     {"nested", mode_nested},
      {"norestorer", mode_norestorer}, {"frame", mode_frame},       {"badxstate", mode_badxstate},
      {"fpu", mode_fpu},
  };
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
    if (!strcmp(m, modes[i].name)) {
      modes[i].run();
      printf("sighandler %s done\n", m);
      return 0;
    }
  }
  fprintf(stderr, "sighandler: unknown mode %s\n", m);
  return 2;
}
