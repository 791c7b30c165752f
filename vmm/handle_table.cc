#include "vmm/handle_table.h"

#include <unistd.h>

namespace ringfence::vmm {

HandleTable::~HandleTable() {
  for (Entry& entry : entries_) {
    if (entry.owned && entry.host_fd >= 0) close(entry.host_fd);
  }
}

bool HandleTable::Install(uint32_t handle, int host_fd, uint32_t rights,
                          bool owned) {
  if (handle >= entries_.size() || entries_[handle].host_fd >= 0 || host_fd < 0) {
    if (owned && host_fd >= 0) close(host_fd);
    return false;
  }
  entries_[handle] = Entry{host_fd, rights, owned};
  return true;
}

int64_t HandleTable::Allocate(int host_fd, uint32_t rights) {
  for (uint32_t handle = abi::kFirstDynamicHandle; handle < entries_.size(); ++handle) {
    if (entries_[handle].host_fd < 0) {
      entries_[handle] = Entry{host_fd, rights, /*owned=*/true};
      return handle;
    }
  }
  if (host_fd >= 0) close(host_fd);
  return -1;
}

bool HandleTable::Close(uint64_t handle) {
  if (handle < abi::kFirstDynamicHandle || handle >= entries_.size()) return false;
  Entry& entry = entries_[handle];
  if (entry.host_fd < 0) return false;
  close(entry.host_fd);
  entry = Entry{};
  return true;
}

size_t HandleTable::size() const {
  size_t count = 0;
  for (const Entry& entry : entries_) count += entry.host_fd >= 0 ? 1 : 0;
  return count;
}

int HandleTable::Lookup(uint64_t handle, uint32_t rights) const {
  if (handle >= entries_.size()) return -1;
  const Entry& entry = entries_[handle];
  if (entry.host_fd < 0 || (entry.rights & rights) != rights) return -1;
  return entry.host_fd;
}

}  // namespace ringfence::vmm
