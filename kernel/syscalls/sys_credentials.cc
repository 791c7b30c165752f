// The set*id and getres*id calls over the process's Credentials (the
// rules are in kernel/task/credentials.h). Credentials are per process
// here: glibc applies set*id to every thread anyway (its SIGSETXID round).
#include "kernel/ktl/function_ref.h"
#include "kernel/syscalls/handlers.h"
#include "kernel/syscalls/user_pointer.h"
#include "kernel/task/task.h"

namespace sentry::syscalls {
namespace {

Credentials& Ids() { return CurrentTask().process().credentials(); }

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

}  // namespace sentry::syscalls
