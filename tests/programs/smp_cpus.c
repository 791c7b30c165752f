// Several vCPUs: threads pinned to CPUs, FPU state across migrations, and
// the TLB shootdowns of munmap, mprotect and mremap. Modes (each prints "<mode> done"):
//   pin N        N threads, thread i pins itself to CPU i and reports getcpu
//   fpu N        threads keep SSE registers across migrations over N CPUs
//   munmap, mprotect, remap
//                a thread on CPU 1 keeps touching a page while CPU 0 changes
//                its mapping; its next access must see the change (below)
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>

#include "check.h"
#include "pin_cpu.h"

static unsigned current_cpu(void) {
  unsigned cpu = 9999;
  CHECK_EQ(syscall(SYS_getcpu, &cpu, NULL, NULL), 0, "getcpu");
  return cpu;
}

// --- pin ------------------------------------------------------------------
struct pinned {
  pthread_t thread;
  int want;
  unsigned got_after_pin;
  unsigned got_after_spin;
};

static void *pin_main(void *arg) {
  struct pinned *p = arg;
  pin_to(p->want);
  p->got_after_pin = current_cpu();
  // Busy for a while (preemption and load balancing must keep it there).
  for (volatile long i = 0; i < 3000000; i++) {
  }
  sched_yield();
  p->got_after_spin = current_cpu();
  return NULL;
}

static void pin(int n) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CHECK_SYS(syscall(SYS_sched_getaffinity, 0, sizeof(set), &set), "getaffinity");
  printf("cpus %d\n", CPU_COUNT(&set));
  CHECK(CPU_COUNT(&set) >= n, "enough_cpus");
  struct pinned threads[64];
  for (int i = 0; i < n; i++) {
    threads[i].want = i;
    CHECK_EQ(pthread_create(&threads[i].thread, NULL, pin_main, &threads[i]), 0, "create");
  }
  for (int i = 0; i < n; i++) {
    pthread_join(threads[i].thread, NULL);
    printf("thread %d cpu %u %u\n", i, threads[i].got_after_pin, threads[i].got_after_spin);
    CHECK_EQ(threads[i].got_after_pin, (unsigned)i, "cpu_after_pin");
    CHECK_EQ(threads[i].got_after_spin, (unsigned)i, "cpu_after_spin");
  }
  // The main thread moves too, and getaffinity reports the new mask.
  pin_to(n - 1);
  CHECK_EQ(current_cpu(), (unsigned)(n - 1), "main_moved");
  CPU_ZERO(&set);
  CHECK_SYS(syscall(SYS_sched_getaffinity, 0, sizeof(set), &set), "getaffinity_after");
  CHECK(CPU_COUNT(&set) == 1 && CPU_ISSET(n - 1, &set), "getaffinity_reports_pin");
  printf("pin done\n");
}

// --- fpu ------------------------------------------------------------------
static int g_cpus;

// Loads xmm0..xmm7 with a pattern of `seed`, migrates with raw
// sched_setaffinity syscalls (the kernel must preserve every xmm register),
// and checks the registers are intact after each move.
static void *fpu_main(void *arg) {
  uint64_t seed = (uint64_t)(intptr_t)arg;
  for (int round = 0; round < 40; round++) {
    int cpu = (int)((seed + round) % g_cpus);
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    uint64_t in[16], out[16];
    for (int i = 0; i < 16; i++) in[i] = seed * 0x9e3779b97f4a7c15ull + round * 131 + i;
    long ret;
    asm volatile(
        "movdqu 0(%[in]), %%xmm0\n\tmovdqu 16(%[in]), %%xmm1\n\t"
        "movdqu 32(%[in]), %%xmm2\n\tmovdqu 48(%[in]), %%xmm3\n\t"
        "movdqu 64(%[in]), %%xmm4\n\tmovdqu 80(%[in]), %%xmm5\n\t"
        "movdqu 96(%[in]), %%xmm6\n\tmovdqu 112(%[in]), %%xmm7\n\t"
        "syscall\n\t"
        "movdqu %%xmm0, 0(%[out])\n\tmovdqu %%xmm1, 16(%[out])\n\t"
        "movdqu %%xmm2, 32(%[out])\n\tmovdqu %%xmm3, 48(%[out])\n\t"
        "movdqu %%xmm4, 64(%[out])\n\tmovdqu %%xmm5, 80(%[out])\n\t"
        "movdqu %%xmm6, 96(%[out])\n\tmovdqu %%xmm7, 112(%[out])\n\t"
        : "=a"(ret)
        : "a"((long)SYS_sched_setaffinity), "D"(0L), "S"(sizeof(set)), "d"(&set), [in] "r"(in),
          [out] "r"(out)
        : "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7");
    CHECK_EQ(ret, 0, "fpu_setaffinity");
    CHECK_EQ(current_cpu(), (unsigned)cpu, "fpu_on_cpu");
    for (int i = 0; i < 16; i++) {
      if (in[i] != out[i]) check_fail("xmm_preserved", "thread %lu round %d word %d", seed, round, i);
    }
    // x87/SSE arithmetic across the move too.
    volatile double x = (double)seed + 0.5;
    sched_yield();
    CHECK(x * 2.0 == (double)(2 * seed + 1), "double_preserved");
  }
  return NULL;
}

