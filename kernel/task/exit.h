// Ending the sandboxed program.
#ifndef RINGFENCE_KERNEL_TASK_EXIT_H_
#define RINGFENCE_KERNEL_TASK_EXIT_H_

namespace sentry {

// Set at boot from the --stats flag.
void SetPrintStatsAtExit(bool enabled);

// The process exits with `status` (its low 8 bits, as wait(2) reports).
// With one process in the sandbox, that ends the sandbox.
[[noreturn]] void ExitProcess(int status);

// The process is killed by `signal`; the CLI reports 128 + signal, as a
// shell does.
[[noreturn]] void KillProcess(int signal);

}  // namespace sentry

#endif  // RINGFENCE_KERNEL_TASK_EXIT_H_
