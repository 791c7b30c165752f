// mmap, munmap, mprotect, mremap, brk (anonymous memory).
#include "kernel/abi/linux.h"
#include "kernel/ktl/ktl.h"
#include "kernel/syscalls/handlers.h"

namespace sentry::syscalls {
namespace {

using ktl::Errno;
using mm::kPageSize;

constexpr int kMapShared = 0x01;
constexpr int kMapPrivate = 0x02;
constexpr int kMapSharedValidate = 0x03;
constexpr int kMapTypeMask = 0x0f;
constexpr int kMapFixed = 0x10;
constexpr int kMapAnonymous = 0x20;
constexpr int kMap32Bit = 0x40;
constexpr int kMapGrowsdown = 0x100;
constexpr int kMapFixedNoreplace = 0x100000;
// Flags MAP_SHARED_VALIDATE accepts (Linux's LEGACY_MAP_MASK plus the rest).
constexpr int kMapKnownFlags = 0x1ff7f3 & ~kMapTypeMask;
constexpr int kProtGrowsdown = 0x01000000;
constexpr int kProtGrowsup = 0x02000000;

constexpr int kMremapMaymove = 1;
constexpr int kMremapFixed = 2;
constexpr int kMremapDontunmap = 4;

constexpr uint64_t kUserEnd = mm::VmaSet::kDefaultMaxAddress;

// Rounds `length` up to pages; false if that overflows or leaves user space.
bool RoundLength(uint64_t length, uint64_t* rounded) {
  if (length > kUserEnd) return false;
  *rounded = ktl::RoundUp(length, kPageSize);
  return true;
}

mm::AddressSpace& Memory() { return CurrentTask().address_space(); }

}  // namespace

ktl::Result<int64_t> sys_mmap(uint64_t address, uint64_t length, int prot, int flags, int fd,
                              uint64_t offset) {
  int type = flags & kMapTypeMask;
  if (type != kMapShared && type != kMapPrivate && type != kMapSharedValidate) {
    return Errno::kEINVAL;
  }
  if (type == kMapSharedValidate && (flags & ~kMapTypeMask & ~kMapKnownFlags)) {
    return Errno::kEOPNOTSUPP;
  }
  if (prot & ~(mm::kProtRead | mm::kProtWrite | mm::kProtExec)) return Errno::kEINVAL;
  if (length == 0 || !ktl::IsAligned(offset, kPageSize)) return Errno::kEINVAL;
  uint64_t rounded;
  if (!RoundLength(length, &rounded)) return Errno::kENOMEM;
  bool fixed = (flags & (kMapFixed | kMapFixedNoreplace)) != 0;
  if (fixed && !ktl::IsAligned(address, kPageSize)) return Errno::kEINVAL;
  if (fixed && (address > kUserEnd || rounded > kUserEnd - address)) return Errno::kENOMEM;
  // For anonymous memory Linux knows only MAP_SHARED and MAP_PRIVATE;
  // MAP_SHARED_VALIDATE is a file-mapping type.
  if ((flags & kMapAnonymous) && type == kMapSharedValidate) return Errno::kEINVAL;
  if (!(flags & kMapAnonymous)) {
    // File mappings arrive with the file system: a descriptor we have is a
    // stream (stdio), which cannot be mapped.
    TRY(CurrentTask().process().files().Get(fd));
    return Errno::kENODEV;
  }
  // MAP_32BIT and MAP_SHARED anonymous memory behave as private anonymous
  // memory while there is a single process.
  (void)kMap32Bit;
  mm::MapRequest request;
  request.address = address;
  request.length = rounded;
  request.prot = static_cast<uint8_t>(prot);
  request.fixed = fixed;
  request.no_replace = (flags & kMapFixedNoreplace) != 0;
  request.grows_down = (flags & kMapGrowsdown) != 0;
  return static_cast<int64_t>(TRY(Memory().Map(request)));
}

ktl::Result<int64_t> sys_munmap(uint64_t address, uint64_t length) {
  if (!ktl::IsAligned(address, kPageSize) || length == 0) return Errno::kEINVAL;
  uint64_t rounded;
  if (!RoundLength(length, &rounded) || address > kUserEnd || rounded > kUserEnd - address) {
    return Errno::kEINVAL;
  }
  TRY(Memory().Unmap(address, rounded));
  return 0;
}

ktl::Result<int64_t> sys_mprotect(uint64_t address, uint64_t length, int prot) {
  if (!ktl::IsAligned(address, kPageSize)) return Errno::kEINVAL;
  int grows = prot & (kProtGrowsdown | kProtGrowsup);
  prot &= ~grows;
  if (prot & ~(mm::kProtRead | mm::kProtWrite | mm::kProtExec)) return Errno::kEINVAL;
  if (grows == (kProtGrowsdown | kProtGrowsup)) return Errno::kEINVAL;
  if (length == 0) return 0;
  uint64_t rounded;
  if (!RoundLength(length, &rounded) || address > kUserEnd || rounded > kUserEnd - address) {
    return Errno::kENOMEM;
  }
  TRY(Memory().Protect(address, rounded, static_cast<uint8_t>(prot)));
  return 0;
}

ktl::Result<int64_t> sys_mremap(uint64_t old_address, uint64_t old_length, uint64_t new_length,
                                int flags, uint64_t new_address) {
  if (flags & ~(kMremapMaymove | kMremapFixed | kMremapDontunmap)) return Errno::kEINVAL;
  if ((flags & kMremapFixed) && !(flags & kMremapMaymove)) return Errno::kEINVAL;
  if (flags & kMremapDontunmap) return Errno::kEINVAL;  // needs shared pages (later)
  if (!ktl::IsAligned(old_address, kPageSize)) return Errno::kEINVAL;
  uint64_t old_rounded, new_rounded;
  if (!RoundLength(old_length, &old_rounded) || !RoundLength(new_length, &new_rounded)) {
    return Errno::kEINVAL;
  }
  if (new_rounded == 0) return Errno::kEINVAL;
  if ((flags & kMremapFixed) && !ktl::IsAligned(new_address, kPageSize)) return Errno::kEINVAL;
  mm::RemapOptions options;
  options.may_move = (flags & kMremapMaymove) != 0;
  options.fixed = (flags & kMremapFixed) != 0;
  options.fixed_address = new_address;
  return static_cast<int64_t>(
      TRY(Memory().Remap(old_address, old_rounded, new_rounded, options)));
}

ktl::Result<int64_t> sys_brk(uint64_t address) {
  return static_cast<int64_t>(Memory().Brk(address));
}

}  // namespace sentry::syscalls
