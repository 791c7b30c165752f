// mmap, munmap, mprotect, mremap, brk, msync, madvise, mincore.
#include <new>

#include "kernel/abi/linux.h"
#include "kernel/fs/mount_namespace.h"
#include "kernel/ktl/ktl.h"
#include "kernel/mm/physical_memory.h"
#include "kernel/mm/shared_anonymous.h"
#include "kernel/syscalls/handlers.h"
#include "kernel/vfs/file_description.h"

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
constexpr int kMapPopulate = 0x8000;
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

// Fills in the file part of `request` for mmap of `fd`, with Linux's checks
// (do_mmap): the descriptor must be readable, and open for writing for a
// writable MAP_SHARED mapping (which may never become writable otherwise);
// the file must be mappable (ENODEV: stdio host files, pipes, directories);
// offset + length must fit a file offset (EOVERFLOW).
ktl::Result<void> PrepareFileMapping(int fd, bool shared, uint64_t offset, uint64_t length,
                                     mm::MapRequest* request) {
  fs::FileRef file = TRY(CurrentTask().process().files().Get(fd));
  if (shared && (request->prot & mm::kProtWrite) && !file->writable()) {
    return Errno::kEACCES;
  }
  if (!file->readable()) return Errno::kEACCES;
  vfs::FileDescription* description = file->vfs_description();
  if (description == nullptr || description->is_path_only()) return Errno::kENODEV;
  constexpr uint64_t kMaxFileOffset = ~0ull >> 1;  // LLONG_MAX, Linux's MAX_LFS_FILESIZE
  if (length > kMaxFileOffset || offset > kMaxFileOffset - length) return Errno::kEOVERFLOW;
  vfs::Inode& inode = description->inode();
  // The data inode: what read(2) on this description reads (an overlay's
  // layer inode), so mappings and reads share one page cache.
  auto object = TRY(description->data_inode().GetMemoryObject(mm::PhysicalPages()));
  // The path /proc/<pid>/maps shows: the name it was opened by.
  char* path = new (std::nothrow) char[vfs::kPathMax];
  if (path == nullptr) return Errno::kENOMEM;
  auto named =
      fs::MountNamespace().PathName(CurrentTask().process().fs_context().root, description->path(),
                                    {path, vfs::kPathMax});
  if (!named.ok()) path[0] = '\0';  // unlinked, or outside the root
  auto mapping = mm::FileMapping::Create(std::move(object), path, inode.fs().device(), inode.ino());
  delete[] path;
  request->file = TRY(std::move(mapping));
  request->kind = shared ? mm::VmaKind::kFileShared : mm::VmaKind::kFilePrivate;
  request->offset = offset;
  if (shared && !file->writable()) request->max_prot &= ~mm::kProtWrite;
  return ktl::Ok();
}

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
  // MAP_32BIT is a hint Linux may ignore too.
  (void)kMap32Bit;
  mm::MapRequest request;
  request.address = address;
  request.length = rounded;
  request.prot = static_cast<uint8_t>(prot);
  if (!(flags & kMapAnonymous)) {
    TRY(PrepareFileMapping(fd, type != kMapPrivate, offset, rounded, &request));
  } else if (type == kMapShared) {
    // One memory object, so that fork's children map the same pages.
    request.file = TRY(mm::CreateSharedAnonymousMapping(mm::PhysicalPages(), rounded));
    request.kind = mm::VmaKind::kFileShared;
  }
  request.fixed = fixed;
  request.no_replace = (flags & kMapFixedNoreplace) != 0;
  request.populate = (flags & kMapPopulate) != 0;
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

ktl::Result<int64_t> sys_msync(uint64_t address, uint64_t length, int flags) {
  constexpr int kMsAsync = 1, kMsInvalidate = 2, kMsSync = 4;
  if (flags & ~(kMsAsync | kMsInvalidate | kMsSync)) return Errno::kEINVAL;
  if (!ktl::IsAligned(address, kPageSize)) return Errno::kEINVAL;
  if ((flags & kMsAsync) && (flags & kMsSync)) return Errno::kEINVAL;
  uint64_t rounded;
  if (!RoundLength(length, &rounded) || address > kUserEnd || rounded > kUserEnd - address) {
    return Errno::kENOMEM;
  }
  if (rounded == 0) return 0;
  // MS_ASYNC writes back too: there is no flusher thread to leave it to.
  // MS_INVALIDATE has nothing to do: mappings share the cached pages.
  TRY(Memory().Sync(address, rounded));
  return 0;
}

ktl::Result<int64_t> sys_madvise(uint64_t address, uint64_t length, int advice) {
  enum : int {
    kNormal = 0, kRandom = 1, kSequential = 2, kWillneed = 3, kDontneed = 4, kFree = 8,
    kDontfork = 10, kDofork = 11, kMergeable = 12, kUnmergeable = 13, kHugepage = 14,
    kNohugepage = 15, kDontdump = 16, kDodump = 17, kWipeonfork = 18, kKeeponfork = 19,
    kCold = 20, kPageout = 21, kDontneedLocked = 24,
  };
  switch (advice) {
    case kNormal: case kRandom: case kSequential: case kWillneed: case kDontneed: case kFree:
    case kDontfork: case kDofork: case kMergeable: case kUnmergeable: case kHugepage:
    case kNohugepage: case kDontdump: case kDodump: case kWipeonfork: case kKeeponfork:
    case kCold: case kPageout: case kDontneedLocked:
      break;
    default:
      return Errno::kEINVAL;
  }
  if (!ktl::IsAligned(address, kPageSize)) return Errno::kEINVAL;
  uint64_t rounded;
  if (!RoundLength(length, &rounded) || address > kUserEnd || rounded > kUserEnd - address) {
    return Errno::kEINVAL;
  }
  if (rounded == 0) return 0;
  if (advice == kDontneed || advice == kDontneedLocked || advice == kFree) {
    // MADV_FREE lets the kernel drop the pages whenever it likes: now.
    TRY(Memory().Discard(address, rounded, /*anonymous_only=*/advice == kFree));
    return 0;
  }
  // The rest are hints about paging or fork that change nothing here yet.
  if (!Memory().vmas().IsFullyMapped(address, address + rounded)) return Errno::kENOMEM;
  return 0;
}

ktl::Result<int64_t> sys_mincore(uint64_t address, uint64_t length, uint64_t vector) {
  if (!ktl::IsAligned(address, kPageSize)) return Errno::kEINVAL;
  if (address > kUserEnd || length > kUserEnd - address) return Errno::kENOMEM;
  uint64_t pages = ktl::RoundUp(length, kPageSize) / kPageSize;
  // A chunk at a time, each copied out before the next, as Linux does.
  constexpr size_t kChunk = 256;
  uint8_t chunk[kChunk];
  for (uint64_t done = 0; done < pages;) {
    size_t count = pages - done < kChunk ? pages - done : kChunk;
    TRY(Memory().Residency(address + done * kPageSize, count, chunk));
    TRY(Memory().CopyOut(vector + done, chunk, count));
    done += count;
  }
  return 0;
}

}  // namespace sentry::syscalls
