#include "gofer/client.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"
#include "gofer/packet_socket.h"

namespace ringfence::gofer {
namespace {

constexpr char kErrnoPayload[] = "ringfence.gofer/errno";

absl::Status ErrnoError(int error, absl::string_view what) {
  absl::Status status = absl::ErrnoToStatus(error, what);
  status.SetPayload(kErrnoPayload, absl::Cord(absl::StrCat(error)));
  return status;
}

absl::Status TransportError(absl::string_view what) {
  return ErrnoError(EIO, absl::StrCat("gofer client: ", what));
}

}  // namespace

int GoferErrno(const absl::Status& status) {
  if (status.ok()) return 0;
  absl::optional<absl::Cord> payload = status.GetPayload(kErrnoPayload);
  int error = 0;
  if (!payload.has_value() ||
      !absl::SimpleAtoi(std::string(*payload), &error)) {
    return EIO;
  }
  return error;
}

absl::StatusOr<RawReply> GoferClient::RoundTrip(
    absl::Span<const uint8_t> packet) {
  while (send(socket_fd_, packet.data(), packet.size(), MSG_NOSIGNAL) < 0) {
    if (errno == EINTR) continue;
    return TransportError(absl::StrCat("send: ", strerror(errno)));
  }
  std::vector<uint8_t> buf(kMaxMessageSize + 1);
  ReceivedPacket received;
  if (int err = ReceivePacket(socket_fd_, absl::MakeSpan(buf), &received);
      err != 0) {
    return TransportError(absl::StrCat("recvmsg: ", strerror(err)));
  }
  RawReply reply;
  reply.fds = std::move(received.fds);
  const size_t n = received.size;
  if (n == 0) return TransportError("the gofer hung up");
  if (received.truncated || received.control_truncated || n > kMaxMessageSize) {
    return TransportError("reply truncated");
  }
  absl::Span<const uint8_t> packet_in(buf.data(), static_cast<size_t>(n));
  if (int err = ParseHeader(packet_in, &reply.header); err != 0) {
    return TransportError(absl::StrCat("bad reply header: ", strerror(err)));
  }
  reply.payload.assign(buf.begin() + kHeaderSize, buf.begin() + n);
  return reply;
}

template <typename Request, typename Reply>
absl::Status GoferClient::Call(Opcode opcode, const Request& request,
                               Reply* reply, std::vector<UniqueFd>* fds) {
  const uint32_t tag = next_tag_++;
  const uint16_t op = static_cast<uint16_t>(opcode);
  std::vector<uint8_t> packet = EncodeMessage(op, tag, request);
  if (packet.size() > kMaxMessageSize) {
    return ErrnoError(EMSGSIZE, absl::StrCat("gofer ", OpcodeName(op)));
  }
  absl::StatusOr<RawReply> raw = RoundTrip(packet);
  if (!raw.ok()) return raw.status();
  if (raw->header.tag != tag) return TransportError("reply tag mismatch");
  if (raw->header.opcode == kErrorReply) {
    ErrorReply error;
    if (DecodePayload(raw->payload, &error) != 0 || error.error == 0 ||
        error.error > 4095) {
      return TransportError("malformed error reply");
    }
    return ErrnoError(static_cast<int>(error.error),
                      absl::StrCat("gofer ", OpcodeName(op)));
  }
  if (raw->header.opcode != (op | kReplyBit)) {
    return TransportError("reply opcode mismatch");
  }
  if (DecodePayload(raw->payload, reply) != 0) {
    return TransportError(absl::StrCat("malformed ", OpcodeName(op), " reply"));
  }
  if (fds != nullptr) {
    *fds = std::move(raw->fds);
  } else if (!raw->fds.empty()) {
    return TransportError("unexpected fds in reply");
  }
  return absl::OkStatus();
}

template <typename Reply, typename Request>
absl::StatusOr<Reply> GoferClient::CallForReply(Opcode opcode,
                                                const Request& request) {
  Reply reply;
  if (absl::Status s = Call(opcode, request, &reply); !s.ok()) return s;
  return reply;
}

template <typename Request, typename Reply, typename Field>
absl::StatusOr<Field> GoferClient::CallForField(Opcode opcode,
                                                const Request& request,
                                                Field Reply::*field) {
  absl::StatusOr<Reply> reply = CallForReply<Reply>(opcode, request);
  if (!reply.ok()) return reply.status();
  return std::move((*reply).*field);
}

namespace {

// Moves the fd a reply names by index out of `fds`; null if absent.
absl::StatusOr<UniqueFd> TakeFd(std::vector<UniqueFd>& fds, uint32_t index) {
  if (index >= fds.size() || !fds[index].valid()) {
    return TransportError("reply names an fd that did not arrive");
  }
  return std::move(fds[index]);
}

}  // namespace

absl::StatusOr<AttachReply> GoferClient::Attach() {
  return CallForReply<AttachReply>(Opcode::kAttach, EmptyMessage{});
}

absl::StatusOr<WalkReply> GoferClient::Walk(
    Fid fid, absl::Span<const std::string> names) {
  WalkRequest req{.fid = fid, .names = {names.begin(), names.end()}};
  return CallForReply<WalkReply>(Opcode::kWalk, req);
}

absl::StatusOr<Stat> GoferClient::GetStat(Fid fid) {
  return CallForField(Opcode::kStat, FidRequest{fid}, &StatReply::stat);
}

absl::StatusOr<OpenedFile> GoferClient::Open(Fid fid, uint32_t flags) {
  OpenReply reply;
  std::vector<UniqueFd> fds;
  if (absl::Status s =
          Call(Opcode::kOpen, OpenRequest{fid, flags}, &reply, &fds);
      !s.ok()) {
    return s;
  }
  absl::StatusOr<UniqueFd> fd = TakeFd(fds, reply.fd_index);
  if (!fd.ok()) return fd.status();
  return OpenedFile{.fd = std::move(*fd), .flags = reply.flags};
}

absl::StatusOr<CreatedFile> GoferClient::Create(Fid dir,
                                                const std::string& name,
                                                uint32_t flags, uint32_t mode,
                                                uint32_t uid, uint32_t gid) {
  CreateRequest req{.dir_fid = dir,
                    .name = name,
                    .flags = flags,
                    .mode = mode,
                    .uid = uid,
                    .gid = gid};
  CreateReply reply;
  std::vector<UniqueFd> fds;
  if (absl::Status s = Call(Opcode::kCreate, req, &reply, &fds); !s.ok()) {
    return s;
  }
  absl::StatusOr<UniqueFd> fd = TakeFd(fds, reply.fd_index);
  if (!fd.ok()) return fd.status();
  return CreatedFile{
      .fid = reply.fid, .stat = reply.stat, .fd = std::move(*fd)};
}

absl::StatusOr<NodeReply> GoferClient::Mkdir(Fid dir, const std::string& name,
                                             uint32_t mode, uint32_t uid,
                                             uint32_t gid) {
  MkdirRequest req{
      .dir_fid = dir, .name = name, .mode = mode, .uid = uid, .gid = gid};
  return CallForReply<NodeReply>(Opcode::kMkdir, req);
}

absl::StatusOr<NodeReply> GoferClient::Mknod(Fid dir, const std::string& name,
                                             uint32_t mode, uint32_t uid,
                                             uint32_t gid) {
  MknodRequest req{
      .dir_fid = dir, .name = name, .mode = mode, .uid = uid, .gid = gid};
  return CallForReply<NodeReply>(Opcode::kMknod, req);
}

absl::StatusOr<NodeReply> GoferClient::Symlink(Fid dir, const std::string& name,
                                               const std::string& target,
                                               uint32_t uid, uint32_t gid) {
  SymlinkRequest req{
      .dir_fid = dir, .name = name, .target = target, .uid = uid, .gid = gid};
  return CallForReply<NodeReply>(Opcode::kSymlink, req);
}

absl::StatusOr<Stat> GoferClient::Link(Fid fid, Fid dir,
                                       const std::string& name) {
  return CallForField(Opcode::kLink, LinkRequest{fid, dir, name},
                      &StatReply::stat);
}

absl::Status GoferClient::Unlink(Fid dir, const std::string& name,
                                 uint32_t flags) {
  EmptyMessage reply;
  return Call(Opcode::kUnlink, UnlinkRequest{dir, name, flags}, &reply);
}

absl::Status GoferClient::Rename(Fid old_dir, const std::string& old_name,
                                 Fid new_dir, const std::string& new_name,
                                 uint32_t flags) {
  EmptyMessage reply;
  return Call(Opcode::kRename,
              RenameRequest{old_dir, old_name, new_dir, new_name, flags},
              &reply);
}

absl::StatusOr<std::string> GoferClient::Readlink(Fid fid) {
  return CallForField(Opcode::kReadlink, FidRequest{fid},
                      &ReadlinkReply::target);
}

absl::StatusOr<std::vector<Dirent>> GoferClient::Getdents(
    Fid fid, uint64_t cookie, uint32_t max_entries) {
  return CallForField(Opcode::kGetdents,
                      GetdentsRequest{fid, cookie, max_entries},
                      &GetdentsReply::entries);
}

absl::StatusOr<Stat> GoferClient::Setattr(const SetattrRequest& request) {
  return CallForField(Opcode::kSetattr, request, &StatReply::stat);
}

absl::StatusOr<StatfsInfo> GoferClient::Statfs(Fid fid) {
  return CallForField(Opcode::kStatfs, FidRequest{fid}, &StatfsReply::info);
}

absl::StatusOr<GetxattrReply> GoferClient::Getxattr(Fid fid,
                                                    const std::string& name,
                                                    uint32_t size) {
  return CallForReply<GetxattrReply>(Opcode::kGetxattr,
                                     GetxattrRequest{fid, name, size});
}

absl::Status GoferClient::Setxattr(Fid fid, const std::string& name,
                                   const std::string& value, uint32_t flags) {
  EmptyMessage reply;
  return Call(Opcode::kSetxattr, SetxattrRequest{fid, name, value, flags},
              &reply);
}

absl::StatusOr<ListxattrReply> GoferClient::Listxattr(Fid fid, uint32_t size) {
  return CallForReply<ListxattrReply>(Opcode::kListxattr,
                                      ListxattrRequest{fid, size});
}

absl::Status GoferClient::Removexattr(Fid fid, const std::string& name) {
  EmptyMessage reply;
  return Call(Opcode::kRemovexattr, RemovexattrRequest{fid, name}, &reply);
}

absl::Status GoferClient::Clunk(Fid fid) {
  EmptyMessage reply;
  return Call(Opcode::kClunk, FidRequest{fid}, &reply);
}

}  // namespace ringfence::gofer
