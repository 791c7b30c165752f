// Receiving one Gofer packet from the SOCK_SEQPACKET channel, with the fds it
// carries. Client and server share this so both take ownership of received
// fds the same way (and never leak one on an error path).
#ifndef RINGFENCE_GOFER_PACKET_SOCKET_H_
#define RINGFENCE_GOFER_PACKET_SOCKET_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "gofer/unique_fd.h"

namespace ringfence::gofer {

struct ReceivedPacket {
  size_t size = 0;  // bytes received into the buffer; 0 = the peer hung up
  bool truncated = false;          // the packet did not fit the buffer
  bool control_truncated = false;  // ancillary data was cut (MSG_CTRUNC)
  bool had_control = false;        // any ancillary data arrived (or was cut)
  std::vector<UniqueFd> fds;       // SCM_RIGHTS fds, in order, close-on-exec
};

// Receives one packet into `buffer`, retrying on EINTR. Room is made for
// kMaxFdsPerReply fds; more set `control_truncated` (the kernel closes the
// excess).
// Returns 0 or recvmsg's errno.
int ReceivePacket(int socket_fd, absl::Span<uint8_t> buffer,
                  ReceivedPacket* packet);

}  // namespace ringfence::gofer

#endif  // RINGFENCE_GOFER_PACKET_SOCKET_H_
