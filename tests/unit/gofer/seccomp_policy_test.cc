// The Gofer's seccomp policy as a listing (no filter installed). Installing
// it is covered by ConfinementTest.SeccompKillsNetworkAndPathOpens.
#include "gofer/seccomp_policy.h"

#include <fcntl.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ringfence::gofer::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(GoferPolicyTest, OpensOnlyBeneathDirectoryFdsWithoutFollowing) {
  vmm::SeccompPolicyBuilder policy = GoferPolicy(/*socket_fd=*/3, false);
  ASSERT_TRUE(policy.status().ok()) << policy.status();
  EXPECT_TRUE(policy.Build().ok());
  std::string text = policy.Describe();
  EXPECT_THAT(text, HasSubstr("default: kill process\n"));
  EXPECT_THAT(text, HasSubstr(absl::StrFormat(
                        "allow openat if arg0 & 0x80000000 == 0x0 (dirfd >= 0) "
                        "and arg2 & 0x%x == 0x%x (O_NOFOLLOW)\n",
                        O_NOFOLLOW, O_NOFOLLOW)));
  EXPECT_THAT(text, HasSubstr("allow openat2 if arg0 & 0x80000000 == 0x0 "
                              "(dirfd >= 0)\n"));
  EXPECT_THAT(text, HasSubstr("allow recvmsg if arg0 == 0x3 (gofer socket)\n"));
  for (const char* forbidden :
       {"allow open\n", "allow creat", "allow execve", "allow socket",
        "allow connect", "allow bind", "allow clone", "allow ptrace",
        "allow mount", "allow chroot"}) {
    EXPECT_THAT(text, Not(HasSubstr(forbidden))) << forbidden;
  }
  EXPECT_THAT(text, HasSubstr("allow mkdirat"));
}

TEST(GoferPolicyTest, ReadOnlyLeavesOutMutationsButStillOpens) {
  vmm::SeccompPolicyBuilder policy = GoferPolicy(/*socket_fd=*/3, true);
  ASSERT_TRUE(policy.status().ok()) << policy.status();
  std::string text = policy.Describe();
  EXPECT_THAT(text, HasSubstr("allow openat if"));
  EXPECT_THAT(text, HasSubstr("allow openat2 if"));
  for (const char* mutation :
       {"mkdirat", "mknodat", "symlinkat", "linkat", "unlinkat", "renameat2",
        "fchownat", "fchown", "fchmod", "fchmodat", "ftruncate", "utimensat",
        "fsetxattr", "fremovexattr"}) {
    // The whole name: "allow linkat" must not match "allow readlinkat".
    EXPECT_THAT(text, Not(HasSubstr(absl::StrCat("allow ", mutation, "\n"))))
        << mutation;
    EXPECT_THAT(text, Not(HasSubstr(absl::StrCat("allow ", mutation, " if"))))
        << mutation;
  }
}

}  // namespace
}  // namespace ringfence::gofer::testing
