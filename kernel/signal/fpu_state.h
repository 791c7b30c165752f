// The app's FPU/SSE/AVX state across signal delivery and rt_sigreturn.
//
// The Sentry uses general-purpose registers only, so the interrupted app's
// extended state is still live in the CPU when a signal is delivered: it is
// saved (XSAVE with the XCR0 features, or FXSAVE without XSAVE) into the
// signal frame, the handler starts from the init state as on Linux, and
// rt_sigreturn loads the frame's copy back after validating it, so that a
// forged image can never make XRSTOR fault in ring 0.
#ifndef RINGFENCE_KERNEL_SIGNAL_FPU_STATE_H_
#define RINGFENCE_KERNEL_SIGNAL_FPU_STATE_H_

#include <cstdint>

#include "kernel/ktl/result.h"

namespace sentry::signal {

// How the live state is saved right now. XCR0 is read at every use, not
// cached: it decides what XSAVE writes and what XRSTOR accepts.
struct FpuLayout {
  bool xsave = false;      // XSAVE image with fpx_sw_bytes (UC_FP_XSTATE), else FXSAVE
  uint64_t features = 0;   // XCR0 when xsave
  uint64_t frame_size = 0; // bytes in the signal frame (XSAVE size + MAGIC2, or 512)
};
FpuLayout CurrentFpuLayout();

// Saves the live state into the signal frame at `address` (64-byte aligned,
// layout.frame_size bytes). EFAULT if the user memory is not writable.
ktl::Result<void> SaveFpuToUser(const FpuLayout& layout, uint64_t address);

// Puts the CPU's extended state in its init state (x87 FCW 0x37f, MXCSR
// 0x1f80, vector registers zero): how a handler starts.
void ResetFpuForHandler();

// Context switches: saves the live state into a task's FPU area (a page,
// 64-byte aligned), and loads it back.
void SaveLiveFpu(uint8_t* area);
void LoadLiveFpu(const uint8_t* area);

// Loads the state saved at `address` by SaveFpuToUser (0: the init state).
// Accepts an XSAVE image whose fpx_sw_bytes and MAGIC2 check out, else
// falls back to the 512-byte legacy part. EFAULT for unreadable memory,
// EINVAL for an image XRSTOR would reject; the caller then kills the task
// with SIGSEGV. The live state is untouched on failure.
ktl::Result<void> RestoreFpuFromUser(uint64_t address);

// si_code for #MF (x87) or #XM (SIMD) from the live FPU state: which
// unmasked exception is pending; 0 when none (a spurious trap).
int32_t FpuExceptionCode(uint64_t vector);

}  // namespace sentry::signal

#endif  // RINGFENCE_KERNEL_SIGNAL_FPU_STATE_H_
