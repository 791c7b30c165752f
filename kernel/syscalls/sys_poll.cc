// poll, ppoll, select, pselect6: thin wrappers over ipc::PollFiles.
#include "kernel/ipc/poll_wait.h"
#include "kernel/ktl/vector.h"
#include "kernel/syscalls/handlers.h"
#include "kernel/syscalls/ipc_support.h"
#include "kernel/syscalls/user_pointer.h"
#include "kernel/time/clock.h"
#include "kernel/time/timespec.h"

namespace sentry::syscalls {
namespace {

using ktl::Errno;
using ipc::PollRequest;

struct PollFd {
  int32_t fd;
  int16_t events;
  int16_t revents;
};
static_assert(sizeof(PollFd) == 8);

struct Timeval {
  int64_t tv_sec;
  int64_t tv_usec;
};

// select's sets (POLLIN_SET, POLLOUT_SET, POLLEX_SET in Linux).
constexpr uint32_t kSelectIn = vfs::kPollRdNorm | vfs::kPollRdBand | vfs::kPollIn |
                               vfs::kPollHup | vfs::kPollErr;
constexpr uint32_t kSelectOut = vfs::kPollWrBand | vfs::kPollWrNorm | vfs::kPollOut |
                                vfs::kPollErr;
constexpr uint32_t kSelectEx = vfs::kPollPri;
constexpr int kBitsPerWord = 64;

// The files a wait polls, with a reference held on each for its length.
struct PollSet {
  ktl::Vector<PollRequest> requests;
  ktl::Vector<fs::FileRef> references;

