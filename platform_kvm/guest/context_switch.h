// Kernel stack switching (context_switch.S).
#ifndef RINGFENCE_PLATFORM_KVM_GUEST_CONTEXT_SWITCH_H_
#define RINGFENCE_PLATFORM_KVM_GUEST_CONTEXT_SWITCH_H_

#include <cstdint>

#include "platform_kvm/guest/trap_frame.h"

extern "C" void SwitchKernelStack(uint64_t* save_rsp, uint64_t next_rsp);
extern "C" void NewThreadTrampoline();
// Called on the new stack by the trampoline, before the first return to
// ring 3 (the scheduler defines it).
extern "C" void FinishContextSwitch();
// The trampoline's call: FinishContextSwitch, then drops the big kernel lock.
extern "C" void FinishNewThread();

namespace platform {

// Lays out a fresh kernel stack (top 16-byte aligned) so that switching to
// the returned stack pointer enters ring 3 with `user`'s registers.
inline uint64_t PrepareNewThreadStack(uint64_t stack_top, const TrapFrame& user) {
  auto* frame = reinterpret_cast<TrapFrame*>(stack_top - sizeof(TrapFrame));
  *frame = user;
  auto* slots = reinterpret_cast<uint64_t*>(frame);
  slots[-1] = reinterpret_cast<uint64_t>(&NewThreadTrampoline);  // SwitchKernelStack's ret
  for (int i = 2; i <= 7; ++i) slots[-i] = 0;  // rbp rbx r12-r15 it pops
  return reinterpret_cast<uint64_t>(&slots[-7]);
}

}  // namespace platform

#endif  // RINGFENCE_PLATFORM_KVM_GUEST_CONTEXT_SWITCH_H_
