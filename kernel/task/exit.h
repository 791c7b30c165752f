// Ending threads, thread groups and processes.
//
// A process ends when its last thread does: its memory and files are
// released, its children go to the nearest child subreaper or to PID 1, and
// it stays a zombie holding its wait status until its parent reaps it
// (kernel/task/wait.h). PID 1 is the sandbox's first process: when it ends,
// the sandbox ends with its status (the CLI's exit status) and every other
// process with it.
#ifndef RINGFENCE_KERNEL_TASK_EXIT_H_
#define RINGFENCE_KERNEL_TASK_EXIT_H_

namespace sentry {

class Task;

// Set at boot from the --stats flag.
void SetPrintStatsAtExit(bool enabled);

// exit_group(2): the calling thread group exits with `status` (its low 8
// bits, as wait(2) reports).
[[noreturn]] void ExitProcess(int status);

// The calling thread group is killed by `signal` (the wait status has the
// core flag for the core-dumping signals when RLIMIT_CORE allows a dump);
// for PID 1 the CLI reports 128 + signal, as a shell does.
[[noreturn]] void KillProcess(int signal);

// Ends every other thread of `survivor`'s group (exit_group, execve's
// de-thread, fatal signals): each is interrupted and ends at its next return
// to user mode. Returns once they are gone.
void KillOtherThreads(Task& survivor);

// The return-to-user check: ends `task` if another thread of its group is
// killing the others (does not return then).
void EndThreadIfKilled(Task& task);

// Ends `task` (robust futexes, CLONE_CHILD_CLEARTID); the last thread of a
// process ends the process with `wait_status` unless the group already has
// an exit status.
[[noreturn]] void EndThread(Task& task, int wait_status);

// wait(2) statuses.
inline constexpr int ExitedStatus(int code) { return (code & 0xff) << 8; }
inline constexpr int kCoreDumpedFlag = 0x80;

}  // namespace sentry

#endif  // RINGFENCE_KERNEL_TASK_EXIT_H_
