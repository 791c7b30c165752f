#include "kernel/task/credentials.h"

#include <algorithm>
#include <new>

namespace sentry {

using ktl::Errno;

ktl::Result<void> IdTriple::SetRes(uint32_t new_real, uint32_t new_effective, uint32_t new_saved,
                                   bool privileged) {
  if (!privileged) {
    for (uint32_t id : {new_real, new_effective, new_saved}) {
      if (id != kUnchangedId && !Holds(id)) return Errno::kEPERM;
    }
  }
  if (new_real != kUnchangedId) real = new_real;
  if (new_effective != kUnchangedId) effective = new_effective;
  if (new_saved != kUnchangedId) saved = new_saved;
  return ktl::Ok();
}

ktl::Result<void> IdTriple::SetRe(uint32_t new_real, uint32_t new_effective, bool privileged) {
  if (!privileged) {
    if (new_real != kUnchangedId && new_real != real && new_real != effective) {
      return Errno::kEPERM;
    }
    if (new_effective != kUnchangedId && !Holds(new_effective)) return Errno::kEPERM;
  }
  uint32_t old_real = real;
  if (new_real != kUnchangedId) real = new_real;
  if (new_effective != kUnchangedId) effective = new_effective;
  if (new_real != kUnchangedId || (new_effective != kUnchangedId && new_effective != old_real)) {
    saved = effective;
  }
  return ktl::Ok();
}

ktl::Result<void> IdTriple::Set(uint32_t id, bool privileged) {
  if (id == kUnchangedId) return Errno::kEINVAL;
  if (privileged) {
    real = effective = saved = id;
  } else if (id == real || id == saved) {
    effective = id;
  } else {
    return Errno::kEPERM;
  }
  return ktl::Ok();
}

ktl::Result<vfs::RefPtr<GroupList>> GroupList::Create(std::span<const uint32_t> ids) {
  if (ids.size() > kMaxGroups) return Errno::kEINVAL;
  for (uint32_t id : ids) {
    if (id == kUnchangedId) return Errno::kEINVAL;  // not a valid gid
  }
  auto list = vfs::RefPtr<GroupList>::Adopt(new (std::nothrow) GroupList());
  if (!list) return Errno::kENOMEM;
  TRY(list->ids_.Resize(ids.size()));
  std::copy(ids.begin(), ids.end(), list->ids_.data());
  std::sort(list->ids_.data(), list->ids_.data() + ids.size());
  return list;
}

}  // namespace sentry
