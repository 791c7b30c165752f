#include "tests/unit/gofer_fs/loopback_transport.h"

#include <cstring>

#include "gtest/gtest.h"

namespace ringfence::testing {
namespace {

ktl::Result<size_t> ToResult(int64_t value) {
  if (value < 0) return static_cast<ktl::Errno>(-value);
  return static_cast<size_t>(value);
}

// Copies `length` bytes to `gpa` and describes them, as the Sentry's
// transport describes a kernel buffer.
abi::GuestBuffer Place(const vmm::GuestMemory& memory, uint64_t gpa, const void* data,
                       size_t length) {
  if (length == 0) return {};
  EXPECT_LE(length, kRegionSize);
  if (data != nullptr) memory.Write(gpa, data, length);
  return {gpa, static_cast<uint32_t>(length), 0};
}

}  // namespace

LoopbackGuest::LoopbackGuest(gofer::GoferClient& client) {
  auto memory = vmm::GuestMemory::Create(kGuestMemorySize);
  EXPECT_TRUE(memory.ok()) << memory.status();
  memory_ = std::make_unique<vmm::GuestMemory>(std::move(*memory));
  relay_ = std::make_unique<vmm::GoferRelay>(*memory_, handles_,
                                             std::vector<gofer::GoferClient*>{&client});
  service_ = std::make_unique<vmm::HypercallService>(*memory_, handles_, stats_, relay_.get());
}

int64_t LoopbackGuest::Hypercall(abi::Hypercall number, uint64_t a0, uint64_t a1, uint64_t a2,
                                 uint64_t a3) {
  abi::HypercallRequest request = {};
  request.number = static_cast<uint32_t>(number);
  request.args[0] = a0;
  request.args[1] = a1;
  request.args[2] = a2;
  request.args[3] = a3;
  memory_->WriteObject(kHypercallGpa, request);
  vmm::HypercallOutcome outcome = service_->Handle(kHypercallGpa);
  EXPECT_EQ(outcome.kind, vmm::HypercallOutcome::Kind::kResume);
  memory_->ReadObject(kHypercallGpa, &request);
  return request.result;
}

int64_t LoopbackGuest::Gofer(const abi::GoferRequest& request, abi::GoferReply* reply) {
  memory_->WriteObject(kRequestGpa, request);
  int64_t result = Hypercall(abi::Hypercall::kGofer, kRequestGpa, kReplyGpa);
  if (result == 0 && reply != nullptr) memory_->ReadObject(kReplyGpa, reply);
  return result;
}

ktl::Result<void> LoopbackTransport::Call(abi::GoferRequest& request,
                                          const sentry::fs::gofer::RequestBuffers& buffers,
                                          abi::GoferReply* reply) {
  const vmm::GuestMemory& memory = guest_.memory();
  request.name = Place(memory, kNameGpa, buffers.name.data(), buffers.name.size());
  request.name2 = Place(memory, kName2Gpa, buffers.name2.data(), buffers.name2.size());
  request.out = Place(memory, kOutGpa, nullptr, buffers.out.size());
  TRY(ToResult(guest_.Gofer(request, reply)));
  if (!buffers.out.empty()) {
    size_t length = reply->size < buffers.out.size() ? reply->size : buffers.out.size();
    memory.Read(kOutGpa, buffers.out.data(), length);
  }
  return ktl::Ok();
}

ktl::Result<size_t> LoopbackTransport::Transfer(abi::Hypercall number, uint32_t handle,
                                                size_t length, uint64_t offset) {
  EXPECT_LE(length, kRegionSize);
  abi::GuestIovec iov = {kDataGpa, length};
  guest_.memory().WriteObject(kIovGpa, iov);
  return ToResult(guest_.Hypercall(number, handle, kIovGpa, 1, offset));
}

ktl::Result<size_t> LoopbackTransport::Pread(uint32_t handle, void* data, size_t length,
                                             uint64_t offset) {
  size_t done = TRY(Transfer(abi::Hypercall::kPreadv, handle, length, offset));
  guest_.memory().Read(kDataGpa, data, done);
  return done;
}

ktl::Result<size_t> LoopbackTransport::Pwrite(uint32_t handle, const void* data, size_t length,
                                              uint64_t offset) {
  guest_.memory().Write(kDataGpa, data, length);
  return Transfer(abi::Hypercall::kPwritev, handle, length, offset);
}

void LoopbackTransport::CloseHandle(uint32_t handle) {
  EXPECT_EQ(guest_.Hypercall(abi::Hypercall::kCloseHandle, handle), 0);
}

}  // namespace ringfence::testing
