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

int HandleTable::Lookup(uint64_t handle, uint32_t rights) const {
  if (handle >= entries_.size()) return -1;
  const Entry& entry = entries_[handle];
  if (entry.host_fd < 0 || (entry.rights & rights) != rights) return -1;
  return entry.host_fd;
}

}  // namespace ringfence::vmm
