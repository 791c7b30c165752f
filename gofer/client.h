// A synchronous Gofer client: one request in flight, typed methods per
// operation. The VMM uses it to relay the Sentry's file requests (after
// checking them) and receives donated fds as owned UniqueFds, which it then
// installs in its handle table; the Sentry never sees a host fd number.
//
// Errors: a Gofer error reply becomes a non-OK status whose errno
// GoferErrno() recovers exactly (the status code is absl's mapping of it).
// A transport or protocol failure (hang-up, wrong tag, malformed reply, a
// reply naming an fd that did not arrive) is reported with errno EIO, and
// the client should then be considered broken.
//
// Not thread-safe: callers serialise (the VMM has one Gofer channel per
// servicing thread).
#ifndef RINGFENCE_GOFER_CLIENT_H_
#define RINGFENCE_GOFER_CLIENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "gofer/protocol.h"
#include "gofer/unique_fd.h"

namespace ringfence::gofer {

// The errno carried by a status from GoferClient: the Gofer's errno for an
// error reply, EIO for transport failures, 0 for OK.
int GoferErrno(const absl::Status& status);

struct OpenedFile {
  UniqueFd fd;
  uint32_t flags = 0;  // what the fd was opened with
};

struct CreatedFile {
  Fid fid = kNoFid;
  Stat stat;
  UniqueFd fd;
};

// A raw reply, for callers (and tests) that speak the protocol directly.
struct RawReply {
  Header header;
  std::vector<uint8_t> payload;
  std::vector<UniqueFd> fds;
};

class GoferClient {
 public:
  // `socket_fd`: a connected SOCK_SEQPACKET socket to the Gofer; not owned.
  explicit GoferClient(int socket_fd) : socket_fd_(socket_fd) {}

  absl::StatusOr<AttachReply> Attach();
  absl::StatusOr<WalkReply> Walk(Fid fid, absl::Span<const std::string> names);
  absl::StatusOr<Stat> GetStat(Fid fid);
  absl::StatusOr<OpenedFile> Open(Fid fid, uint32_t flags);
  absl::StatusOr<CreatedFile> Create(Fid dir, const std::string& name,
                                     uint32_t flags, uint32_t mode,
                                     uint32_t uid = kNoId,
                                     uint32_t gid = kNoId);
  absl::StatusOr<NodeReply> Mkdir(Fid dir, const std::string& name,
                                  uint32_t mode, uint32_t uid = kNoId,
                                  uint32_t gid = kNoId);
  absl::StatusOr<NodeReply> Mknod(Fid dir, const std::string& name,
                                  uint32_t mode, uint32_t uid = kNoId,
                                  uint32_t gid = kNoId);
  absl::StatusOr<NodeReply> Symlink(Fid dir, const std::string& name,
                                    const std::string& target,
                                    uint32_t uid = kNoId, uint32_t gid = kNoId);
  absl::StatusOr<Stat> Link(Fid fid, Fid dir, const std::string& name);
  absl::Status Unlink(Fid dir, const std::string& name, uint32_t flags = 0);
  absl::Status Rename(Fid old_dir, const std::string& old_name, Fid new_dir,
                      const std::string& new_name, uint32_t flags = 0);
  absl::StatusOr<std::string> Readlink(Fid fid);
  absl::StatusOr<std::vector<Dirent>> Getdents(Fid fid, uint64_t cookie,
                                               uint32_t max_entries = 0);
  absl::StatusOr<Stat> Setattr(const SetattrRequest& request);
  absl::StatusOr<StatfsInfo> Statfs(Fid fid);
  // size 0: only the value's size (in the reply's `size`).
  absl::StatusOr<GetxattrReply> Getxattr(Fid fid, const std::string& name,
                                         uint32_t size);
  absl::Status Setxattr(Fid fid, const std::string& name,
                        const std::string& value, uint32_t flags = 0);
  absl::StatusOr<ListxattrReply> Listxattr(Fid fid, uint32_t size);
  absl::Status Removexattr(Fid fid, const std::string& name);
  absl::Status Clunk(Fid fid);

  // Sends one packet as is and waits for the reply with any tag. An error
  // reply is returned as a RawReply (header.opcode == kErrorReply), not as
  // an error status; only transport failures are.
  absl::StatusOr<RawReply> RoundTrip(absl::Span<const uint8_t> packet);

 private:
  // Encodes `request`, sends it with a fresh tag, checks the reply's tag and
  // opcode, and decodes it into `reply`; fds land in `fds`.
  template <typename Request, typename Reply>
  absl::Status Call(Opcode opcode, const Request& request, Reply* reply,
                    std::vector<UniqueFd>* fds = nullptr);
  // Call() for the operations whose result is the whole reply (no fds)...
  template <typename Reply, typename Request>
  absl::StatusOr<Reply> CallForReply(Opcode opcode, const Request& request);
  // ...or one field of it, e.g. &StatReply::stat.
  template <typename Request, typename Reply, typename Field>
  absl::StatusOr<Field> CallForField(Opcode opcode, const Request& request,
                                     Field Reply::*field);

  int socket_fd_;
  uint32_t next_tag_ = 1;
};

}  // namespace ringfence::gofer

#endif  // RINGFENCE_GOFER_CLIENT_H_
