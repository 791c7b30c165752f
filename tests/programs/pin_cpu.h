// Pinning the calling thread to one CPU, for the several-vCPU programs.
#ifndef RINGFENCE_TESTS_PROGRAMS_PIN_CPU_H_
#define RINGFENCE_TESTS_PROGRAMS_PIN_CPU_H_

#include <sched.h>

#include "check.h"

static inline void pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  CHECK_EQ(syscall(SYS_sched_setaffinity, 0, sizeof(set), &set), 0, "setaffinity");
}

#endif  // RINGFENCE_TESTS_PROGRAMS_PIN_CPU_H_
