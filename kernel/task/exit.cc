#include "kernel/task/exit.h"

#include "kernel/syscalls/syscall_table.h"
#include "platform_kvm/guest/hypercall.h"

namespace sentry {
namespace {
bool g_print_stats = false;
}  // namespace

void SetPrintStatsAtExit(bool enabled) { g_print_stats = enabled; }

void ExitProcess(int status) {
  if (g_print_stats) syscalls::PrintSyscallStats();
  platform::HypercallExit(status & 0xff);
}

void KillProcess(int signal) { ExitProcess(128 + signal); }

}  // namespace sentry
