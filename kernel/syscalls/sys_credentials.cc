// The set*id and getres*id calls, getgroups and setgroups, over the
// calling thread's Credentials (the rules are in kernel/task/credentials.h).
// Credentials are per thread, as on Linux; glibc's wrappers make every
// thread repeat the call (its SIGSETXID round).
#include "kernel/ktl/function_ref.h"
#include "kernel/ktl/vector.h"
#include "kernel/syscalls/handlers.h"
#include "kernel/syscalls/user_pointer.h"
#include "kernel/task/task.h"

namespace sentry::syscalls {
namespace {

using ktl::Errno;

Credentials& Ids() { return CurrentTask().credentials(); }

enum class IdKind { kUsers, kGroups };

// Applies `change` to the user or group ids, all or nothing.
ktl::Result<int64_t> Change(IdKind kind,
                            ktl::FunctionRef<ktl::Result<void>(IdTriple&, bool)> change) {
  Credentials& ids = Ids();
  IdTriple triple = kind == IdKind::kUsers ? ids.users() : ids.groups();
  TRY(change(triple, ids.may_set_ids()));
  if (kind == IdKind::kUsers) {
    ids.set_users(triple);
  } else {
    ids.set_groups(triple);
  }
  return 0;
}

ktl::Result<int64_t> CopyOutIds(const IdTriple& ids, UserAddress real, UserAddress effective,
                                UserAddress saved) {
  TRY(UserPointer<uint32_t>(real.value).Write(ids.real));
  TRY(UserPointer<uint32_t>(effective.value).Write(ids.effective));
  TRY(UserPointer<uint32_t>(saved.value).Write(ids.saved));
  return 0;
}

}  // namespace

ktl::Result<int64_t> sys_setuid(uint32_t uid) {
  return Change(IdKind::kUsers,
                [&](IdTriple& ids, bool privileged) { return ids.Set(uid, privileged); });
}

ktl::Result<int64_t> sys_setgid(uint32_t gid) {
  return Change(IdKind::kGroups,
                [&](IdTriple& ids, bool privileged) { return ids.Set(gid, privileged); });
}

ktl::Result<int64_t> sys_setreuid(uint32_t real, uint32_t effective) {
  return Change(IdKind::kUsers, [&](IdTriple& ids, bool privileged) {
    return ids.SetRe(real, effective, privileged);
  });
}

ktl::Result<int64_t> sys_setregid(uint32_t real, uint32_t effective) {
  return Change(IdKind::kGroups, [&](IdTriple& ids, bool privileged) {
    return ids.SetRe(real, effective, privileged);
  });
}

ktl::Result<int64_t> sys_setresuid(uint32_t real, uint32_t effective, uint32_t saved) {
  return Change(IdKind::kUsers, [&](IdTriple& ids, bool privileged) {
    return ids.SetRes(real, effective, saved, privileged);
  });
}

ktl::Result<int64_t> sys_setresgid(uint32_t real, uint32_t effective, uint32_t saved) {
  return Change(IdKind::kGroups, [&](IdTriple& ids, bool privileged) {
    return ids.SetRes(real, effective, saved, privileged);
  });
}

ktl::Result<int64_t> sys_getresuid(UserAddress real, UserAddress effective, UserAddress saved) {
  return CopyOutIds(Ids().users(), real, effective, saved);
}

ktl::Result<int64_t> sys_getresgid(UserAddress real, UserAddress effective, UserAddress saved) {
  return CopyOutIds(Ids().groups(), real, effective, saved);
}

ktl::Result<int64_t> sys_getgroups(int size, UserAddress list) {
  std::span<const uint32_t> groups = Ids().supplementary_groups();
  if (size < 0) return Errno::kEINVAL;
  if (size == 0) return static_cast<int64_t>(groups.size());  // how many, nothing copied
  if (static_cast<size_t>(size) < groups.size()) return Errno::kEINVAL;
  TRY(CurrentTask().address_space().CopyOut(list.value, groups.data(),
                                            groups.size() * sizeof(uint32_t)));
  return static_cast<int64_t>(groups.size());
}

ktl::Result<int64_t> sys_setgroups(int size, UserAddress list) {
  // Linux checks CAP_SETGID before the size (a negative one is too large).
  if (!Ids().may_set_ids()) return Errno::kEPERM;
  if (static_cast<uint32_t>(size) > GroupList::kMaxGroups) return Errno::kEINVAL;
  ktl::Vector<uint32_t> ids;
  TRY(ids.Resize(static_cast<size_t>(size)));
  TRY(CurrentTask().address_space().CopyIn(list.value, ids.data(), ids.size() * sizeof(uint32_t)));
  Ids().supplementary = TRY(GroupList::Create({ids.data(), ids.size()}));
  return 0;
}

}  // namespace sentry::syscalls
