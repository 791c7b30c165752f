#include "gofer/fid_table.h"

#include <utility>

namespace ringfence::gofer {

Fid FidTable::Insert(FidEntry entry) {
  if (entries_.size() >= max_fids_) return kNoFid;
  // Fids are handed out in increasing order and reused only after wrapping,
  // so a stale fid the client forgot to drop rarely names a new node. The
  // loop ends: fewer than max_fids_ (< 2^32 - 1) values are in use.
  while (true) {
    Fid fid = next_fid_++;
    if (next_fid_ == kNoFid) next_fid_ = 1;
    if (fid == kNoFid || fid == 0 || entries_.count(fid) != 0) continue;
    entries_.emplace(fid, std::move(entry));
    return fid;
  }
}

FidEntry* FidTable::Get(Fid fid) {
  auto it = entries_.find(fid);
  return it == entries_.end() ? nullptr : &it->second;
}

bool FidTable::Remove(Fid fid) { return entries_.erase(fid) != 0; }

void FidTable::ForEach(const std::function<void(FidEntry&)>& fn) {
  for (auto& [fid, entry] : entries_) fn(entry);
}

}  // namespace ringfence::gofer
