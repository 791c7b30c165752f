// The syscall list and the argument-narrowing invoker, checked hosted.
#include <sys/syscall.h>

#include <set>
#include <string>

#include "gtest/gtest.h"
#include "kernel/syscalls/syscall_invoker.h"
#include "kernel/syscalls/syscall_list.h"

namespace sentry::syscalls {
namespace {

struct ListedSyscall {
  long number;
  const char* name;
  const char* format;
  long host_number;  // the number glibc's <sys/syscall.h> gives the name
};

// `params` is a parenthesised parameter list, so `void params` is a function
// type whose arity the format string must match.
template <typename... Params>
constexpr size_t Arity(void (*)(Params...)) {
  return sizeof...(Params);
}

#define SENTRY_LIST_ENTRY(number, name, format, params) {number, #name, format, SYS_##name},
constexpr ListedSyscall kListed[] = {SENTRY_SYSCALLS(SENTRY_LIST_ENTRY)};
#undef SENTRY_LIST_ENTRY

#define SENTRY_ARITY_ENTRY(number, name, format, params) \
  {#name, Arity(static_cast<void(*) params>(nullptr))},
const std::pair<const char*, size_t> kArities[] = {SENTRY_SYSCALLS(SENTRY_ARITY_ENTRY)};
#undef SENTRY_ARITY_ENTRY

TEST(SyscallListTest, NumbersMatchTheLinuxX8664Abi) {
  for (const ListedSyscall& entry : kListed) {
    EXPECT_EQ(entry.number, entry.host_number) << entry.name;
  }
}

TEST(SyscallListTest, NumbersAndNamesAreUnique) {
  std::set<long> numbers;
  std::set<std::string> names;
  for (const ListedSyscall& entry : kListed) {
    EXPECT_TRUE(numbers.insert(entry.number).second) << entry.number;
    EXPECT_TRUE(names.insert(entry.name).second) << entry.name;
  }
}

TEST(SyscallListTest, FormatsDescribeEveryParameter) {
  for (size_t i = 0; i < std::size(kListed); ++i) {
    EXPECT_EQ(std::string(kListed[i].format).size(), kArities[i].second) << kListed[i].name;
    for (char c : std::string(kListed[i].format)) {
      EXPECT_NE(std::string("duxoapsbB").find(c), std::string::npos)
          << kListed[i].name << " uses unknown format letter " << c;
    }
  }
}

// Handlers used to observe what the invoker passes.
int g_seen_int;
uint32_t g_seen_u32;
uint64_t g_seen_address;

ktl::Result<int64_t> TakesInt(int value) {
  g_seen_int = value;
  return value;
}
ktl::Result<int64_t> TakesMixed(uint32_t flags, UserAddress address) {
  g_seen_u32 = flags;
  g_seen_address = address.value;
  return 0;
}
ktl::Result<int64_t> Fails() { return ktl::Errno::kEBADF; }

TEST(SyscallInvokerTest, NarrowsIntArgumentsToTheLow32Bits) {
  const uint64_t args[6] = {0xdeadbeef00000005ull};
  EXPECT_EQ(Invoker<decltype(TakesInt)>::Invoke<&TakesInt>(args), 5);
  EXPECT_EQ(g_seen_int, 5);
  const uint64_t negative[6] = {0x00000000ffffffffull};
  EXPECT_EQ(Invoker<decltype(TakesInt)>::Invoke<&TakesInt>(negative), -1);
}

TEST(SyscallInvokerTest, PassesAddressesWhole) {
  const uint64_t args[6] = {0x1234567800000080ull, 0x00007fff12345678ull};
  EXPECT_EQ(Invoker<decltype(TakesMixed)>::Invoke<&TakesMixed>(args), 0);
  EXPECT_EQ(g_seen_u32, 0x80u);
  EXPECT_EQ(g_seen_address, 0x00007fff12345678ull);
}

TEST(SyscallInvokerTest, ErrorsBecomeNegativeErrno) {
  const uint64_t args[6] = {};
  EXPECT_EQ(Invoker<decltype(Fails)>::Invoke<&Fails>(args), -9);
}

}  // namespace
}  // namespace sentry::syscalls
