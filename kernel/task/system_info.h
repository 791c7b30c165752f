// What the sandbox says about its "kernel" (uname, /proc later).
#ifndef RINGFENCE_KERNEL_TASK_SYSTEM_INFO_H_
#define RINGFENCE_KERNEL_TASK_SYSTEM_INFO_H_

namespace sentry {

// A release new enough for any glibc's minimum-kernel check.
inline constexpr const char* kKernelRelease = "6.1.0-ringfence";
inline constexpr const char* kKernelVersion = "#1 SMP PREEMPT_DYNAMIC Ringfence";

void SetHostname(const char* name);
const char* Hostname();

}  // namespace sentry

#endif  // RINGFENCE_KERNEL_TASK_SYSTEM_INFO_H_
