// The Gofer protocol: how the VMM (on behalf of the Sentry) asks the Gofer for
// file access. Version 1.
//
// Transport: a SOCK_SEQPACKET unix socket; one message per packet, at most
// kMaxMessageSize bytes. Requests carry no file descriptors (a request with
// ancillary data is refused). A reply that donates host fds (Open, Create)
// carries them as SCM_RIGHTS on the same packet; the reply body names each fd
// by its index in that SCM_RIGHTS array.
//
// Every message starts with a 16-byte little-endian Header:
//   u32 magic ("RFG1"), u16 version, u16 opcode, u32 tag, u32 payload length
// The payload length must equal the packet size minus the header. A reply
// echoes the request's tag; its opcode is the request's | kReplyBit, or
// kErrorReply with a payload of one u32 Linux errno.
//
// Payload encoding: fixed-width little-endian integers; strings and byte
// blobs are a u16 length followed by that many bytes (no terminator); lists
// are a u16 count followed by the elements. Decoding is strict: every length
// and count is checked against what remains, trailing bytes are an error, and
// names are validated (see IsValidName). Malformed payloads decode to EBADMSG,
// invalid names and flags to EINVAL.
//
// Messages (request -> reply payload):
//   Attach      {}                                   -> {fid, stat}
//   Walk        {fid, names[]}                       -> {fid, status, stats[]}
//   Stat        {fid}                                -> {stat}
//   Open        {fid, flags}                         -> {fd_index, flags} + fd
//   Create      {dirfid, name, flags, mode, uid, gid}-> {fid, stat, fd_index} +
//   fd Mkdir       {dirfid, name, mode, uid, gid}       -> {fid, stat} Mknod
//   {dirfid, name, mode, uid, gid}       -> {fid, stat} Symlink     {dirfid,
//   name, target, uid, gid}     -> {fid, stat} Link        {fid, dirfid, name}
//   -> {stat} Unlink      {dirfid, name, flags}                -> {} Rename
//   {olddirfid, oldname, newdirfid, newname, flags} -> {} Readlink    {fid} ->
//   {target} Getdents    {fid, cookie, max_entries}           -> {dirents[]}
//   Setattr     {fid, mask, mode, uid, gid, size, atime, mtime} -> {stat}
//   Statfs      {fid}                                -> {statfs}
//   Getxattr    {fid, name, size}                    -> {size, value}
//   Setxattr    {fid, name, value, flags}            -> {}
//   Listxattr   {fid, size}                          -> {size, names[]}
//   Removexattr {fid, name}                          -> {}
//   Clunk       {fid}                                -> {}
#ifndef RINGFENCE_GOFER_PROTOCOL_H_
#define RINGFENCE_GOFER_PROTOCOL_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/types/span.h"
#include "platform_kvm/abi/gofer.h"

