// An application address space: its VMAs, its page table, and the frames
// mapped there. The Sentry never dereferences user addresses (SMAP stays on):
// every user access translates through the page table to the physmap, so a
// bad user pointer is an EFAULT, never a Sentry fault.
#ifndef RINGFENCE_KERNEL_MM_ADDRESS_SPACE_H_
#define RINGFENCE_KERNEL_MM_ADDRESS_SPACE_H_

#include <cstddef>
#include <cstdint>

#include "kernel/ktl/result.h"
#include "kernel/mm/vma_set.h"
#include "platform_kvm/abi/hypercall.h"
#include "platform_kvm/guest/page_table.h"

namespace sentry::mm {

enum class FaultResult {
  kHandled,      // the access may be retried
  kMapError,     // no mapping: SIGSEGV with SEGV_MAPERR
  kAccessError,  // mapping forbids it: SIGSEGV with SEGV_ACCERR
  kBusError,     // a file page past the end of the file, or its I/O failed: SIGBUS
};

// How a kernel access to user memory checks permissions.
enum class Access {
  kRead,       // the VMA must be readable
  kWrite,      // the VMA must be writable
  kLoaderFill, // the ELF loader fills a segment of any protection
};

struct MapRequest {
  uint64_t address = 0;  // hint, or the exact address when fixed
  uint64_t length = 0;   // page-aligned, non-zero
  uint8_t prot = kProtNone;
  bool fixed = false;
  bool no_replace = false;  // MAP_FIXED_NOREPLACE
  bool grows_down = false;
  const char* name = nullptr;
  // File mappings: the kind, the file, its page-aligned offset, and the
  // protections mprotect may add later.
  VmaKind kind = VmaKind::kAnonymousPrivate;
  RefPtr<FileMapping> file;
  uint64_t offset = 0;
  uint8_t max_prot = kProtRead | kProtWrite | kProtExec;
  bool populate = false;  // MAP_POPULATE: fault every page in now
};

class AddressSpace {
 public:
  AddressSpace(uint64_t mmap_base) : vmas_(mmap_base) {}
  AddressSpace(const AddressSpace&) = delete;
  // If its page table is loaded, loads the Sentry's own first.
  ~AddressSpace();

  // Creates the page table (sharing the Sentry's upper half).
  ktl::Result<void> Init(PhysAddr kernel_root);
  // The Sentry's own page table given to Init.
  PhysAddr kernel_root() const { return kernel_root_; }
  // Loads the page table on this vCPU (no-op if it is already loaded).
  void Activate() const;
  // After changing the page-table entries of [start, end) directly: flushes
  // them from every vCPU's TLB that may hold them (other vCPUs running this
  // address space get an IPI; returns once they have flushed). Unmap,
  // Protect and the fault paths already do this page by page.
  void InvalidateRange(uint64_t start, uint64_t end) const;

  // Processes sharing the address space (CLONE_VM without CLONE_THREAD:
  // vfork) each hold a reference; the last Unref deletes it. Starts at 1.
  void Ref() { ++references_; }
  void Unref() {
    if (--references_ == 0) delete this;
  }

  // fork(2): a new address space with the same mappings. Private pages
  // become copy-on-write in both (read-only until the first write, which
  // copies the frame or, once no one else maps it, takes it over); shared
  // mappings map the same frames. ENOMEM.
  ktl::Result<AddressSpace*> Fork();

  VmaSet& vmas() { return vmas_; }

  // --- mmap family (anonymous memory), Linux semantics ------------------
  ktl::Result<uint64_t> Map(const MapRequest& request);
  ktl::Result<void> Unmap(uint64_t start, uint64_t length);
  ktl::Result<void> Protect(uint64_t start, uint64_t length, uint8_t prot);
  ktl::Result<uint64_t> Remap(uint64_t old_start, uint64_t old_length,
                              uint64_t new_length, RemapOptions options);
  // msync(2) on [start, start + length): writes back the dirty pages of the
  // shared file mappings there. ENOMEM if part of the range is unmapped
  // (the rest is still synced), EIO if a write failed.
  ktl::Result<void> Sync(uint64_t start, uint64_t length);
  // madvise(MADV_DONTNEED / MADV_FREE): drops the pages of the range, so
  // private anonymous memory reads zeros again, private file pages the
  // file's contents, and shared pages what the file holds. With
  // `anonymous_only` (MADV_FREE) a file mapping in the range is EINVAL.
  // ENOMEM if part of the range is unmapped (the rest is still done).
  ktl::Result<void> Discard(uint64_t start, uint64_t length, bool anonymous_only);
  // mincore(2): out[i] = 1 if page i of the range is in memory (mapped here,
  // or a file page in its cache), else 0. ENOMEM if part is unmapped.
  ktl::Result<void> Residency(uint64_t start, size_t pages, uint8_t* out);
  // brk(2): returns the new break, or the old one when it cannot move.
  uint64_t Brk(uint64_t requested);
  void InitBrk(uint64_t start) { start_brk_ = brk_ = start; }
  uint64_t start_brk() const { return start_brk_; }
  uint64_t brk() const { return brk_; }

