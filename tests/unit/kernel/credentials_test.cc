// The set*id rules of kernel/task/credentials.h (Linux's sys_setresuid,
// sys_setreuid and sys_setuid, with CAP_SETUID as "privileged").
#include "kernel/task/credentials.h"

#include <vector>

#include "gtest/gtest.h"

namespace sentry {
namespace {

using ktl::Errno;

constexpr uint32_t kKeep = kUnchangedId;

void ExpectIds(const IdTriple& ids, uint32_t real, uint32_t effective, uint32_t saved) {
  EXPECT_EQ(ids.real, real);
  EXPECT_EQ(ids.effective, effective);
  EXPECT_EQ(ids.saved, saved);
}

TEST(CredentialsTest, SetResKeepsMinusOneAndLetsPrivilegedSetAnything) {
  IdTriple ids{0, 0, 0};
  ASSERT_TRUE(ids.SetRes(kKeep, 1000, kKeep, true).ok());
  ExpectIds(ids, 0, 1000, 0);
  ASSERT_TRUE(ids.SetRes(5, 6, 7, true).ok());
  ExpectIds(ids, 5, 6, 7);
}

TEST(CredentialsTest, UnprivilegedSetResOnlyShufflesItsOwnIds) {
  IdTriple ids{1, 2, 3};
  ASSERT_TRUE(ids.SetRes(3, 1, 2, false).ok());
  ExpectIds(ids, 3, 1, 2);
  auto denied = ids.SetRes(kKeep, 4, kKeep, false);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error(), Errno::kEPERM);
  ExpectIds(ids, 3, 1, 2);  // unchanged on failure
  // One bad id fails the whole call.
  EXPECT_FALSE(ids.SetRes(1, 1, 9, false).ok());
  ExpectIds(ids, 3, 1, 2);
}

TEST(CredentialsTest, SetReUpdatesTheSavedIdAsLinux) {
  IdTriple ids{1, 2, 3};
  // Only the effective id, set to the real one: saved stays.
  ASSERT_TRUE(ids.SetRe(kKeep, 1, false).ok());
  ExpectIds(ids, 1, 1, 3);
  // Effective set to other than the old real id: saved follows it.
  ASSERT_TRUE(ids.SetRe(kKeep, 3, false).ok());
  ExpectIds(ids, 1, 3, 3);
  // Setting the real id always updates saved to the new effective id.
  ASSERT_TRUE(ids.SetRe(3, kKeep, false).ok());
  ExpectIds(ids, 3, 3, 3);
  ASSERT_TRUE(ids.SetRe(kKeep, kKeep, false).ok());
  ExpectIds(ids, 3, 3, 3);
}

TEST(CredentialsTest, UnprivilegedSetReRealMustBeRealOrEffective) {
  IdTriple ids{1, 2, 3};
  auto denied = ids.SetRe(3, kKeep, false);  // the saved id is not enough
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error(), Errno::kEPERM);
  ASSERT_TRUE(ids.SetRe(2, 3, false).ok());
  ExpectIds(ids, 2, 3, 3);
  EXPECT_TRUE(ids.SetRe(kKeep, 9, true).ok());
}

TEST(CredentialsTest, SetIsAllThreeWhenPrivilegedElseEffectiveOnly) {
  IdTriple ids{0, 0, 0};
  ASSERT_TRUE(ids.Set(1000, true).ok());
  ExpectIds(ids, 1000, 1000, 1000);
  IdTriple mixed{1, 2, 3};
  ASSERT_TRUE(mixed.Set(3, false).ok());
  ExpectIds(mixed, 1, 3, 3);
  ASSERT_TRUE(mixed.Set(1, false).ok());
  ExpectIds(mixed, 1, 1, 3);
  auto denied = mixed.Set(7, false);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error(), Errno::kEPERM);
  auto invalid = mixed.Set(kKeep, true);
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.error(), Errno::kEINVAL);
}

TEST(CredentialsTest, PrivilegeGoesWithEffectiveRoot) {
  Credentials creds;
  EXPECT_TRUE(creds.may_set_ids());
  IdTriple users = creds.users();
  ASSERT_TRUE(users.SetRes(kKeep, 1000, kKeep, creds.may_set_ids()).ok());
  creds.set_users(users);
  EXPECT_FALSE(creds.may_set_ids());
  // The saved root id lets it back (seteuid(0)), which restores privilege.
  users = creds.users();
  ASSERT_TRUE(users.SetRes(kKeep, 0, kKeep, creds.may_set_ids()).ok());
  creds.set_users(users);
  EXPECT_TRUE(creds.may_set_ids());
  // Groups are separate.
  IdTriple groups = creds.groups();
  ASSERT_TRUE(groups.Set(50, creds.may_set_ids()).ok());
  creds.set_groups(groups);
  EXPECT_EQ(creds.gid, 50u);
  EXPECT_EQ(creds.egid, 50u);
  EXPECT_EQ(creds.sgid, 50u);
  EXPECT_EQ(creds.euid, 0u);
}

TEST(GroupListTest, KeepsASortedCopy) {
  uint32_t ids[] = {30, 10, 20, 10};
  auto list = GroupList::Create(ids);
  ASSERT_TRUE(list.ok());
  ids[0] = 99;  // a copy: the caller's array no longer matters
  auto got = list.value()->ids();
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0], 10u);
  EXPECT_EQ(got[1], 10u);
  EXPECT_EQ(got[2], 20u);
  EXPECT_EQ(got[3], 30u);
}

TEST(GroupListTest, RejectsTheInvalidGidAndTooManyGroups) {
  uint32_t invalid[] = {5, kUnchangedId};
  EXPECT_EQ(GroupList::Create(invalid).error(), Errno::kEINVAL);
  std::vector<uint32_t> too_many(GroupList::kMaxGroups + 1, 7);
  EXPECT_EQ(GroupList::Create(too_many).error(), Errno::kEINVAL);
  std::vector<uint32_t> most(GroupList::kMaxGroups, 7);
  EXPECT_TRUE(GroupList::Create(most).ok());
  auto empty = GroupList::Create({});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty.value()->ids().empty());
}

TEST(GroupListTest, CopiedCredentialsShareTheList) {
  uint32_t ids[] = {4, 2};
  Credentials parent;
  EXPECT_TRUE(parent.supplementary_groups().empty());
  parent.supplementary = GroupList::Create(ids).value();
  Credentials child = parent;  // fork
  EXPECT_EQ(child.supplementary_groups().data(), parent.supplementary_groups().data());
  uint32_t other[] = {9};
  parent.supplementary = GroupList::Create(other).value();  // setgroups in the parent
  ASSERT_EQ(child.supplementary_groups().size(), 2u);
  EXPECT_EQ(child.supplementary_groups()[0], 2u);
}

}  // namespace
}  // namespace sentry