static void fpu(int n) {
  g_cpus = n;
  pthread_t threads[4];
  for (int i = 0; i < 4; i++) pthread_create(&threads[i], NULL, fpu_main, (void *)(intptr_t)(i + 1));
  for (int i = 0; i < 4; i++) pthread_join(threads[i], NULL);
  printf("fpu done\n");
}

// --- munmap, mprotect, remap ------------------------------------------------
// A thread on CPU 1 keeps touching a page in ring 3 (so its TLB holds the
// entry) while CPU 0 changes the mapping; once the call has returned, the
// toucher's next access must see the change:
//   munmap    the page is unmapped: the read faults
//   mprotect  the page becomes read-only: the write faults
//   remap     mremap moves another page (other contents, another frame) over
//             it: the read sees the new contents
enum { kRounds = 20 };
enum change { kMunmap, kMprotect, kRemap };
static enum change g_change;
static volatile uint64_t *g_page;
static uint64_t g_expected;  // kRemap: what the page holds after the change
static atomic_int g_phase;   // 0: toucher warms up, 1: touching, 2: changed, 3: round over
static sigjmp_buf g_jump;
static atomic_int g_faults;
static atomic_int g_stale;
static volatile uint64_t g_fault_address;

static void on_segv(int sig, siginfo_t *info, void *context) {
  (void)sig;
  (void)context;
  g_fault_address = (uint64_t)info->si_addr;
  siglongjmp(g_jump, 1);
}

static uint64_t touch(volatile uint64_t *page, int i) {
  if (g_change == kMprotect) {
    page[i % 512] = (uint64_t)i;
    return 0;
  }
  return page[i % 512];
}

static void *toucher_main(void *arg) {
  (void)arg;
  pin_to(1);
  for (int round = 0; round < kRounds; round++) {
    while (atomic_load(&g_phase) != 0) {
    }
    volatile uint64_t *page = g_page;
    uint64_t sum = 0;
    for (int i = 0; i < 1000; i++) sum += touch(page, i);
    // A fault may come while the change is under way; once the call has
    // returned (phase 2) the next access must see it.
    if (sigsetjmp(g_jump, 1) == 0) {
      atomic_store(&g_phase, 1);
      while (atomic_load(&g_phase) != 2) sum += touch(page, 0);
      if (g_change == kRemap) {
        uint64_t seen = page[0];
        if (seen != g_expected) atomic_fetch_add(&g_stale, 1);
        atomic_store(&g_phase, 3);
        continue;
      }
      sum += touch(page, 1);
      atomic_fetch_add(&g_stale, 1);
      printf("stale access in round %d (sum %lu)\n", round, (unsigned long)sum);
    } else {
      CHECK(g_fault_address - (uint64_t)(uintptr_t)page < 4096, "fault_address_in_page");
      atomic_fetch_add(&g_faults, 1);
    }
    while (atomic_load(&g_phase) != 2) {  // a fault inside the call's window
    }
    atomic_store(&g_phase, 3);
  }
  return NULL;
}

