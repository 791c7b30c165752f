#include "vmm/gofer_relay.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "gofer/protocol.h"
#include "vmm/handle_table.h"

namespace ringfence::vmm {
namespace {

using abi::GoferOp;
using abi::GoferRequest;
using abi::GuestBuffer;

// The request fields an operation reads; every other one must be zero.
enum Field : uint32_t {
  kFid = 1 << 0,
  kFid2 = 1 << 1,
  kFlags = 1 << 2,
  kMode = 1 << 3,
  kIds = 1 << 4,  // uid and gid
  kMask = 1 << 5,
  kOffset = 1 << 6,
  kTimes = 1 << 7,
  kName = 1 << 8,
  kName2 = 1 << 9,
  kOut = 1 << 10,
};

struct OpInfo {
  const char* name;
  uint32_t fields;
};

constexpr OpInfo kOps[abi::kGoferOpCount] = {
    {nullptr, 0},
    {"attach", 0},
    {"walk", kFid | kName},
    {"stat", kFid},
    {"open", kFid | kFlags},
    {"create", kFid | kName | kFlags | kMode | kIds},
    {"mkdir", kFid | kName | kMode | kIds},
    {"mknod", kFid | kName | kMode | kIds},
    {"symlink", kFid | kName | kName2 | kIds},
    {"link", kFid | kFid2 | kName},
    {"unlink", kFid | kName | kFlags},
    {"rename", kFid | kName | kFid2 | kName2 | kFlags},
    {"readlink", kFid | kOut},
    {"getdents", kFid | kOffset | kOut},
    {"setattr", kFid | kMask | kMode | kIds | kOffset | kTimes},
    {"statfs", kFid},
    {"getxattr", kFid | kName | kOut},
    {"setxattr", kFid | kName | kName2 | kFlags},
    {"listxattr", kFid | kOut},
    {"removexattr", kFid | kName},
    {"clunk", kFid},
};

bool IsZero(const GuestBuffer& buffer) {
  return buffer.gpa == 0 && buffer.length == 0;
}

// Fields outside `used` are zero, so every request has one spelling.
bool UnusedFieldsZero(const GoferRequest& req, uint32_t used) {
  auto clear = [used](Field field, bool zero) {
    return (used & field) != 0 || zero;
  };
  return clear(kFid, req.fid == 0) && clear(kFid2, req.fid2 == 0) &&
         clear(kFlags, req.flags == 0) && clear(kMode, req.mode == 0) &&
         clear(kIds, req.uid == 0 && req.gid == 0) &&
         clear(kMask, req.mask == 0) && clear(kOffset, req.offset == 0) &&
         clear(kTimes, req.atime.sec == 0 && req.atime.nsec == 0 &&
                           req.mtime.sec == 0 && req.mtime.nsec == 0) &&
         clear(kName, IsZero(req.name)) && clear(kName2, IsZero(req.name2)) &&
         clear(kOut, IsZero(req.out));
}

abi::GoferStat ToAbi(const gofer::Stat& stat) {
  abi::GoferStat out = {};
  out.mode = stat.mode;
  out.nlink = stat.nlink;
  out.uid = stat.uid;
  out.gid = stat.gid;
  out.size = stat.size;
  out.blocks = stat.blocks;
  out.block_size = stat.blksize;
  out.dev = stat.dev;
  out.ino = stat.ino;
  out.atime = {stat.atime.sec, stat.atime.nsec};
  out.mtime = {stat.mtime.sec, stat.mtime.nsec};
  out.ctime = {stat.ctime.sec, stat.ctime.nsec};
  return out;
}

// Rights for a donated fd: what its access mode permits, through the
// offset-based hypercalls only (the Sentry keeps file positions).
uint32_t RightsFor(uint32_t flags) {
  switch (flags & O_ACCMODE) {
    case O_RDONLY: return kRightPread | kRightStat;
    case O_WRONLY: return kRightPwrite | kRightStat;
    default: return kRightPread | kRightPwrite | kRightStat;
  }
}

// Open flags the Sentry may pass; the Gofer adds O_NOFOLLOW | O_CLOEXEC.
constexpr uint32_t kOpenFlags =
    O_ACCMODE | O_TRUNC | O_APPEND | O_DIRECTORY | O_NONBLOCK | O_NOATIME;
constexpr uint32_t kCreateFlags = O_ACCMODE | O_TRUNC | O_APPEND;

bool ValidAccessMode(uint32_t flags) { return (flags & O_ACCMODE) != O_ACCMODE; }

bool ValidNsec(int64_t nsec) {
  return (nsec >= 0 && nsec < 1000000000) || nsec == UTIME_NOW || nsec == UTIME_OMIT;
}

template <typename T>
int ErrnoOf(const absl::StatusOr<T>& result) {
  return gofer::GoferErrno(result.status());
}

}  // namespace

const char* GoferOpName(uint32_t op) {
  return op < abi::kGoferOpCount ? kOps[op].name : nullptr;
}

int64_t GoferRelay::Handle(uint64_t request_gpa, uint64_t reply_gpa) {
  // Copy the request once: the guest cannot change it under our checks.
  GoferRequest req;
  if (!memory_.ReadObject(request_gpa, &req)) return -EFAULT;
  if (!memory_.Contains(reply_gpa, sizeof(abi::GoferReply))) return -EFAULT;
  if (req.op == 0 || req.op >= abi::kGoferOpCount || req.reserved != 0 ||
      req.name.reserved != 0 || req.name2.reserved != 0 || req.out.reserved != 0 ||
      req.mount >= clients_.size() || !UnusedFieldsZero(req, kOps[req.op].fields)) {
    return -EINVAL;
  }
  if (req.out.length > abi::kGoferOutMax) return -EINVAL;
  if (!memory_.Contains(req.out.gpa, req.out.length)) return -EFAULT;
  ++op_counts_[req.op];
  abi::GoferReply reply = {};
  int error = Dispatch(req, *clients_[req.mount], &reply);
  if (error != 0) return -error;
  memory_.WriteObject(reply_gpa, reply);
  return 0;
}

int GoferRelay::Dispatch(const GoferRequest& req, gofer::GoferClient& client,
                         abi::GoferReply* reply) {
  std::string name, name2;
  const uint32_t fields = kOps[req.op].fields;
  if ((fields & kName) != 0) {
    // Xattr names are full names ("user.x"), not path components.
    bool xattr = req.op == static_cast<uint32_t>(GoferOp::kGetxattr) ||
                 req.op == static_cast<uint32_t>(GoferOp::kSetxattr) ||
                 req.op == static_cast<uint32_t>(GoferOp::kRemovexattr);
    int error = xattr ? ReadText(req.name, gofer::kMaxXattrName, &name)
                      : ReadName(req.name, &name);
    if (error != 0) return error;
  }
  switch (static_cast<GoferOp>(req.op)) {
    case GoferOp::kAttach: {
      auto result = client.Attach();
      if (!result.ok()) return ErrnoOf(result);
      reply->fid = result->fid;
      reply->stat = ToAbi(result->stat);
      return 0;
    }
    case GoferOp::kWalk: {
      auto result = client.Walk(req.fid, {name});
      if (!result.ok()) return ErrnoOf(result);
      if (result->stats.size() != 1) {  // a conforming Gofer never does this
        (void)client.Clunk(result->fid);
        return EIO;
      }
      reply->fid = result->fid;
      reply->stat = ToAbi(result->stats[0]);
      return 0;
    }
    case GoferOp::kStat: {
      auto result = client.GetStat(req.fid);
      if (!result.ok()) return ErrnoOf(result);
      reply->stat = ToAbi(*result);
      return 0;
    }
    case GoferOp::kOpen:
      return Open(req, client, reply);
    case GoferOp::kCreate:
      return Create(req, name, client, reply);
    case GoferOp::kMkdir:
    case GoferOp::kMknod: {
      bool mkdir = req.op == static_cast<uint32_t>(GoferOp::kMkdir);
      uint32_t type = req.mode & S_IFMT;
      if ((req.mode & ~(S_IFMT | 07777u)) != 0 ||
          (mkdir ? type != 0 : (type != S_IFIFO && type != S_IFSOCK))) {
        return EINVAL;
      }
      auto result = mkdir ? client.Mkdir(req.fid, name, req.mode, req.uid, req.gid)
                          : client.Mknod(req.fid, name, req.mode, req.uid, req.gid);
      if (!result.ok()) return ErrnoOf(result);
      reply->fid = result->fid;
      reply->stat = ToAbi(result->stat);
      return 0;
    }
    case GoferOp::kSymlink: {
      if (int error = ReadText(req.name2, abi::kGoferSymlinkMax, &name2); error != 0) {
        return error;
      }
      auto result = client.Symlink(req.fid, name, name2, req.uid, req.gid);
      if (!result.ok()) return ErrnoOf(result);
      reply->fid = result->fid;
      reply->stat = ToAbi(result->stat);
      return 0;
    }
    case GoferOp::kLink: {
      auto result = client.Link(req.fid, req.fid2, name);
      if (!result.ok()) return ErrnoOf(result);
      reply->stat = ToAbi(*result);
      return 0;
    }
    case GoferOp::kUnlink:
      if (req.flags != 0 && req.flags != AT_REMOVEDIR) return EINVAL;
      return gofer::GoferErrno(client.Unlink(req.fid, name, req.flags));
    case GoferOp::kRename:
      if ((req.flags & ~static_cast<uint32_t>(RENAME_NOREPLACE | RENAME_EXCHANGE)) != 0) {
        return EINVAL;
      }
      if (int error = ReadName(req.name2, &name2); error != 0) return error;
      return gofer::GoferErrno(client.Rename(req.fid, name, req.fid2, name2, req.flags));
    case GoferOp::kReadlink: {
      auto result = client.Readlink(req.fid);
      if (!result.ok()) return ErrnoOf(result);
      size_t length = result->size() < req.out.length ? result->size() : req.out.length;
      WriteOut(req, result->data(), length);
      reply->size = length;
      return 0;
    }
    case GoferOp::kGetdents:
      return Getdents(req, client, reply);
    case GoferOp::kSetattr:
      return Setattr(req, client, reply);
    case GoferOp::kStatfs: {
      auto result = client.Statfs(req.fid);
      if (!result.ok()) return ErrnoOf(result);
      reply->statfs = {result->type,        result->block_size,  result->fragment_size,
                       result->blocks,      result->blocks_free, result->blocks_available,
                       result->files,       result->files_free,  result->name_length};
      return 0;
    }
    case GoferOp::kGetxattr:
      return Getxattr(req, name, client, reply);
    case GoferOp::kSetxattr:
      if (req.flags > (XATTR_CREATE | XATTR_REPLACE)) return EINVAL;
      if (int error = ReadBytes(req.name2, abi::kGoferXattrValueMax, &name2); error != 0) {
        return error;
      }
      return gofer::GoferErrno(client.Setxattr(req.fid, name, name2, req.flags));
    case GoferOp::kListxattr:
      return Listxattr(req, client, reply);
    case GoferOp::kRemovexattr:
      return gofer::GoferErrno(client.Removexattr(req.fid, name));
    case GoferOp::kClunk:
      return gofer::GoferErrno(client.Clunk(req.fid));
  }
  return EINVAL;
}

int GoferRelay::Open(const GoferRequest& req, gofer::GoferClient& client,
                     abi::GoferReply* reply) {
  if ((req.flags & ~kOpenFlags) != 0 || !ValidAccessMode(req.flags)) return EINVAL;
  auto result = client.Open(req.fid, req.flags);
  if (!result.ok()) return ErrnoOf(result);
  reply->open_flags = result->flags;
  return InstallHandle(std::move(result->fd), result->flags, &reply->handle);
}

int GoferRelay::Create(const GoferRequest& req, const std::string& name,
                       gofer::GoferClient& client, abi::GoferReply* reply) {
  if ((req.flags & ~kCreateFlags) != 0 || !ValidAccessMode(req.flags) ||
      (req.mode & ~07777u) != 0) {
    return EINVAL;
  }
  auto result = client.Create(req.fid, name, req.flags, req.mode, req.uid, req.gid);
  if (!result.ok()) return ErrnoOf(result);
  reply->fid = result->fid;
  reply->stat = ToAbi(result->stat);
  reply->open_flags = req.flags;
  int error = InstallHandle(std::move(result->fd), req.flags, &reply->handle);
  // Without a handle the new fid is of no use to the guest: give it back.
  if (error != 0) (void)client.Clunk(result->fid);
  return error;
}

int GoferRelay::Getdents(const GoferRequest& req, gofer::GoferClient& client,
                         abi::GoferReply* reply) {
  // Ask for no more entries than could fit, so few are fetched in vain; any
  // that do not fit are fetched again from the last cookie next time.
  uint32_t max_entries = static_cast<uint32_t>(req.out.length / abi::GoferDirentSize(1));
  if (max_entries == 0) return EINVAL;
  auto result = client.Getdents(req.fid, req.offset, max_entries);
  if (!result.ok()) return ErrnoOf(result);
  std::vector<uint8_t> records;
  for (const gofer::Dirent& entry : *result) {
    uint64_t size = abi::GoferDirentSize(entry.name.size());
    if (records.size() + size > req.out.length) break;
    abi::GoferDirent header = {};
    header.ino = entry.ino;
    header.next_cookie = entry.next_cookie;
    header.type = entry.type;
    header.name_length = static_cast<uint16_t>(entry.name.size());
    size_t at = records.size();
    records.resize(at + size);
    std::memcpy(records.data() + at, &header, sizeof(header));
    std::memcpy(records.data() + at + sizeof(header), entry.name.data(), entry.name.size());
  }
  if (records.empty() && !result->empty()) return EINVAL;  // one entry did not fit
  WriteOut(req, records.data(), records.size());
  reply->size = records.size();
  return 0;
}

int GoferRelay::Setattr(const GoferRequest& req, gofer::GoferClient& client,
                        abi::GoferReply* reply) {
  if ((req.mask & ~gofer::kSetattrAll) != 0 || (req.mode & ~07777u) != 0 ||
      req.offset > static_cast<uint64_t>(INT64_MAX) || !ValidNsec(req.atime.nsec) ||
      !ValidNsec(req.mtime.nsec)) {
    return EINVAL;
  }
  gofer::SetattrRequest request;
  request.fid = req.fid;
  request.mask = req.mask;
  request.mode = req.mode;
  request.uid = req.uid;
  request.gid = req.gid;
  request.size = req.offset;
  request.atime = {req.atime.sec, req.atime.nsec};
  request.mtime = {req.mtime.sec, req.mtime.nsec};
  auto result = client.Setattr(request);
  if (!result.ok()) return ErrnoOf(result);
  reply->stat = ToAbi(*result);
  return 0;
}

int GoferRelay::Getxattr(const GoferRequest& req, const std::string& name,
                         gofer::GoferClient& client, abi::GoferReply* reply) {
  auto result = client.Getxattr(req.fid, name, req.out.length);
  if (!result.ok()) return ErrnoOf(result);
  if (result->value.size() > req.out.length) return EIO;  // the Gofer overran
  WriteOut(req, result->value.data(), result->value.size());
  reply->size = req.out.length == 0 ? result->size : result->value.size();
  return 0;
}

int GoferRelay::Listxattr(const GoferRequest& req, gofer::GoferClient& client,
                          abi::GoferReply* reply) {
  auto result = client.Listxattr(req.fid, req.out.length);
  if (!result.ok()) return ErrnoOf(result);
  std::string list;
  for (const std::string& entry : result->names) {
    list.append(entry);
    list.push_back('\0');
  }
  if (list.size() > req.out.length) return ERANGE;
  WriteOut(req, list.data(), list.size());
  reply->size = req.out.length == 0 ? result->size : list.size();
  return 0;
}

int GoferRelay::ReadName(const GuestBuffer& buffer, std::string* out) const {
  if (buffer.length > abi::kGoferNameMax) return ENAMETOOLONG;
  if (int error = ReadBytes(buffer, abi::kGoferNameMax, out); error != 0) return error;
  return gofer::IsValidName(*out) ? 0 : EINVAL;
}

int GoferRelay::ReadText(const GuestBuffer& buffer, size_t max_length,
                         std::string* out) const {
  if (buffer.length > max_length) return ENAMETOOLONG;
  if (int error = ReadBytes(buffer, max_length, out); error != 0) return error;
  return !out->empty() && out->find('\0') == std::string::npos ? 0 : EINVAL;
}

int GoferRelay::ReadBytes(const GuestBuffer& buffer, size_t max_length,
                          std::string* out) const {
  if (buffer.length > max_length) return EINVAL;
  out->resize(buffer.length);
  if (buffer.length != 0 && !memory_.Read(buffer.gpa, out->data(), buffer.length)) {
    return EFAULT;
  }
  return 0;
}

void GoferRelay::WriteOut(const GoferRequest& req, const void* bytes, size_t length) const {
  // Handle() checked the whole out range before dispatching.
  if (length != 0) memory_.Write(req.out.gpa, bytes, length);
}

int GoferRelay::InstallHandle(gofer::UniqueFd fd, uint32_t flags, uint32_t* handle) {
  int64_t installed = handles_.Allocate(fd.release(), RightsFor(flags));
  if (installed < 0) return EMFILE;
  *handle = static_cast<uint32_t>(installed);
  return 0;
}

}  // namespace ringfence::vmm
