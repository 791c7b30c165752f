#include "kernel/signal/pending.h"

#include "kernel/signal/signal_set.h"

namespace sentry::signal {

EnqueueResult PendingSignals::Enqueue(const linux_abi::SigInfo& info) {
  int signal = info.signo;
  if (!IsRealtime(signal)) {
    if (set_ & Bit(signal)) return EnqueueResult::kCoalesced;
    standard_[signal - 1] = info;
    set_ |= Bit(signal);
    return EnqueueResult::kQueued;
  }
  if (queued_.size() >= kMaxQueued || !queued_.PushBack(info).ok()) return EnqueueResult::kFull;
  set_ |= Bit(signal);
  return EnqueueResult::kQueued;
}

bool PendingSignals::DequeueSignal(int signal, linux_abi::SigInfo* info) {
  if (!(set_ & Bit(signal))) return false;
  if (!IsRealtime(signal)) {
    *info = standard_[signal - 1];
    set_ &= ~Bit(signal);
    return true;
  }
  bool more = false;
  bool found = false;
  for (size_t i = 0; i < queued_.size(); ++i) {
    if (queued_[i].signo != signal) continue;
    if (!found) {
      *info = queued_[i];
      queued_.Erase(i);
      found = true;
      --i;
    } else {
      more = true;
      break;
    }
  }
  if (!more) set_ &= ~Bit(signal);
  return found;
}

bool PendingSignals::Dequeue(uint64_t allowed, linux_abi::SigInfo* info) {
  uint64_t ready = set_ & allowed;
  if (ready == 0) return false;
  if (ready & kSynchronousSignals) ready &= kSynchronousSignals;
  int signal = __builtin_ctzll(ready) + 1;
  return DequeueSignal(signal, info);
}

void PendingSignals::Discard(uint64_t mask) {
  uint64_t realtime = mask & set_ & ~((1ull << (kSigRtMin - 1)) - 1);
  if (realtime != 0) {
    size_t kept = 0;
    for (size_t i = 0; i < queued_.size(); ++i) {
      if (!(realtime & Bit(queued_[i].signo))) queued_[kept++] = queued_[i];
    }
    queued_.Erase(kept, queued_.size());
  }
  set_ &= ~mask;
}

}  // namespace sentry::signal
