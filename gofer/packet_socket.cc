#include "gofer/packet_socket.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "gofer/protocol.h"

namespace ringfence::gofer {

int ReceivePacket(int socket_fd, absl::Span<uint8_t> buffer,
                  ReceivedPacket* packet) {
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int) *
                                                  kMaxFdsPerReply)];
  struct iovec iov = {buffer.data(), buffer.size()};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n;
  while ((n = recvmsg(socket_fd, &msg, MSG_CMSG_CLOEXEC)) < 0) {
    if (errno != EINTR) return errno;
  }
  *packet = ReceivedPacket{};
  packet->size = static_cast<size_t>(n);
  packet->truncated = (msg.msg_flags & MSG_TRUNC) != 0;
  packet->control_truncated = (msg.msg_flags & MSG_CTRUNC) != 0;
  packet->had_control = msg.msg_controllen > 0 || packet->control_truncated;
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr;
       c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      packet->fds.emplace_back(fd);
    }
  }
  return 0;
}

}  // namespace ringfence::gofer
