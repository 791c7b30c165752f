#include "platform_kvm/guest/hypercall.h"

#include "platform_kvm/abi/boot_info.h"
#include "platform_kvm/guest/address.h"
#include "platform_kvm/guest/cpu.h"
#include "platform_kvm/guest/percpu.h"

namespace platform {

using ringfence::abi::GuestIovec;
using ringfence::abi::HypercallRequest;

int64_t Hypercall(ringfence::abi::Hypercall number, uint64_t a0, uint64_t a1,
                  uint64_t a2, uint64_t a3) {
  HypercallRequest& request = ThisCpu()->hypercall;
  request.number = static_cast<uint32_t>(number);
  request.reserved = 0;
  request.args[0] = a0;
  request.args[1] = a1;
  request.args[2] = a2;
  request.args[3] = a3;
  request.args[4] = 0;
  request.args[5] = 0;
  request.result = 0;
  // The request lives in the image (below 4 GiB physical), so its address
  // fits the 32-bit port write.
  OutLong(ringfence::abi::kHypercallPort,
          static_cast<uint32_t>(KernelVirtToPhys(&request)));
  return request.result;
}

namespace {

bool g_log_enabled = false;

void WriteToHandle(uint32_t handle, const char* text, size_t length) {
  GuestIovec segment = {KernelVirtToPhys(text), length};
  Hypercall(ringfence::abi::Hypercall::kWritev, handle, KernelVirtToPhys(&segment), 1);
}

}  // namespace

void WriteToStderr(const char* text, size_t length) {
  WriteToHandle(ringfence::abi::kHandleStderr, text, length);
}

void EnableLog(bool enabled) { g_log_enabled = enabled; }

void WriteToLog(const char* text, size_t length) {
  if (g_log_enabled) WriteToHandle(ringfence::abi::kHandleLog, text, length);
}

void HypercallExit(int status) {
  Hypercall(ringfence::abi::Hypercall::kExit, static_cast<uint64_t>(status) & 0xff);
  HaltForever();  // the VMM does not resume us after kExit
}

}  // namespace platform
