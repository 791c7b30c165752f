// Several vCPUs: threads pinned to CPUs, FPU state across migrations, and
// the TLB shootdown of munmap. Modes (each prints "<mode> done"):
//   pin N        N threads, thread i pins itself to CPU i and reports getcpu
//   fpu N        threads keep SSE registers across migrations over N CPUs
//   munmap       a thread on CPU 1 reads a page; CPU 0 unmaps it; the
//                reader's next access must fault (SIGSEGV) every time
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>

#include "check.h"

static void pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  CHECK_EQ(syscall(SYS_sched_setaffinity, 0, sizeof(set), &set), 0, "setaffinity");
}

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

// --- munmap ---------------------------------------------------------------
enum { kRounds = 20 };
static volatile uint64_t *g_page;
static atomic_int g_phase;  // 0: reader spins, 1: reader warmed up, 2: unmapped
static sigjmp_buf g_jump;
static atomic_int g_faults;
static volatile uint64_t g_fault_address;

static void on_segv(int sig, siginfo_t *info, void *context) {
  (void)sig;
  (void)context;
  g_fault_address = (uint64_t)info->si_addr;
  siglongjmp(g_jump, 1);
}

static void *reader_main(void *arg) {
  (void)arg;
  pin_to(1);
  for (int round = 0; round < kRounds; round++) {
    while (atomic_load(&g_phase) != 0) {
    }
    volatile uint64_t *page = g_page;
    uint64_t sum = 0;
    // Warm this CPU's TLB with the page, then keep reading it in ring 3
    // until the other CPU has unmapped it.
    for (int i = 0; i < 1000; i++) sum += page[i % 512];
    // A read may fault while munmap runs; once it has returned (phase 2)
    // every read must.
    if (sigsetjmp(g_jump, 1) == 0) {
      atomic_store(&g_phase, 1);
      while (atomic_load(&g_phase) != 2) sum += page[0];
      sum += page[1];
      check_fail("access_after_munmap_faults", "round %d read %lu", round, (unsigned long)sum);
    }
    CHECK(g_fault_address - (uint64_t)(uintptr_t)page < 4096, "fault_address_in_page");
    atomic_fetch_add(&g_faults, 1);
    while (atomic_load(&g_phase) != 2) {  // a fault inside munmap's window
    }
    atomic_store(&g_phase, 3);
  }
  return NULL;
}

static void unmap_race(void) {
  struct sigaction action = {0};
  action.sa_sigaction = on_segv;
  action.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&action.sa_mask);
  CHECK_EQ(sigaction(SIGSEGV, &action, NULL), 0, "sigaction");
  pin_to(0);
  g_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(g_page != MAP_FAILED, "mmap");
  g_page[0] = 1;
  atomic_store(&g_phase, 3);
  pthread_t reader;
  CHECK_EQ(pthread_create(&reader, NULL, reader_main, NULL), 0, "create");
  for (int round = 0; round < kRounds; round++) {
    if (round > 0) {
      g_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      CHECK(g_page != MAP_FAILED, "mmap");
      g_page[0] = round;
    }
    atomic_store(&g_phase, 0);
    while (atomic_load(&g_phase) != 1) {
    }
    CHECK_EQ(munmap((void *)g_page, 4096), 0, "munmap");
    atomic_store(&g_phase, 2);
    while (atomic_load(&g_phase) != 3) {
    }
  }
  pthread_join(reader, NULL);
  printf("faults %d\n", atomic_load(&g_faults));
  printf("munmap done\n");
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  int n = argc > 2 ? atoi(argv[2]) : 2;
  if (strcmp(mode, "pin") == 0) {
    pin(n);
  } else if (strcmp(mode, "fpu") == 0) {
    fpu(n);
  } else if (strcmp(mode, "munmap") == 0) {
    unmap_race();
  } else {
    fprintf(stderr, "usage: smp_cpus pin|fpu|munmap [cpus]\n");
    return 2;
  }
  return 0;
}
