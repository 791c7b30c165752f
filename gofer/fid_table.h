// The Gofer's table of fids: protocol handles for nodes under the root.
//
// A fid owns (a share of) an O_PATH host fd for its node, plus how to reach
// the node again by name: the O_PATH fd of its parent directory and its name
// there. O_PATH fds can stat, be *at() directory fds, fchownat/linkat with
// AT_EMPTY_PATH and readlinkat(fd, ""), but not read, write or fchmod; to do
// those the server reopens the node (directories as "." relative to
// themselves, anything else by parent + name with O_NOFOLLOW, checking the
// inode is still the same).
//
// Node fds are shared (std::shared_ptr) between a fid and the fids of its
// children, so a walk costs at most one new host fd per fid and the table
// stays within RLIMIT_NOFILE: at most 2 * max_fids + 1 fds.
//
// Not thread-safe: the server owns it and serves one request at a time.
#ifndef RINGFENCE_GOFER_FID_TABLE_H_
#define RINGFENCE_GOFER_FID_TABLE_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "gofer/protocol.h"
#include "gofer/unique_fd.h"

namespace ringfence::gofer {

using NodeFd = std::shared_ptr<const UniqueFd>;

struct FidEntry {
  NodeFd node;         // O_PATH fd of the node; never null
  NodeFd parent;       // O_PATH fd of its directory; null for the root
  std::string name;    // the node's name in `parent`; empty for the root
  mode_t type = 0;     // S_IFMT bits when the fid was made
  dev_t host_dev = 0;  // host identity, to detect a replaced name on reopen
  ino_t host_ino = 0;
  dev_t parent_dev = 0;  // the parent's identity, so renames can move names
  ino_t parent_ino = 0;
  // A readable directory fd for Getdents, opened on first use.
  UniqueFd dir_stream;
};

class FidTable {
 public:
  explicit FidTable(size_t max_fids) : max_fids_(max_fids) {}

  // Adds an entry; returns its fid, or kNoFid when the table is full.
  Fid Insert(FidEntry entry);
  // The entry for `fid`, or null. Valid until the entry is removed.
  FidEntry* Get(Fid fid);
  // Drops `fid`; false if it was not there.
  bool Remove(Fid fid);
  size_t size() const { return entries_.size(); }
  size_t max_fids() const { return max_fids_; }
  // Calls `fn` on every entry (for renames, which move names under fids).
  void ForEach(const std::function<void(FidEntry&)>& fn);

 private:
  size_t max_fids_;
  Fid next_fid_ = 1;
  std::map<Fid, FidEntry> entries_;
};

}  // namespace ringfence::gofer

#endif  // RINGFENCE_GOFER_FID_TABLE_H_
