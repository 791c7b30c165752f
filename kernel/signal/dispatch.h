// Taking pending signals on the way back to user mode (Linux's get_signal
// and handle_signal): handlers entered, default actions (terminate, core,
// stop, continue, ignore) carried out, and the interrupted syscall
// restarted or failed with EINTR.
#ifndef RINGFENCE_KERNEL_SIGNAL_DISPATCH_H_
#define RINGFENCE_KERNEL_SIGNAL_DISPATCH_H_

#include "platform_kvm/guest/trap_frame.h"

namespace sentry {
class Task;
}

namespace sentry::signal {

// Takes every deliverable signal for `task`, whose user registers are
// `frame` (a syscall's, with the result in rax, or an interrupted
// context). Handlers nest, the last one taken runs first. Does not return
// when a signal kills the process.
void HandleSignals(Task& task, platform::TrapFrame& frame);

}  // namespace sentry::signal

#endif  // RINGFENCE_KERNEL_SIGNAL_DISPATCH_H_
