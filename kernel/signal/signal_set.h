// Signal numbers as Linux classifies them: masks, real-time vs standard,
// and the default action (man 7 signal). Portable.
#ifndef RINGFENCE_KERNEL_SIGNAL_SIGNAL_SET_H_
#define RINGFENCE_KERNEL_SIGNAL_SIGNAL_SET_H_

#include <cstdint>

#include "kernel/abi/linux.h"

namespace sentry::signal {

inline constexpr int kSigStkflt = 16, kSigTtin = 21, kSigTtou = 22, kSigUrg = 23,
                     kSigXcpu = 24, kSigXfsz = 25, kSigVtalrm = 26, kSigProf = 27,
                     kSigWinch = 28, kSigIo = 29, kSigPwr = 30;
inline constexpr int kSigRtMin = 32;  // SIGRTMIN as the kernel numbers it

inline constexpr bool ValidSignal(int signal) {
  return signal >= 1 && signal <= linux_abi::kNumSignals;
}
inline constexpr uint64_t Bit(int signal) { return 1ull << (signal - 1); }
inline constexpr bool IsRealtime(int signal) { return signal >= kSigRtMin; }

inline constexpr uint64_t kUnblockable = Bit(linux_abi::kSigKill) | Bit(linux_abi::kSigStop);
inline constexpr uint64_t kStopSignals =
    Bit(linux_abi::kSigStop) | Bit(linux_abi::kSigTstp) | Bit(kSigTtin) | Bit(kSigTtou);
// Raised by the CPU for the faulting instruction: dequeued before others,
// as Linux's SYNCHRONOUS_MASK.
inline constexpr uint64_t kSynchronousSignals =
    Bit(linux_abi::kSigSegv) | Bit(linux_abi::kSigBus) | Bit(linux_abi::kSigIll) |
    Bit(linux_abi::kSigTrap) | Bit(linux_abi::kSigFpe) | Bit(linux_abi::kSigSys);

enum class DefaultAction : uint8_t { kTerminate, kCore, kIgnore, kStop, kContinue };

inline constexpr DefaultAction DefaultActionOf(int signal) {
  using namespace linux_abi;
  switch (signal) {
    case kSigQuit: case kSigIll: case kSigTrap: case kSigAbrt: case kSigBus: case kSigFpe:
    case kSigSegv: case kSigXcpu: case kSigXfsz: case kSigSys:
      return DefaultAction::kCore;
    case kSigChld: case kSigUrg: case kSigWinch:
      return DefaultAction::kIgnore;
    case kSigStop: case kSigTstp: case kSigTtin: case kSigTtou:
      return DefaultAction::kStop;
    case kSigCont:
      return DefaultAction::kContinue;
    default:
      return DefaultAction::kTerminate;  // the rest, real-time signals included
  }
}

}  // namespace sentry::signal

#endif  // RINGFENCE_KERNEL_SIGNAL_SIGNAL_SET_H_
