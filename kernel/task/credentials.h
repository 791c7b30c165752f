// A process's user and group ids, and the Linux rules by which the set*id
// calls change them. The Sentry has no capability sets: as Linux does for a
// process that never drops them, CAP_SETUID and CAP_SETGID go with an
// effective uid of 0 (Linux clears the effective capabilities when euid
// leaves 0 and restores them when it returns, which this reproduces).
// Portable, so the rules are unit-tested hosted.
#ifndef RINGFENCE_KERNEL_TASK_CREDENTIALS_H_
#define RINGFENCE_KERNEL_TASK_CREDENTIALS_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "kernel/ktl/result.h"
#include "kernel/ktl/vector.h"
#include "kernel/vfs/ref_ptr.h"

namespace sentry {

// The "leave unchanged" argument of setresuid and friends: (uid_t)-1.
inline constexpr uint32_t kUnchangedId = 0xffffffffu;

// One kind of id (users, or groups): real, effective and saved.
struct IdTriple {
  uint32_t real = 0, effective = 0, saved = 0;

  // Whether `id` is one of the three (what an unprivileged caller may set).
  bool Holds(uint32_t id) const { return id == real || id == effective || id == saved; }

  // setresuid(2): each id not kUnchangedId becomes the new value; without
  // the privilege each must already be one of the three (EPERM).
  ktl::Result<void> SetRes(uint32_t new_real, uint32_t new_effective, uint32_t new_saved,
                           bool privileged);
  // setreuid(2): real may become the real or effective id, effective any of
  // the three (any id with the privilege); the saved id follows the new
  // effective id when the real id is set or the effective id becomes other
  // than the old real id.
  ktl::Result<void> SetRe(uint32_t new_real, uint32_t new_effective, bool privileged);
  // setuid(2): with the privilege all three; without, the effective id
  // only, to the real or saved id (EPERM otherwise). EINVAL for -1.
  ktl::Result<void> Set(uint32_t id, bool privileged);
};

// The supplementary groups (setgroups(2)), sorted as Linux keeps them. A
// list never changes once made: fork shares it, setgroups makes another.
class GroupList {
 public:
  static constexpr size_t kMaxGroups = 65536;  // NGROUPS_MAX

  // A sorted copy of `ids`: EINVAL for more than kMaxGroups or an id of
  // (gid_t)-1, ENOMEM.
  static ktl::Result<vfs::RefPtr<GroupList>> Create(std::span<const uint32_t> ids);
  GroupList(const GroupList&) = delete;

  std::span<const uint32_t> ids() const { return {ids_.data(), ids_.size()}; }

  void Ref() { ++references_; }
  void Unref() {
    if (--references_ == 0) delete this;
  }

 private:
  GroupList() = default;
  ktl::Vector<uint32_t> ids_;
  uint32_t references_ = 1;
};

struct Credentials {
  uint32_t uid = 0, euid = 0, suid = 0;
  uint32_t gid = 0, egid = 0, sgid = 0;
  vfs::RefPtr<GroupList> supplementary;  // null: none

  std::span<const uint32_t> supplementary_groups() const {
    return supplementary ? supplementary->ids() : std::span<const uint32_t>();
  }

  // CAP_SETUID / CAP_SETGID (see above).
  bool may_set_ids() const { return euid == 0; }
  IdTriple users() const { return {uid, euid, suid}; }
  IdTriple groups() const { return {gid, egid, sgid}; }
  void set_users(const IdTriple& ids) {
    uid = ids.real;
    euid = ids.effective;
    suid = ids.saved;
  }
  void set_groups(const IdTriple& ids) {
    gid = ids.real;
    egid = ids.effective;
    sgid = ids.saved;
  }
};

}  // namespace sentry

#endif  // RINGFENCE_KERNEL_TASK_CREDENTIALS_H_