static volatile uint64_t *new_page(uint64_t fill) {
  volatile uint64_t *page =
      mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(page != MAP_FAILED, "mmap");
  for (int i = 0; i < 512; i++) page[i] = fill;
  return page;
}

static void change_race(enum change change, const char *name) {
  g_change = change;
  struct sigaction action = {0};
  action.sa_sigaction = on_segv;
  action.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&action.sa_mask);
  CHECK_EQ(sigaction(SIGSEGV, &action, NULL), 0, "sigaction");
  pin_to(0);
  atomic_store(&g_phase, 3);
  pthread_t toucher;
  CHECK_EQ(pthread_create(&toucher, NULL, toucher_main, NULL), 0, "create");
  for (int round = 0; round < kRounds; round++) {
    if (g_page == NULL || change != kMprotect) {
      g_page = new_page(1000 + round);
    } else {
      CHECK_EQ(mprotect((void *)g_page, 4096, PROT_READ | PROT_WRITE), 0, "mprotect_rw");
    }
    // kRemap: the replacement exists (its own frame) before the race.
    volatile uint64_t *replacement = change == kRemap ? new_page(2000 + round) : NULL;
    g_expected = 2000 + round;
    atomic_store(&g_phase, 0);
    while (atomic_load(&g_phase) != 1) {
    }
    switch (change) {
      case kMunmap:
        CHECK_EQ(munmap((void *)g_page, 4096), 0, "munmap");
        break;
      case kMprotect:
        CHECK_EQ(mprotect((void *)g_page, 4096, PROT_READ), 0, "mprotect_ro");
        break;
      case kRemap:
        CHECK(mremap((void *)replacement, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED,
                     (void *)g_page) == (void *)g_page,
              "mremap");
        break;
    }
    atomic_store(&g_phase, 2);
    while (atomic_load(&g_phase) != 3) {
    }
    if (change == kRemap) CHECK_EQ(munmap((void *)g_page, 4096), 0, "munmap_after");
  }
  pthread_join(toucher, NULL);
  printf("faults %d\n", atomic_load(&g_faults));
  printf("stale %d\n", atomic_load(&g_stale));
  CHECK_EQ(atomic_load(&g_stale), 0, "no_stale_tlb_entry_used");
  printf("%s done\n", name);
}

// --- idle ---------------------------------------------------------------
// The process runs on CPU 1 first, then only on CPU 0, mapping and
// unmapping a touched page `rounds` times while CPU 1 idles. (The sandbox
// test counts the TLB shootdown IPIs meanwhile: an idle vCPU gets none.)
static void *touch_on_cpu1(void *unused) {
  (void)unused;
  pin_to(1);
  CHECK_EQ(current_cpu(), 1u, "on_cpu1");
  new_page(1);
  return NULL;
}

static void idle_other(int rounds) {
  pthread_t thread;
  CHECK_EQ(pthread_create(&thread, NULL, touch_on_cpu1, NULL), 0, "create");
  CHECK_EQ(pthread_join(thread, NULL), 0, "join");
  pin_to(0);
  int failed = 0;  // counted quietly: a CHECK would print every round
  for (int round = 0; round < rounds; round++) {
    volatile uint64_t *page =
        mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) {
      ++failed;
      continue;
    }
    page[0] = round;
    if (munmap((void *)page, 4096) != 0) ++failed;
  }
  CHECK_EQ(failed, 0, "mmap_munmap_rounds");
  printf("idle done\n");
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  int n = argc > 2 ? atoi(argv[2]) : 2;
  if (strcmp(mode, "pin") == 0) {
    pin(n);
  } else if (strcmp(mode, "fpu") == 0) {
    fpu(n);
  } else if (strcmp(mode, "munmap") == 0) {
    change_race(kMunmap, mode);
  } else if (strcmp(mode, "mprotect") == 0) {
    change_race(kMprotect, mode);
  } else if (strcmp(mode, "remap") == 0) {
    change_race(kRemap, mode);
  } else if (strcmp(mode, "idle") == 0) {
    idle_other(n);
  } else {
    fprintf(stderr, "usage: smp_cpus pin|fpu|munmap|mprotect|remap|idle [cpus|rounds]\n");
    return 2;
  }
  return 0;
}
