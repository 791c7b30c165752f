// The Gofer's request loop: serves the protocol in gofer/protocol.h for the
// tree under one root directory.
//
// Safety contract: every host operation is a *at() call relative to an fd the
// server holds for a node under the root, on a single validated name, and
// never follows a symlink (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW, openat2 with
// RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS when the
// kernel has it). Symlinks are reported to the client, which resolves them.
// This holds whether or not the process is confined (gofer/confinement.h);
// confinement is the second wall.
//
// Assumes the process umask is 0 (RunGofer sets it): the client sends the
// final permission bits, already masked by the sandboxed process's umask.
#ifndef RINGFENCE_GOFER_SERVER_H_
#define RINGFENCE_GOFER_SERVER_H_

#include <sys/stat.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "gofer/fid_table.h"
#include "gofer/protocol.h"
#include "gofer/unique_fd.h"

namespace ringfence::gofer {

struct ServerOptions {
  // Every mutation (and opening for write or with O_TRUNC) fails with EROFS.
  bool read_only = false;
  // Most fids alive at once; Walk/Create/Mkdir... fail with EMFILE beyond.
  size_t max_fids = 4096;
};

class GoferServer {
 public:
  // `root` is an fd for the root directory (any open mode; O_PATH suffices).
  GoferServer(UniqueFd root, ServerOptions options);

  // One reply: the packet and the fds it donates (in SCM_RIGHTS order).
  struct Response {
    std::vector<uint8_t> bytes;
    std::vector<UniqueFd> fds;
  };

  // Handles one request packet. Never fails: a malformed or refused request
  // gets an error reply carrying an errno.
  Response Handle(absl::Span<const uint8_t> packet);

  // Receives requests on `socket_fd` (SOCK_SEQPACKET) and replies until the
  // peer hangs up (returns OK) or the socket fails (returns the error).
  // Packets over kMaxMessageSize, and requests carrying fds (which are closed
  // unread), get an error reply.
  absl::Status Serve(int socket_fd);

  size_t fid_count() { return fids_.size(); }

 private:
  // Each handler returns 0 and fills its reply, or returns an errno. The
  // signature names the message types Dispatch() decodes and encodes: the
  // request (absent for Attach, which has none), the reply to fill (absent
  // where the reply is empty), and the Response for the two that donate fds.
  int DoAttach(AttachReply* reply);
  int DoWalk(const WalkRequest& req, WalkReply* reply);
  int DoStat(const FidRequest& req, StatReply* reply);
  int DoOpen(const OpenRequest& req, OpenReply* reply, Response* response);
  int DoCreate(const CreateRequest& req, CreateReply* reply,
               Response* response);
  int DoMkdir(const MkdirRequest& req, NodeReply* reply);
  int DoMknod(const MknodRequest& req, NodeReply* reply);
  int DoSymlink(const SymlinkRequest& req, NodeReply* reply);
  int DoLink(const LinkRequest& req, StatReply* reply);
  int DoUnlink(const UnlinkRequest& req);
  int DoRename(const RenameRequest& req);
  int DoReadlink(const FidRequest& req, ReadlinkReply* reply);
  int DoGetdents(const GetdentsRequest& req, GetdentsReply* reply);
  int DoSetattr(const SetattrRequest& req, StatReply* reply);
  int DoStatfs(const FidRequest& req, StatfsReply* reply);
  int DoGetxattr(const GetxattrRequest& req, GetxattrReply* reply);
  int DoSetxattr(const SetxattrRequest& req);
  int DoListxattr(const ListxattrRequest& req, ListxattrReply* reply);
  int DoRemovexattr(const RemovexattrRequest& req);
  int DoClunk(const FidRequest& req);

  // Decodes the payload into the request `kHandler` takes, runs it, and
  // encodes the reply it filled (or an error reply).
  template <auto kHandler>
  Response Dispatch(const Header& header, absl::Span<const uint8_t> payload);

  // Helpers (server.cc documents each).
  int DirEntry(Fid fid, FidEntry** entry);
  int OpenChild(int dir_fd, const std::string& name, UniqueFd* out);
  int LookupChild(const FidEntry& dir, const std::string& name, FidEntry* child,
                  struct stat* st);
  int StatFd(int fd, struct stat* st);
  Stat ToWire(const struct stat& st);
  int Reopen(const FidEntry& entry, int flags, UniqueFd* out);
  int NewChildFid(const FidEntry& dir, const std::string& name, Fid* fid,
                  Stat* stat);
  int FinishCreate(const FidEntry& dir, const std::string& name, uint32_t uid,
                   uint32_t gid, int unlink_flags, NodeReply* reply);

  UniqueFd root_;
  ServerOptions options_;
  FidTable fids_;
  // Host device ids -> small per-Gofer numbers, so st_dev does not leak.
  std::map<dev_t, uint32_t> dev_numbers_;
  // Cleared when the kernel says openat2 does not exist (ENOSYS).
  bool have_openat2_ = true;
};

}  // namespace ringfence::gofer

#endif  // RINGFENCE_GOFER_SERVER_H_
