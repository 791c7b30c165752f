#include "kernel/sched/placement.h"

namespace sentry::sched {
namespace {

bool IdleAndEmpty(const CpuLoad& cpu) { return cpu.online && cpu.idle && cpu.queued == 0; }

}  // namespace

uint32_t ChooseCpu(const CpuLoad* cpus, uint32_t count, uint64_t allowed, uint32_t last,
                   uint32_t current) {
  if (last < count && CpuAllowed(allowed, last) && IdleAndEmpty(cpus[last])) return last;
  // Idle vCPUs, starting with the waker's, then round from it.
  for (uint32_t step = 0; step < count; ++step) {
    uint32_t cpu = (current + step) % count;
    if (CpuAllowed(allowed, cpu) && IdleAndEmpty(cpus[cpu])) return cpu;
  }
  // Least loaded, online first; candidates in preference order so the
  // strict comparison keeps the preferred one on ties.
  bool any_online = false;
  for (uint32_t cpu = 0; cpu < count; ++cpu) {
    if (CpuAllowed(allowed, cpu) && cpus[cpu].online) any_online = true;
  }
  uint32_t best = count;
  size_t best_load = SIZE_MAX;
  auto consider = [&](uint32_t cpu) {
    if (cpu >= count || !CpuAllowed(allowed, cpu) || cpus[cpu].online != any_online) return;
    size_t load = cpus[cpu].queued + (cpus[cpu].idle ? 0 : 1);
    if (load < best_load) {
      best = cpu;
      best_load = load;
    }
  };
  consider(current);
  consider(last);
  for (uint32_t cpu = 0; cpu < count; ++cpu) consider(cpu);
  return best < count ? best : current;
}

int ChooseVictim(const CpuLoad* cpus, uint32_t count, uint32_t self) {
  int victim = -1;
  size_t most = 0;
  for (uint32_t cpu = 0; cpu < count; ++cpu) {
    if (cpu == self || !cpus[cpu].online || cpus[cpu].queued <= most) continue;
    victim = static_cast<int>(cpu);
    most = cpus[cpu].queued;
  }
  return victim;
}

Thread* StealFrom(RunQueue& queue, uint32_t cpu, ktl::FunctionRef<uint64_t(Thread&)> affinity_of) {
  Thread* found = queue.Find([&](Thread& thread) { return CpuAllowed(affinity_of(thread), cpu); });
  if (found != nullptr) queue.Remove(*found);
  return found;
}

}  // namespace sentry::sched