namespace ringfence::gofer {

inline constexpr uint32_t kMagic = 0x31474652;  // bytes 'R' 'F' 'G' '1'
inline constexpr uint16_t kVersion = 1;
inline constexpr size_t kHeaderSize = 16;
inline constexpr size_t kMaxMessageSize = 64 * 1024;
inline constexpr size_t kMaxPayloadSize = kMaxMessageSize - kHeaderSize;
// NAME_MAX: one path component.
inline constexpr size_t kMaxNameLength = ::ringfence::abi::kGoferNameMax;
// PATH_MAX - 1: a symlink target (the kernel's limit for symlink(2)).
inline constexpr size_t kMaxSymlinkTarget = ::ringfence::abi::kGoferSymlinkMax;
inline constexpr size_t kMaxWalkNames = 64;
// An xattr value must fit in one reply with room for the header and length.
inline constexpr size_t kMaxXattrValue = ::ringfence::abi::kGoferXattrValueMax;
inline constexpr size_t kMaxXattrName = 255;  // XATTR_NAME_MAX
// Most fds any reply donates; the client reserves room for this many.
inline constexpr size_t kMaxFdsPerReply = 1;

using Fid = uint32_t;
inline constexpr Fid kNoFid = 0xffffffff;
// In uid/gid fields: "leave as created" (Create, Mkdir...) or "unchanged".
inline constexpr uint32_t kNoId = ::ringfence::abi::kGoferNoId;

// The operations: one list for the wire protocol and the Sentry's relay
// ABI (platform_kvm/abi/gofer.h), so an op keeps its number end to end.
using Opcode = ::ringfence::abi::GoferOp;
inline constexpr uint16_t kFirstOpcode = 1;
inline constexpr uint16_t kLastOpcode = ::ringfence::abi::kGoferOpCount - 1;
inline constexpr uint16_t kReplyBit = 0x8000;
inline constexpr uint16_t kErrorReply = 0xffff;

const char* OpcodeName(uint16_t opcode);

struct Header {
  uint32_t magic = kMagic;
  uint16_t version = kVersion;
  uint16_t opcode = 0;
  uint32_t tag = 0;
  uint32_t length = 0;  // payload bytes after the header
};

// --- Wire primitives --------------------------------------------------------

class WireWriter {
 public:
  void U8(uint8_t v) { bytes_.push_back(v); }
  void U16(uint16_t v);
  void U32(uint32_t v);
  void U64(uint64_t v);
  void I64(int64_t v) { U64(static_cast<uint64_t>(v)); }
  // u16 length + bytes. The caller keeps strings within the protocol's limits;
  // anything longer than 0xffff is truncated to an invalid (checked) length.
  void String(std::string_view s);
  std::vector<uint8_t>& bytes() { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

// Reads from a bounded buffer. The first failure sticks: later reads return
// zero values and error() reports the errno of the first problem.
class WireReader {
 public:
  explicit WireReader(absl::Span<const uint8_t> data) : data_(data) {}
  uint8_t U8();
  uint16_t U16();
  uint32_t U32();
  uint64_t U64();
  int64_t I64() { return static_cast<int64_t>(U64()); }
  // Any bytes up to max_length (EBADMSG if longer or past the end).
  std::string Bytes(size_t max_length);
  // A single path component (EINVAL if not IsValidName).
  std::string Name();
  // A non-empty string without NUL of at most max_length bytes (EINVAL).
  std::string Text(size_t max_length);
  // A list count, rejected (EBADMSG) above max_count or if even
  // min_element_size bytes per element cannot fit in what remains.
  size_t Count(size_t max_count, size_t min_element_size);
  void Fail(int error) {
    if (error_ == 0) error_ = error;
  }
  // EBADMSG if bytes remain; then the first error, or 0.
  int Finish();
  int error() const { return error_; }
  size_t remaining() const { return data_.size() - pos_; }

 private:
  bool Take(size_t n, const uint8_t** out);
  absl::Span<const uint8_t> data_;
  size_t pos_ = 0;
  int error_ = 0;
};

// A path component: 1..255 bytes, no '/', no NUL, not "." or "..".
bool IsValidName(std::string_view name);

// --- Shared payload pieces --------------------------------------------------

struct Timespec {
  int64_t sec = 0;
  int64_t nsec = 0;  // may be UTIME_NOW / UTIME_OMIT in Setattr
  bool operator==(const Timespec&) const = default;
};

// What the Sentry needs of a host stat. `dev` is a small per-Gofer number,
// never the host's device id; rdev is never sent (device nodes are not served).
struct Stat {
  uint32_t mode = 0;
  uint32_t nlink = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t size = 0;
  uint64_t blocks = 0;  // 512-byte units
  uint32_t blksize = 0;
  uint32_t dev = 0;
  uint64_t ino = 0;
  Timespec atime;
  Timespec mtime;
  Timespec ctime;
  void Encode(WireWriter& w) const;
  void Decode(WireReader& r);
  static constexpr size_t kWireSize = 4 * 4 + 8 * 2 + 4 * 2 + 8 + 16 * 3;
};

struct Dirent {
  uint64_t ino = 0;
  uint64_t next_cookie = 0;  // pass to Getdents to continue after this entry
  uint8_t type = 0;          // DT_* value
  std::string name;
  static constexpr size_t kMinWireSize = 8 + 8 + 1 + 2;
};

struct StatfsInfo {
  uint64_t type = 0;
  uint64_t block_size = 0;
  uint64_t fragment_size = 0;
  uint64_t blocks = 0;
  uint64_t blocks_free = 0;
  uint64_t blocks_available = 0;
  uint64_t files = 0;
  uint64_t files_free = 0;
  uint64_t name_length = 0;
};

// --- Requests and replies ----------------------------------------------------
//
// Each message type has Encode(WireWriter&) and Decode(WireReader&); the
// opcode is given by kOpcode. Decode only records errors in the reader.

struct EmptyMessage {
  void Encode(WireWriter&) const {}
  void Decode(WireReader&) {}
};

struct FidRequest {  // Stat, Readlink, Statfs, Clunk
  Fid fid = kNoFid;
  void Encode(WireWriter& w) const { w.U32(fid); }
  void Decode(WireReader& r) { fid = r.U32(); }
};

struct AttachReply {
  Fid fid = kNoFid;
  Stat stat;
  void Encode(WireWriter& w) const;
  void Decode(WireReader& r);
};

struct WalkRequest {
  Fid fid = kNoFid;
  std::vector<std::string> names;  // empty: clone the fid
  void Encode(WireWriter& w) const;
  void Decode(WireReader& r);
};

enum class WalkStatus : uint8_t {
  kComplete = 0,  // every name walked; fid is the last one
  // The last entry in `stats` is a symlink: the walk stopped there, before
  // the names that follow it, and `fid` refers to the symlink itself.
  kSymlink = 1,
};

struct WalkReply {
  Fid fid = kNoFid;
  WalkStatus status = WalkStatus::kComplete;
  std::vector<Stat> stats;  // one per walked name
  void Encode(WireWriter& w) const;
  void Decode(WireReader& r);
};

struct StatReply {
  Stat stat;
  void Encode(WireWriter& w) const { stat.Encode(w); }
  void Decode(WireReader& r) { stat.Decode(r); }
};

struct OpenRequest {
  Fid fid = kNoFid;
  uint32_t flags = 0;  // Linux open flags; see the server for what is allowed
  void Encode(WireWriter& w) const;
  void Decode(WireReader& r);
};

struct OpenReply {
  uint32_t fd_index = 0;
  uint32_t flags = 0;  // flags the fd was opened with (O_NONBLOCK may be added)
  void Encode(WireWriter& w) const;
  void Decode(WireReader& r);
};

struct CreateRequest {
  Fid dir_fid = kNoFid;
  std::string name;
  uint32_t flags = 0;
  uint32_t mode = 0;  // permission bits only
  uint32_t uid = kNoId;
  uint32_t gid = kNoId;
  void Encode(WireWriter& w) const;
  void Decode(WireReader& r);
};

struct CreateReply {
  Fid fid = kNoFid;
  Stat stat;
  uint32_t fd_index = 0;
  void Encode(WireWriter& w) const;
  void Decode(WireReader& r);
};

// Mkdir (mode: permission bits) and Mknod (mode: S_IFIFO or S_IFSOCK plus
// permission bits).
struct MkdirRequest {
  Fid dir_fid = kNoFid;
  std::string name;
  uint32_t mode = 0;
  uint32_t uid = kNoId;
  uint32_t gid = kNoId;
  void Encode(WireWriter& w) const;
  void Decode(WireReader& r);
};
using MknodRequest = MkdirRequest;

struct SymlinkRequest {
  Fid dir_fid = kNoFid;
  std::string name;
  std::string target;  // 1..4095 bytes, no NUL; stored verbatim
  uint32_t uid = kNoId;
  uint32_t gid = kNoId;
  void Encode(WireWriter& w) const;
  void Decode(WireReader& r);
};

// Reply of Mkdir, Mknod and Symlink: a fid for the new node and its stat.
struct NodeReply {
  Fid fid = kNoFid;
  Stat stat;
  void Encode(WireWriter& w) const;
  void Decode(WireReader& r);
};

struct LinkRequest {
  Fid fid = kNoFid;  // the existing node (never a directory)
  Fid dir_fid = kNoFid;
  std::string name;
  void Encode(WireWriter& w) const;
  void Decode(WireReader& r);
};

struct UnlinkRequest {
  Fid dir_fid = kNoFid;
  std::string name;
  uint32_t flags = 0;  // 0 or AT_REMOVEDIR
  void Encode(WireWriter& w) const;
  void Decode(WireReader& r);
};

struct RenameRequest {
  Fid old_dir_fid = kNoFid;
  std::string old_name;
  Fid new_dir_fid = kNoFid;
  std::string new_name;
  uint32_t flags = 0;  // 0, RENAME_NOREPLACE or RENAME_EXCHANGE
  void Encode(WireWriter& w) const;
  void Decode(WireReader& r);
};

struct ReadlinkReply {
  std::string target;
  void Encode(WireWriter& w) const { w.String(target); }
  void Decode(WireReader& r) { target = r.Bytes(kMaxSymlinkTarget); }
};

struct GetdentsRequest {
  Fid fid = kNoFid;
  uint64_t cookie = 0;       // 0: from the start
  uint32_t max_entries = 0;  // 0: as many as fit in one reply
  void Encode(WireWriter& w) const;
  void Decode(WireReader& r);
};

// No entries means the end of the directory. "." and ".." are never listed:
// the Sentry makes them up (and the root's ".." must not reveal the host).
struct GetdentsReply {
  std::vector<Dirent> entries;
  void Encode(WireWriter& w) const;
  void Decode(WireReader& r);
};

// Setattr mask bits.
inline constexpr uint32_t kSetattrMode = 1u << 0;
inline constexpr uint32_t kSetattrUid = 1u << 1;
inline constexpr uint32_t kSetattrGid = 1u << 2;
inline constexpr uint32_t kSetattrSize = 1u << 3;
inline constexpr uint32_t kSetattrAtime = 1u << 4;
inline constexpr uint32_t kSetattrMtime = 1u << 5;
inline constexpr uint32_t kSetattrAll = (1u << 6) - 1;

struct SetattrRequest {
  Fid fid = kNoFid;
  uint32_t mask = 0;
  uint32_t mode = 0;  // permission bits (07777)
  uint32_t uid = kNoId;
  uint32_t gid = kNoId;
  uint64_t size = 0;
  Timespec atime;  // nsec may be UTIME_NOW or UTIME_OMIT
  Timespec mtime;
  void Encode(WireWriter& w) const;
  void Decode(WireReader& r);
};

struct StatfsReply {
  StatfsInfo info;
  void Encode(WireWriter& w) const;
  void Decode(WireReader& r);
};

struct GetxattrRequest {
  Fid fid = kNoFid;
  std::string name;
  uint32_t size = 0;  // 0: only report the value's size
  void Encode(WireWriter& w) const;
  void Decode(WireReader& r);
};

struct GetxattrReply {
  uint32_t size = 0;  // the value's size
  std::string value;  // empty when the request's size was 0
  void Encode(WireWriter& w) const;
  void Decode(WireReader& r);
};

struct SetxattrRequest {
  Fid fid = kNoFid;
  std::string name;
  std::string value;
  uint32_t flags = 0;  // 0, XATTR_CREATE or XATTR_REPLACE
  void Encode(WireWriter& w) const;
  void Decode(WireReader& r);
};

struct ListxattrRequest {
  Fid fid = kNoFid;
  uint32_t size = 0;  // 0: only report the size listxattr(2) would need
  void Encode(WireWriter& w) const;
  void Decode(WireReader& r);
};

struct ListxattrReply {
  uint32_t size = 0;  // bytes of the NUL-separated list, as listxattr(2)
  std::vector<std::string> names;  // empty when the request's size was 0
  void Encode(WireWriter& w) const;
  void Decode(WireReader& r);
};

struct RemovexattrRequest {
  Fid fid = kNoFid;
  std::string name;
  void Encode(WireWriter& w) const;
  void Decode(WireReader& r);
};

struct ErrorReply {
  uint32_t error = 0;  // Linux errno
  void Encode(WireWriter& w) const { w.U32(error); }
  void Decode(WireReader& r) { error = r.U32(); }
};

// --- Framing -----------------------------------------------------------------

void WriteHeader(const Header& header, uint8_t* out);

// Header + payload of one message.
template <typename Message>
std::vector<uint8_t> EncodeMessage(uint16_t opcode, uint32_t tag,
                                   const Message& message) {
  WireWriter w;
  w.bytes().resize(kHeaderSize);
  message.Encode(w);
  std::vector<uint8_t> bytes = std::move(w.bytes());
  Header header{.opcode = opcode,
                .tag = tag,
                .length = static_cast<uint32_t>(bytes.size() - kHeaderSize)};
  WriteHeader(header, bytes.data());
  return bytes;
}

// Parses and checks a packet's header: size, magic, version, and that the
// length field matches the payload actually received. Returns 0 or EBADMSG
// (EPROTONOSUPPORT for a version mismatch). On error `header` still holds
// whatever could be read, so the tag can be echoed.
int ParseHeader(absl::Span<const uint8_t> packet, Header* header);

// Decodes a complete payload into `message`: 0, or the errno of the first
// problem (EBADMSG for structure, EINVAL for invalid names or values).
template <typename Message>
int DecodePayload(absl::Span<const uint8_t> payload, Message* message) {
  WireReader r(payload);
  message->Decode(r);
  return r.Finish();
}

}  // namespace ringfence::gofer

#endif  // RINGFENCE_GOFER_PROTOCOL_H_
