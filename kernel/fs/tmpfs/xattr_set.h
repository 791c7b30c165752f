// XattrSet: the extended attributes of one in-memory inode (tmpfs).
//
// A short list of (name, value) pairs in insertion order; listxattr(2)
// reports them in that order. The set enforces the per-attribute limits
// (names of 1..kXattrNameMax bytes: ERANGE; values up to kXattrSizeMax: E2BIG)
// and keeps the NUL-terminated name list within kXattrListMax (ENOSPC), so a
// listxattr of any size the set accepted can succeed. What the set's bytes
// cost is reported through the `charge` callback (the file system's total
// bound); the set itself does no locking (the owning inode's lock guards it).
#ifndef RINGFENCE_KERNEL_FS_TMPFS_XATTR_SET_H_
#define RINGFENCE_KERNEL_FS_TMPFS_XATTR_SET_H_

#include <cstddef>
#include <span>

#include "kernel/ktl/function_ref.h"
#include "kernel/ktl/result.h"
#include "kernel/ktl/string.h"
#include "kernel/ktl/vector.h"

namespace sentry::tmpfs {

class XattrSet {
 public:
  // Asked before the set grows by `bytes` (ENOSPC to refuse); told with a
  // negative count when it shrinks (the result is then ignored).
  using ChargeFn = ktl::FunctionRef<ktl::Result<void>(ptrdiff_t bytes)>;

  // Appends the value of `name` to `out`; ENODATA if absent.
  ktl::Result<void> Get(ktl::StringView name, ktl::Vector<char>* out) const;
  // setxattr(2) `flags` (kXATTR_CREATE / kXATTR_REPLACE / 0).
  ktl::Result<void> Set(ktl::StringView name, std::span<const char> value, uint32_t flags,
                        ChargeFn charge);
  // Appends each name, NUL-terminated, to `out`.
  ktl::Result<void> List(ktl::Vector<char>* out) const;
  // ENODATA if absent.
  ktl::Result<void> Remove(ktl::StringView name, ChargeFn charge);

  // Bytes charged for the whole set (names and values).
  size_t charged_bytes() const { return charged_bytes_; }
  size_t count() const { return entries_.size(); }

 private:
  struct Entry {
    ktl::StringView Name() const { return ktl::StringView(name.data(), name.size()); }
    ktl::Vector<char> name;
    ktl::Vector<char> value;
  };
  // Index of `name` in entries_, or entries_.size().
  size_t Find(ktl::StringView name) const;

  ktl::Vector<Entry> entries_;
  size_t charged_bytes_ = 0;  // sum of name + value sizes
  size_t list_bytes_ = 0;     // sum of name sizes + 1 (the List() output size)
};

}  // namespace sentry::tmpfs

#endif  // RINGFENCE_KERNEL_FS_TMPFS_XATTR_SET_H_
