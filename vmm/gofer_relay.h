// The VMM's half of Hypercall::kGofer: checks a Sentry file request
// (platform_kvm/abi/gofer.h) and relays it to the Gofer serving its mount.
//
// The guest is hostile. Every field is checked before the Gofer sees
// anything: the operation, the mount, reserved fields and the fields the
// operation does not use (zero), buffer ranges against guest memory,
// lengths, and names (one component: no '/', no NUL, not "." or ".."). A
// bad request gets an errno, never a crash. Donated host fds go into the
// handle table with rights matching their access mode; the guest only ever
// sees the handle.
#ifndef RINGFENCE_VMM_GOFER_RELAY_H_
#define RINGFENCE_VMM_GOFER_RELAY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "gofer/client.h"
#include "platform_kvm/abi/gofer.h"
#include "vmm/guest_memory.h"
#include "vmm/handle_table.h"

namespace ringfence::vmm {

class GoferRelay {
 public:
  // `clients[i]` serves mount i (not owned; must outlive the relay).
  GoferRelay(const GuestMemory& memory, HandleTable& handles,
             std::vector<gofer::GoferClient*> clients)
      : memory_(memory), handles_(handles), clients_(std::move(clients)) {}

  // Serves one request: 0 (reply written at `reply_gpa`) or -errno.
  int64_t Handle(uint64_t request_gpa, uint64_t reply_gpa);

  // Requests served per GoferOp (index = op), for --stats.
  const std::vector<uint64_t>& op_counts() const { return op_counts_; }

 private:
  // Each returns 0 or an errno; `reply` is written back on 0.
  int Dispatch(const abi::GoferRequest& req, gofer::GoferClient& client,
               abi::GoferReply* reply);
  int Open(const abi::GoferRequest& req, gofer::GoferClient& client,
           abi::GoferReply* reply);
  int Create(const abi::GoferRequest& req, const std::string& name,
             gofer::GoferClient& client, abi::GoferReply* reply);
  int Getdents(const abi::GoferRequest& req, gofer::GoferClient& client,
               abi::GoferReply* reply);
  int Getxattr(const abi::GoferRequest& req, const std::string& name,
               gofer::GoferClient& client, abi::GoferReply* reply);
  int Listxattr(const abi::GoferRequest& req, gofer::GoferClient& client,
                abi::GoferReply* reply);
  int Setattr(const abi::GoferRequest& req, gofer::GoferClient& client,
              abi::GoferReply* reply);

  // Guest buffers, checked and copied.
  int ReadName(const abi::GuestBuffer& buffer, std::string* out) const;
  int ReadText(const abi::GuestBuffer& buffer, size_t max_length,
               std::string* out) const;
  int ReadBytes(const abi::GuestBuffer& buffer, size_t max_length,
                std::string* out) const;
  // `bytes` into the request's out buffer (checked at dispatch).
  void WriteOut(const abi::GoferRequest& req, const void* bytes,
                size_t length) const;
  // Installs a donated fd as a handle: 0, or EMFILE (fd closed).
  int InstallHandle(gofer::UniqueFd fd, uint32_t flags, uint32_t* handle);

  const GuestMemory& memory_;
  HandleTable& handles_;
  std::vector<gofer::GoferClient*> clients_;
  std::vector<uint64_t> op_counts_ = std::vector<uint64_t>(abi::kGoferOpCount);
};

// "walk", "open", ...; empty for a number outside the enum.
const char* GoferOpName(uint32_t op);

}  // namespace ringfence::vmm

#endif  // RINGFENCE_VMM_GOFER_RELAY_H_
