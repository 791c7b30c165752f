// Where a runnable thread goes, and which thread an idle vCPU steals:
// the policy half of the per-vCPU run queues, kept free of platform code so
// it is unit-tested hosted (tests/unit/kernel/placement_test.cc).
#ifndef RINGFENCE_KERNEL_SCHED_PLACEMENT_H_
#define RINGFENCE_KERNEL_SCHED_PLACEMENT_H_

#include <cstddef>
#include <cstdint>

#include "kernel/ktl/function_ref.h"
#include "kernel/sched/queues.h"

namespace sentry::sched {

// What placement needs to know about one vCPU.
struct CpuLoad {
  bool online = false;   // its scheduler runs (an AP that has not booted: false)
  bool idle = false;     // it runs its idle thread
  size_t queued = 0;     // threads on its run queue
};

inline bool CpuAllowed(uint64_t mask, uint32_t cpu) { return cpu < 64 && ((mask >> cpu) & 1) != 0; }

// The vCPU for a thread that becomes runnable. `allowed`: its affinity
// (bit per vCPU); `last`: where it last ran; `current`: the waker's vCPU.
// In order: `last` if it is idle with nothing queued (its caches are warm),
// any other idle vCPU (the waker's first), else the allowed vCPU with the
// fewest threads (running + queued), ties to `current`, then `last`.
// Offline vCPUs count only when no allowed vCPU is online (a thread
// pinned to an application processor that is still booting waits there).
// Returns `current` if `allowed` names no vCPU of `cpus`.
uint32_t ChooseCpu(const CpuLoad* cpus, uint32_t count, uint64_t allowed, uint32_t last,
                   uint32_t current);

// For idle vCPU `self`: the vCPU to steal from, the one with the most queued
// threads (at least one) among the online others, or -1.
int ChooseVictim(const CpuLoad* cpus, uint32_t count, uint32_t self);

// Takes the oldest thread of `queue` that may run on `cpu` (per
// `affinity_of`) off it, or returns null.
Thread* StealFrom(RunQueue& queue, uint32_t cpu, ktl::FunctionRef<uint64_t(Thread&)> affinity_of);

}  // namespace sentry::sched

#endif  // RINGFENCE_KERNEL_SCHED_PLACEMENT_H_
