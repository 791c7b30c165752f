// futex(2) waits and wakes on user words of the current address space,
// over the portable FutexTable. A private futex (FUTEX_PRIVATE_FLAG) is
// keyed by the address space and address; a shared one in shared memory by
// the word's frame, so every process mapping that page meets the same
// waiters (Linux keys it by inode and page), and elsewhere as a private one. Reads and read-modify-writes of the user
// word are atomic with respect to other threads because the Sentry runs
// without preemption on one vCPU (see scheduler.h); several vCPUs will need
// a table lock and atomic accesses through the physmap.
#ifndef RINGFENCE_KERNEL_SCHED_FUTEX_H_
#define RINGFENCE_KERNEL_SCHED_FUTEX_H_

#include <cstdint>

#include "kernel/ktl/result.h"
#include "kernel/sched/futex_table.h"

namespace sentry::sched {

// Whether futex(2) was called with FUTEX_PRIVATE_FLAG. The kernel's own
// wakes (CLONE_CHILD_CLEARTID, robust lists) are shared, as on Linux.
enum class FutexScope : uint8_t { kPrivate, kShared };

// FUTEX_WAIT_BITSET: sleeps while the word at `address` holds `expected`,
// until woken (0), `deadline_ns` passes (ETIMEDOUT; 0 = none). EAGAIN if
// the word differs, EFAULT if it is unreadable, EINVAL if misaligned.
// Interrupted by a signal: ERESTARTSYS, or with a deadline
// ERESTART_RESTARTBLOCK (restart_syscall waits again until it).
ktl::Result<int64_t> FutexWait(uint64_t address, FutexScope scope, uint32_t expected,
                               uint32_t bitset, int64_t deadline_ns);

// FUTEX_WAKE_BITSET: returns how many waiters woke.
ktl::Result<int64_t> FutexWake(uint64_t address, FutexScope scope, int count, uint32_t bitset);

// FUTEX_REQUEUE / FUTEX_CMP_REQUEUE (with `expected`, else null).
ktl::Result<int64_t> FutexRequeue(uint64_t address, uint64_t target, FutexScope scope,
                                  int wake_count, int requeue_count, const uint32_t* expected);

// FUTEX_WAKE_OP: applies `encoded_op` to the word at `target`, wakes up to
// `wake_count` on `address` and, if the old value passes the comparison,
// up to `wake_count2` on `target`.
ktl::Result<int64_t> FutexWakeOp(uint64_t address, uint64_t target, FutexScope scope,
                                 int wake_count, int wake_count2, uint32_t encoded_op);

}  // namespace sentry::sched

#endif  // RINGFENCE_KERNEL_SCHED_FUTEX_H_
