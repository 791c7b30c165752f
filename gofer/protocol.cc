#include "gofer/protocol.h"

#include <cerrno>
#include <cstring>

namespace ringfence::gofer {

const char* OpcodeName(uint16_t opcode) {
  switch (static_cast<Opcode>(opcode & ~kReplyBit)) {
    case Opcode::kAttach:
      return "Attach";
    case Opcode::kWalk:
      return "Walk";
    case Opcode::kStat:
      return "Stat";
    case Opcode::kOpen:
      return "Open";
    case Opcode::kCreate:
      return "Create";
    case Opcode::kMkdir:
      return "Mkdir";
    case Opcode::kMknod:
      return "Mknod";
    case Opcode::kSymlink:
      return "Symlink";
    case Opcode::kLink:
      return "Link";
    case Opcode::kUnlink:
      return "Unlink";
    case Opcode::kRename:
      return "Rename";
    case Opcode::kReadlink:
      return "Readlink";
    case Opcode::kGetdents:
      return "Getdents";
    case Opcode::kSetattr:
      return "Setattr";
    case Opcode::kStatfs:
      return "Statfs";
    case Opcode::kGetxattr:
      return "Getxattr";
    case Opcode::kSetxattr:
      return "Setxattr";
    case Opcode::kListxattr:
      return "Listxattr";
    case Opcode::kRemovexattr:
      return "Removexattr";
    case Opcode::kClunk:
      return "Clunk";
  }
  return opcode == kErrorReply ? "Error" : "Unknown";
}

// --- WireWriter
// ---------------------------------------------------------------

void WireWriter::U16(uint16_t v) {
  for (int i = 0; i < 2; ++i)
    bytes_.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void WireWriter::U32(uint32_t v) {
  for (int i = 0; i < 4; ++i)
    bytes_.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void WireWriter::U64(uint64_t v) {
  for (int i = 0; i < 8; ++i)
    bytes_.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void WireWriter::String(std::string_view s) {
  // Clamp rather than wrap: a too-long string is sent as 0xffff bytes and the
  // receiver's per-field limit rejects it, instead of a short length silently
  // desynchronising the rest of the payload.
  size_t n = s.size() > 0xffff ? 0xffff : s.size();
  U16(static_cast<uint16_t>(n));
  bytes_.insert(bytes_.end(), s.begin(), s.begin() + n);
}

// --- WireReader
// ---------------------------------------------------------------

bool WireReader::Take(size_t n, const uint8_t** out) {
  if (error_ != 0) return false;
  if (n > remaining()) {
    Fail(EBADMSG);
    return false;
  }
  *out = data_.data() + pos_;
  pos_ += n;
  return true;
}

uint8_t WireReader::U8() {
  const uint8_t* p;
  return Take(1, &p) ? p[0] : 0;
}

uint16_t WireReader::U16() {
  const uint8_t* p;
  if (!Take(2, &p)) return 0;
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}

uint32_t WireReader::U32() {
  const uint8_t* p;
  if (!Take(4, &p)) return 0;
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

uint64_t WireReader::U64() {
  const uint8_t* p;
  if (!Take(8, &p)) return 0;
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::string WireReader::Bytes(size_t max_length) {
  size_t n = U16();
  if (error_ != 0) return {};
  if (n > max_length) {
    Fail(EBADMSG);
    return {};
  }
  const uint8_t* p;
  if (!Take(n, &p)) return {};
  return std::string(reinterpret_cast<const char*>(p), n);  // bytes as chars
}

std::string WireReader::Name() {
  // Read up to the u16 maximum so an over-long name is reported as EINVAL
  // (a bad name), not as a framing error.
  std::string s = Bytes(0xffff);
  if (error_ == 0 && !IsValidName(s)) Fail(EINVAL);
  return s;
}

std::string WireReader::Text(size_t max_length) {
  std::string s = Bytes(0xffff);
  if (error_ == 0 && (s.empty() || s.size() > max_length ||
                      s.find('\0') != std::string::npos)) {
    Fail(EINVAL);
  }
  return s;
}

size_t WireReader::Count(size_t max_count, size_t min_element_size) {
  size_t n = U16();
  if (error_ != 0) return 0;
  if (n > max_count || n * min_element_size > remaining()) {
    Fail(EBADMSG);
    return 0;
  }
  return n;
}

int WireReader::Finish() {
  if (error_ == 0 && remaining() != 0) Fail(EBADMSG);
  return error_;
}

bool IsValidName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  if (name == "." || name == "..") return false;
  return name.find('/') == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

// --- Header
// -------------------------------------------------------------------

void WriteHeader(const Header& header, uint8_t* out) {
  WireWriter w;
  w.U32(header.magic);
  w.U16(header.version);
  w.U16(header.opcode);
  w.U32(header.tag);
  w.U32(header.length);
  std::memcpy(out, w.bytes().data(), kHeaderSize);
}

int ParseHeader(absl::Span<const uint8_t> packet, Header* header) {
  *header = Header{.magic = 0, .version = 0};
  if (packet.size() < kHeaderSize) return EBADMSG;
  WireReader r(packet.subspan(0, kHeaderSize));
  header->magic = r.U32();
  header->version = r.U16();
  header->opcode = r.U16();
  header->tag = r.U32();
  header->length = r.U32();
  if (header->magic != kMagic) return EBADMSG;
  if (header->version != kVersion) return EPROTONOSUPPORT;
  if (packet.size() > kMaxMessageSize) return EMSGSIZE;
  if (header->length != packet.size() - kHeaderSize) return EBADMSG;
  return 0;
}

// --- Messages
// -----------------------------------------------------------------

void Stat::Encode(WireWriter& w) const {
  w.U32(mode);
  w.U32(nlink);
  w.U32(uid);
  w.U32(gid);
  w.U64(size);
  w.U64(blocks);
  w.U32(blksize);
  w.U32(dev);
  w.U64(ino);
  for (const Timespec* t : {&atime, &mtime, &ctime}) {
    w.I64(t->sec);
    w.I64(t->nsec);
  }
}

void Stat::Decode(WireReader& r) {
  mode = r.U32();
  nlink = r.U32();
  uid = r.U32();
  gid = r.U32();
  size = r.U64();
  blocks = r.U64();
  blksize = r.U32();
  dev = r.U32();
  ino = r.U64();
  for (Timespec* t : {&atime, &mtime, &ctime}) {
    t->sec = r.I64();
    t->nsec = r.I64();
  }
}

void AttachReply::Encode(WireWriter& w) const {
  w.U32(fid);
  stat.Encode(w);
}
void AttachReply::Decode(WireReader& r) {
  fid = r.U32();
  stat.Decode(r);
}

void WalkRequest::Encode(WireWriter& w) const {
  w.U32(fid);
  w.U16(static_cast<uint16_t>(names.size()));
  for (const std::string& name : names) w.String(name);
}
void WalkRequest::Decode(WireReader& r) {
  fid = r.U32();
  size_t n = r.Count(kMaxWalkNames, 2);
  names.clear();
  for (size_t i = 0; i < n && r.error() == 0; ++i) names.push_back(r.Name());
}

void WalkReply::Encode(WireWriter& w) const {
  w.U32(fid);
  w.U8(static_cast<uint8_t>(status));
  w.U16(static_cast<uint16_t>(stats.size()));
  for (const Stat& s : stats) s.Encode(w);
}
void WalkReply::Decode(WireReader& r) {
  fid = r.U32();
  uint8_t s = r.U8();
  if (s > static_cast<uint8_t>(WalkStatus::kSymlink)) r.Fail(EBADMSG);
  status = static_cast<WalkStatus>(s);
  size_t n = r.Count(kMaxWalkNames, Stat::kWireSize);
  stats.assign(n, Stat{});
  for (Stat& st : stats) st.Decode(r);
}

void OpenRequest::Encode(WireWriter& w) const {
  w.U32(fid);
  w.U32(flags);
}
void OpenRequest::Decode(WireReader& r) {
  fid = r.U32();
  flags = r.U32();
}

void OpenReply::Encode(WireWriter& w) const {
  w.U32(fd_index);
  w.U32(flags);
}
void OpenReply::Decode(WireReader& r) {
  fd_index = r.U32();
  flags = r.U32();
}

void CreateRequest::Encode(WireWriter& w) const {
  w.U32(dir_fid);
  w.String(name);
  w.U32(flags);
  w.U32(mode);
  w.U32(uid);
  w.U32(gid);
}
void CreateRequest::Decode(WireReader& r) {
  dir_fid = r.U32();
  name = r.Name();
  flags = r.U32();
  mode = r.U32();
  uid = r.U32();
  gid = r.U32();
}

void CreateReply::Encode(WireWriter& w) const {
  w.U32(fid);
  stat.Encode(w);
  w.U32(fd_index);
}
void CreateReply::Decode(WireReader& r) {
  fid = r.U32();
  stat.Decode(r);
  fd_index = r.U32();
}

void MkdirRequest::Encode(WireWriter& w) const {
  w.U32(dir_fid);
  w.String(name);
  w.U32(mode);
  w.U32(uid);
  w.U32(gid);
}
void MkdirRequest::Decode(WireReader& r) {
  dir_fid = r.U32();
  name = r.Name();
  mode = r.U32();
  uid = r.U32();
  gid = r.U32();
}

void SymlinkRequest::Encode(WireWriter& w) const {
  w.U32(dir_fid);
  w.String(name);
  w.String(target);
  w.U32(uid);
  w.U32(gid);
}
void SymlinkRequest::Decode(WireReader& r) {
  dir_fid = r.U32();
  name = r.Name();
  target = r.Text(kMaxSymlinkTarget);
  uid = r.U32();
  gid = r.U32();
}

void NodeReply::Encode(WireWriter& w) const {
  w.U32(fid);
  stat.Encode(w);
}
void NodeReply::Decode(WireReader& r) {
  fid = r.U32();
  stat.Decode(r);
}

void LinkRequest::Encode(WireWriter& w) const {
  w.U32(fid);
  w.U32(dir_fid);
  w.String(name);
}
void LinkRequest::Decode(WireReader& r) {
  fid = r.U32();
  dir_fid = r.U32();
  name = r.Name();
}

void UnlinkRequest::Encode(WireWriter& w) const {
  w.U32(dir_fid);
  w.String(name);
  w.U32(flags);
}
void UnlinkRequest::Decode(WireReader& r) {
  dir_fid = r.U32();
  name = r.Name();
  flags = r.U32();
}

void RenameRequest::Encode(WireWriter& w) const {
  w.U32(old_dir_fid);
  w.String(old_name);
  w.U32(new_dir_fid);
  w.String(new_name);
  w.U32(flags);
}
void RenameRequest::Decode(WireReader& r) {
  old_dir_fid = r.U32();
  old_name = r.Name();
  new_dir_fid = r.U32();
  new_name = r.Name();
  flags = r.U32();
}

void GetdentsRequest::Encode(WireWriter& w) const {
  w.U32(fid);
  w.U64(cookie);
  w.U32(max_entries);
}
void GetdentsRequest::Decode(WireReader& r) {
  fid = r.U32();
  cookie = r.U64();
  max_entries = r.U32();
}

void GetdentsReply::Encode(WireWriter& w) const {
  w.U16(static_cast<uint16_t>(entries.size()));
  for (const Dirent& d : entries) {
    w.U64(d.ino);
    w.U64(d.next_cookie);
    w.U8(d.type);
    w.String(d.name);
  }
}
void GetdentsReply::Decode(WireReader& r) {
  size_t n = r.Count(0xffff, Dirent::kMinWireSize);
  entries.assign(n, Dirent{});
  for (Dirent& d : entries) {
    d.ino = r.U64();
    d.next_cookie = r.U64();
    d.type = r.U8();
    d.name = r.Name();
  }
}

void SetattrRequest::Encode(WireWriter& w) const {
  w.U32(fid);
  w.U32(mask);
  w.U32(mode);
  w.U32(uid);
  w.U32(gid);
  w.U64(size);
  for (const Timespec* t : {&atime, &mtime}) {
    w.I64(t->sec);
    w.I64(t->nsec);
  }
}
void SetattrRequest::Decode(WireReader& r) {
  fid = r.U32();
  mask = r.U32();
  mode = r.U32();
  uid = r.U32();
  gid = r.U32();
  size = r.U64();
  for (Timespec* t : {&atime, &mtime}) {
    t->sec = r.I64();
    t->nsec = r.I64();
  }
}

void StatfsReply::Encode(WireWriter& w) const {
  for (uint64_t v : {info.type, info.block_size, info.fragment_size,
                     info.blocks, info.blocks_free, info.blocks_available,
                     info.files, info.files_free, info.name_length}) {
    w.U64(v);
  }
}
void StatfsReply::Decode(WireReader& r) {
  for (uint64_t* v : {&info.type, &info.block_size, &info.fragment_size,
                      &info.blocks, &info.blocks_free, &info.blocks_available,
                      &info.files, &info.files_free, &info.name_length}) {
    *v = r.U64();
  }
}

void GetxattrRequest::Encode(WireWriter& w) const {
  w.U32(fid);
  w.String(name);
  w.U32(size);
}
void GetxattrRequest::Decode(WireReader& r) {
  fid = r.U32();
  name = r.Text(kMaxXattrName);
  size = r.U32();
}

void GetxattrReply::Encode(WireWriter& w) const {
  w.U32(size);
  w.String(value);
}
void GetxattrReply::Decode(WireReader& r) {
  size = r.U32();
  value = r.Bytes(kMaxXattrValue);
}

void SetxattrRequest::Encode(WireWriter& w) const {
  w.U32(fid);
  w.String(name);
  w.String(value);
  w.U32(flags);
}
void SetxattrRequest::Decode(WireReader& r) {
  fid = r.U32();
  name = r.Text(kMaxXattrName);
  value = r.Bytes(kMaxXattrValue);
  flags = r.U32();
}

void ListxattrRequest::Encode(WireWriter& w) const {
  w.U32(fid);
  w.U32(size);
}
void ListxattrRequest::Decode(WireReader& r) {
  fid = r.U32();
  size = r.U32();
}

void ListxattrReply::Encode(WireWriter& w) const {
  w.U32(size);
  w.U16(static_cast<uint16_t>(names.size()));
  for (const std::string& n : names) w.String(n);
}
void ListxattrReply::Decode(WireReader& r) {
  size = r.U32();
  size_t n = r.Count(0xffff, 2);
  names.clear();
  for (size_t i = 0; i < n && r.error() == 0; ++i) {
    names.push_back(r.Text(kMaxXattrName));
  }
}

void RemovexattrRequest::Encode(WireWriter& w) const {
  w.U32(fid);
  w.String(name);
}
void RemovexattrRequest::Decode(WireReader& r) {
  fid = r.U32();
  name = r.Text(kMaxXattrName);
}

}  // namespace ringfence::gofer