  // Adds `fd` asking for `events`; a closed fd gets a null file.
  ktl::Result<void> Add(int fd, uint32_t events) {
    PollRequest request;
    request.events = events;
    if (fd < 0) {
      request.ignored = true;
    } else if (auto file = CurrentTask().process().files().Get(fd); file.ok()) {
      request.file = file.value().get();
      TRY(references.PushBack(std::move(file).value()));
    }
    return requests.PushBack(request);
  }
};

// Waits with the optional temporary signal mask.
ktl::Result<size_t> Wait(PollSet& set, int64_t deadline, std::optional<uint64_t> mask) {
  std::span<PollRequest> requests(set.requests.data(), set.requests.size());
  return ipc::WithSignalMask(mask ? &*mask : nullptr,
                             [&] { return ipc::PollFiles(requests, deadline); });
}

// Time left to `deadline` (0 once passed), for the timeout write-back.
int64_t Remaining(int64_t deadline) {
  if (deadline == ipc::kForever || deadline == ipc::kNoWait) return 0;
  int64_t left = deadline - time::MonotonicNs();
  return left > 0 ? left : 0;
}

ktl::Result<int64_t> DoPoll(UserAddress fds, uint64_t count, int64_t deadline,
                            std::optional<uint64_t> mask) {
  if (count > CurrentTask().process().rlimit(linux_abi::kRlimitNofile).cur) {
    return Errno::kEINVAL;
  }
  ktl::Vector<PollFd> entries;
  TRY(entries.Resize(count));
  if (count > 0) {
    TRY(CurrentTask().address_space().CopyIn(fds.value, entries.data(), count * sizeof(PollFd)));
  }
  PollSet set;
  for (const PollFd& entry : entries) {
    TRY(set.Add(entry.fd, static_cast<uint16_t>(entry.events)));
  }
  size_t ready = TRY(Wait(set, deadline, mask));
  for (size_t i = 0; i < count; ++i) {
    entries[i].revents = static_cast<int16_t>(set.requests[i].revents);
  }
  if (count > 0) {
    TRY(CurrentTask().address_space().CopyOut(fds.value, entries.data(), count * sizeof(PollFd)));
  }
  return static_cast<int64_t>(ready);
}

// The fd sets of a select: one bit per fd in words of 64.
struct FdSets {
  ktl::Vector<uint64_t> words[3];  // in, out, except; empty when the pointer is null
  UserAddress addresses[3];
};

ktl::Result<int64_t> DoSelect(int count, UserAddress read_set, UserAddress write_set,
                              UserAddress except_set, int64_t deadline,
                              std::optional<uint64_t> mask) {
  if (count < 0) return Errno::kEINVAL;
  // Linux ignores bits past the fd table's size (at least 64 fds).
  size_t table = CurrentTask().process().files().slot_count();
  size_t limit = table < 64 ? 64 : (table + kBitsPerWord - 1) / kBitsPerWord * kBitsPerWord;
  if (static_cast<size_t>(count) > limit) count = static_cast<int>(limit);
  size_t word_count = (static_cast<size_t>(count) + kBitsPerWord - 1) / kBitsPerWord;
  FdSets sets;
  sets.addresses[0] = read_set;
  sets.addresses[1] = write_set;
  sets.addresses[2] = except_set;
  for (int s = 0; s < 3; ++s) {
    if (sets.addresses[s].value == 0) continue;
    TRY(sets.words[s].Resize(word_count));
    if (word_count > 0) {
      TRY(CurrentTask().address_space().CopyIn(sets.addresses[s].value, sets.words[s].data(),
                                               word_count * sizeof(uint64_t)));
    }
  }
  constexpr uint32_t kSetEvents[3] = {kSelectIn, kSelectOut, kSelectEx};
  auto bit = [&](int s, int fd) {
    return !sets.words[s].empty() && (sets.words[s][fd / kBitsPerWord] >> (fd % kBitsPerWord)) & 1;
  };
  PollSet set;
  struct Selected {
    int fd;
    uint8_t sets;  // bit s: asked for in set s
  };
  ktl::Vector<Selected> selected;  // one per request
  for (int fd = 0; fd < count; ++fd) {
    Selected entry = {fd, 0};
    uint32_t events = 0;
    for (int s = 0; s < 3; ++s) {
      if (bit(s, fd)) {
        entry.sets |= static_cast<uint8_t>(1 << s);
        events |= kSetEvents[s];
      }
    }
    if (entry.sets == 0) continue;
    TRY(set.Add(fd, events));
    if (set.requests[set.requests.size() - 1].file == nullptr) return Errno::kEBADF;
    TRY(selected.PushBack(entry));
  }
  TRY(Wait(set, deadline, mask));
  int64_t total = 0;
  for (int s = 0; s < 3; ++s) {
    for (uint64_t& word : sets.words[s]) word = 0;
  }
  for (size_t i = 0; i < selected.size(); ++i) {
    int fd = selected[i].fd;
    for (int s = 0; s < 3; ++s) {
      if (!(selected[i].sets & (1 << s))) continue;
      if ((set.requests[i].revents & kSetEvents[s]) == 0) continue;
      sets.words[s][fd / kBitsPerWord] |= uint64_t{1} << (fd % kBitsPerWord);
      ++total;
    }
  }
  for (int s = 0; s < 3; ++s) {
    if (sets.words[s].empty() || word_count == 0) continue;
    TRY(CurrentTask().address_space().CopyOut(sets.addresses[s].value, sets.words[s].data(),
                                              word_count * sizeof(uint64_t)));
  }
  return total;
}

}  // namespace

ktl::Result<int64_t> sys_poll(UserAddress fds, uint32_t count, int timeout_ms) {
  return DoPoll(fds, count, DeadlineFromMs(timeout_ms), std::nullopt);
}

ktl::Result<int64_t> sys_ppoll(UserAddress fds, uint32_t count, UserAddress timeout,
                               UserAddress signal_mask, uint64_t mask_size) {
  int64_t deadline = TRY(DeadlineFromTimespec(timeout));
  std::optional<uint64_t> mask = TRY(ReadSignalMask(signal_mask, mask_size));
  auto result = DoPoll(fds, count, deadline, mask);
  if (timeout.value != 0) {
    int64_t left = Remaining(deadline);
    linux_abi::Timespec rest = {left / time::kNsPerSecond, left % time::kNsPerSecond};
    (void)UserPointer<linux_abi::Timespec>(timeout.value).Write(rest);  // as Linux: best effort
  }
  return result;
}

ktl::Result<int64_t> sys_select(int count, UserAddress read_set, UserAddress write_set,
                                UserAddress except_set, UserAddress timeout) {
  int64_t deadline = ipc::kForever;
  if (timeout.value != 0) {
    Timeval value = TRY(UserPointer<Timeval>(timeout.value).Read());
    // Linux carries whole seconds out of tv_usec before checking.
    int64_t seconds;
    if (__builtin_add_overflow(value.tv_sec, value.tv_usec / 1000000, &seconds)) {
      seconds = INT64_MAX;  // saturates to "never" below
    }
    int64_t ns = TRY(time::TimespecToNs({seconds, value.tv_usec % 1000000 * 1000}));
    deadline = ns == 0 ? ipc::kNoWait : time::DeadlineAfter(time::MonotonicNs(), ns);
  }
  auto result = DoSelect(count, read_set, write_set, except_set, deadline, std::nullopt);
  if (timeout.value != 0) {
    int64_t left = Remaining(deadline);
    Timeval rest = {left / time::kNsPerSecond, (left % time::kNsPerSecond) / 1000};
    (void)UserPointer<Timeval>(timeout.value).Write(rest);
  }
  return result;
}

ktl::Result<int64_t> sys_pselect6(int count, UserAddress read_set, UserAddress write_set,
                                  UserAddress except_set, UserAddress timeout,
                                  UserAddress signal_mask) {
  int64_t deadline = TRY(DeadlineFromTimespec(timeout));
  std::optional<uint64_t> mask;
  if (signal_mask.value != 0) {
    // The 6th argument points to {const sigset_t* set; size_t size;}.
    struct {
      uint64_t set;
      uint64_t size;
    } argument = TRY((UserPointer<decltype(argument)>(signal_mask.value).Read()));
    mask = TRY(ReadSignalMask(UserAddress{argument.set}, argument.size));
  }
  auto result = DoSelect(count, read_set, write_set, except_set, deadline, mask);
  if (timeout.value != 0) {
    int64_t left = Remaining(deadline);
    linux_abi::Timespec rest = {left / time::kNsPerSecond, left % time::kNsPerSecond};
    (void)UserPointer<linux_abi::Timespec>(timeout.value).Write(rest);
  }
  return result;
}

}  // namespace sentry::syscalls
