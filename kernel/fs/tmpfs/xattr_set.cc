#include "kernel/fs/tmpfs/xattr_set.h"

#include "kernel/vfs/types.h"

namespace sentry::tmpfs {
namespace {

ktl::Result<void> AppendBytes(ktl::Vector<char>* out, const char* data, size_t size) {
  TRY(out->ReserveAtLeast(out->size() + size));
  for (size_t i = 0; i < size; ++i) (void)out->PushBack(data[i]);  // reserved
  return ktl::Ok();
}

ktl::Result<ktl::Vector<char>> CopyBytes(const char* data, size_t size) {
  ktl::Vector<char> copy;
  TRY(AppendBytes(&copy, data, size));
  return copy;
}

}  // namespace

size_t XattrSet::Find(ktl::StringView name) const {
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].Name() == name) return i;
  }
  return entries_.size();
}

ktl::Result<void> XattrSet::Get(ktl::StringView name, ktl::Vector<char>* out) const {
  size_t i = Find(name);
  if (i == entries_.size()) return ktl::Errno::kENODATA;
  const ktl::Vector<char>& value = entries_[i].value;
  return AppendBytes(out, value.data(), value.size());
}

ktl::Result<void> XattrSet::Set(ktl::StringView name, std::span<const char> value,
                                uint32_t flags, ChargeFn charge) {
  // The VFS checks these too; the set must hold its own bounds whoever calls.
  if (name.empty() || name.size() > vfs::kXattrNameMax) return ktl::Errno::kERANGE;
  if (value.size() > vfs::kXattrSizeMax) return ktl::Errno::kE2BIG;
  if (flags & ~(vfs::kXATTR_CREATE | vfs::kXATTR_REPLACE)) return ktl::Errno::kEINVAL;
  size_t i = Find(name);
  bool exists = i != entries_.size();
  if (exists && (flags & vfs::kXATTR_CREATE)) return ktl::Errno::kEEXIST;
  if (!exists && (flags & vfs::kXATTR_REPLACE)) return ktl::Errno::kENODATA;

  ktl::Vector<char> fresh = TRY(CopyBytes(value.data(), value.size()));
  if (exists) {
    ptrdiff_t delta = static_cast<ptrdiff_t>(value.size()) -
                      static_cast<ptrdiff_t>(entries_[i].value.size());
    if (delta > 0) TRY(charge(delta));
    entries_[i].value = std::move(fresh);
    if (delta < 0) (void)charge(delta);
    charged_bytes_ += delta;
    return ktl::Ok();
  }
  // Keep every list this set can produce within what listxattr(2) returns.
  if (list_bytes_ + name.size() + 1 > vfs::kXattrListMax) return ktl::Errno::kENOSPC;
  Entry entry;
  entry.name = TRY(CopyBytes(name.data(), name.size()));
  entry.value = std::move(fresh);
  TRY(entries_.ReserveAtLeast(entries_.size() + 1));
  size_t cost = name.size() + value.size();
  TRY(charge(static_cast<ptrdiff_t>(cost)));
  (void)entries_.PushBack(std::move(entry));  // reserved
  charged_bytes_ += cost;
  list_bytes_ += name.size() + 1;
  return ktl::Ok();
}

ktl::Result<void> XattrSet::List(ktl::Vector<char>* out) const {
  TRY(out->ReserveAtLeast(out->size() + list_bytes_));
  for (const Entry& entry : entries_) {
    (void)AppendBytes(out, entry.name.data(), entry.name.size());  // reserved
    (void)out->PushBack('\0');
  }
  return ktl::Ok();
}

ktl::Result<void> XattrSet::Remove(ktl::StringView name, ChargeFn charge) {
  size_t i = Find(name);
  if (i == entries_.size()) return ktl::Errno::kENODATA;
  size_t cost = entries_[i].name.size() + entries_[i].value.size();
  list_bytes_ -= entries_[i].name.size() + 1;
  charged_bytes_ -= cost;
  entries_.Erase(i);
  (void)charge(-static_cast<ptrdiff_t>(cost));
  return ktl::Ok();
}

}  // namespace sentry::tmpfs