  // Where exec laid out the argv and envp strings, each a contiguous run of
  // NUL-terminated strings (/proc/<pid>/cmdline and environ read them).
  struct ArgumentRanges {
    uint64_t arg_start = 0, arg_end = 0;
    uint64_t env_start = 0, env_end = 0;
  };
  const ArgumentRanges& argument_ranges() const { return argument_ranges_; }
  void set_argument_ranges(const ArgumentRanges& ranges) { argument_ranges_ = ranges; }
  void set_stack_limit(uint64_t bytes) { stack_limit_ = bytes; }
  void set_data_limit(uint64_t bytes) { data_limit_ = bytes; }
  // RLIMIT_AS: mmap, mremap, brk and stack growth fail (ENOMEM) beyond it.
  void set_address_limit(uint64_t bytes) { address_limit_ = bytes; }
  // Bytes of address space the VMAs cover (Linux's total_vm).
  uint64_t mapped_bytes() const;

  // --- faults and user memory -------------------------------------------
  FaultResult HandleFault(uint64_t address, bool write, bool execute);

  ktl::Result<void> CopyIn(uint64_t address, void* out, size_t length);
  ktl::Result<void> CopyOut(uint64_t address, const void* data, size_t length);
  // Copies a NUL-terminated string of at most `capacity` bytes including
  // the NUL; returns its length. ENAMETOOLONG if it does not fit.
  ktl::Result<size_t> CopyInString(uint64_t address, char* out, size_t capacity);

  // Faults in the pages of file mappings in [address, address + length)
  // for `access`, so that copying to or from them later cannot reach a file
  // system (whose locks the copying code may hold: read(fd, buf) where buf
  // maps the same file). Returns how many bytes from `address` are safe to
  // copy: all of them, or up to the first file page that cannot be had
  // (past the end of the file). Other memory is left to the copy.
  uint64_t FaultInFilePages(uint64_t address, uint64_t length, Access access);

  // For futex(2): the guest-physical address of the word at `address` if it
  // lies in a shared mapping, whose frames every process mapping the page
  // sees (faulting the page in); 0 in private memory, where the address is
  // the identity. EFAULT if the address is unmapped or unreadable.
  ktl::Result<PhysAddr> SharedWordAddress(uint64_t address);

  // Describes [address, address + length) as guest physical segments for a
  // hypercall, faulting pages in. Stops early when `max_segments` are used;
  // returns the bytes covered (possibly less than length, never 0 unless
  // length is 0). EFAULT if the first page is not accessible.
  ktl::Result<size_t> Translate(uint64_t address, size_t length, Access access,
                                ringfence::abi::GuestIovec* segments,
                                size_t max_segments, size_t* segment_count);

 private:
  // The frame backing `address` (page-aligned), faulting it in; EFAULT if
  // the address is not mapped or `access` is not permitted.
  ktl::Result<PhysAddr> FrameFor(uint64_t address, Access access);
  // Makes `page` of `vma` accessible for a read or a write: a zeroed page
  // (anonymous), the file's page, a private copy (copy-on-write), or the
  // write permission of a tracked page (marking it dirty). Returns its
  // frame. ENXIO past the end of a file (SIGBUS), ENOMEM, I/O errors.
  ktl::Result<PhysAddr> ResolveFault(uint64_t page, const Vma& vma, bool write);
  // Maps `frame` (whose reference the page table takes over) at `page`,
  // dropping what was mapped there.
  ktl::Result<PhysAddr> Install(uint64_t page, PhysAddr frame, uint64_t flags);
  bool ExpandStack(uint64_t address);
  // Unmaps and releases the pages of the piece `removed`, writing back the
  // dirty pages of a shared file mapping.
  void ReleaseRange(const Vma& removed);
  void DropPages(uint64_t start, uint64_t end);
  // Makes the present pages of [start, end) fault on their next write.
  void WriteProtect(uint64_t start, uint64_t end);
  // A write to the copy-on-write page `present` mapped at `page`: takes the
  // frame over if nothing else maps it, else maps a private copy.
  ktl::Result<PhysAddr> BreakCopyOnWrite(uint64_t page, PhysAddr present, uint64_t flags);
  // Whether growing the mapped total by `bytes` stays within RLIMIT_AS.
  bool MayGrowBy(uint64_t bytes) const;
  // Calls `fn` with each VMA piece overlapping [start, end) (clipped);
  // false if part of the range is unmapped.
  bool ForEachPiece(uint64_t start, uint64_t end, ktl::FunctionRef<void(const Vma&)> fn);
  void ApplyProtection(uint64_t start, uint64_t end, uint8_t prot);

  VmaSet vmas_;
  platform::PageTable page_table_;
  PhysAddr kernel_root_ = 0;
  uint32_t references_ = 1;
  uint64_t address_limit_ = ~0ull;
  uint64_t start_brk_ = 0;
  uint64_t brk_ = 0;
  uint64_t stack_limit_ = 8ull << 20;
  uint64_t data_limit_ = ~0ull;
  ArgumentRanges argument_ranges_;
};

// The PTE bits for a VMA protection. PROT_NONE pages stay present but
// supervisor-only, so their contents survive a later mprotect.
uint64_t PteFlagsForProt(uint8_t prot);

}  // namespace sentry::mm

#endif  // RINGFENCE_KERNEL_MM_ADDRESS_SPACE_H_
