#include "kernel/vfs/dentry.h"

#include <new>

#include "kernel/ktl/panic.h"

namespace sentry::vfs {

int CompareNames(ktl::StringView a, ktl::StringView b) {
  size_t common = a.size() < b.size() ? a.size() : b.size();
  int c = ktl::MemCmp(a.data(), b.data(), common);
  if (c != 0) return c;
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

RefPtr<Dentry> Dentry::MakeRoot(RefPtr<Inode> inode) {
  RefPtr<Dentry> root = RefPtr<Dentry>::Adopt(new (std::nothrow) Dentry());
  if (root) root->inode_ = std::move(inode);
  return root;
}

Dentry::~Dentry() {
  KTL_ASSERT(children_.empty());  // each child holds a reference on us
  delete[] name_;
}

ktl::Result<void> Dentry::SetName(ktl::StringView name) {
  char* copy = new (std::nothrow) char[name.size() == 0 ? 1 : name.size()];
  if (copy == nullptr) return ktl::Errno::kENOMEM;
  ktl::MemCopy(copy, name.data(), name.size());
  delete[] name_;
  name_ = copy;
  name_length_ = name.size();
  return ktl::Ok();
}

size_t Dentry::ChildIndex(ktl::StringView name) const {
  size_t low = 0, high = children_.size();
  while (low < high) {
    size_t mid = (low + high) / 2;
    if (CompareNames(children_[mid]->name(), name) < 0) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  return low;
}

Dentry* Dentry::FindChild(ktl::StringView name) const {
  size_t i = ChildIndex(name);
  if (i < children_.size() && children_[i]->name() == name) return children_[i];
  return nullptr;
}

ktl::Result<RefPtr<Dentry>> Dentry::AddChild(ktl::StringView name, RefPtr<Inode> inode) {
  KTL_ASSERT(FindChild(name) == nullptr);
  RefPtr<Dentry> child = RefPtr<Dentry>::Adopt(new (std::nothrow) Dentry());
  if (!child) return ktl::Errno::kENOMEM;
  TRY(child->SetName(name));
  TRY(children_.ReserveAtLeast(children_.size() + 1));
  child->inode_ = std::move(inode);
  child->parent_ = RefPtr<Dentry>(this);
  child->Ref();  // the reference children_ holds
  TRY(children_.Insert(ChildIndex(name), child.get()));  // capacity reserved: cannot fail
  return child;
}

void Dentry::RemoveChild(Dentry* child) {
  size_t i = ChildIndex(child->name());
  KTL_ASSERT(i < children_.size() && children_[i] == child);
  children_.Erase(i);
  child->dead_ = true;
  child->Unref();
}

ktl::Result<void> Dentry::MoveTo(Dentry* new_parent, ktl::StringView new_name) {
  Dentry* old_parent = parent_.get();
  KTL_ASSERT(old_parent != nullptr);
  // Allocate everything first so failure leaves the tree as it was.
  char* copy = new (std::nothrow) char[new_name.size()];
  if (copy == nullptr) return ktl::Errno::kENOMEM;
  if (!new_parent->children_.ReserveAtLeast(new_parent->children_.size() + 1).ok()) {
    delete[] copy;
    return ktl::Errno::kENOMEM;
  }
  // The reference old_parent's children_ held moves to new_parent's (it
  // also keeps us alive in between).
  size_t i = old_parent->ChildIndex(name());
  KTL_ASSERT(i < old_parent->children_.size() && old_parent->children_[i] == this);
  old_parent->children_.Erase(i);
  if (Dentry* victim = new_parent->FindChild(new_name)) new_parent->RemoveChild(victim);
  ktl::MemCopy(copy, new_name.data(), new_name.size());
  delete[] name_;
  name_ = copy;
  name_length_ = new_name.size();
  parent_ = RefPtr<Dentry>(new_parent);
  (void)new_parent->children_.Insert(new_parent->ChildIndex(name()), this);  // reserved
  return ktl::Ok();
}

void Dentry::Exchange(Dentry* a, Dentry* b) {
  Dentry* pa = a->parent_.get();
  Dentry* pb = b->parent_.get();
  KTL_ASSERT(pa != nullptr && pb != nullptr);
  size_t ia = pa->ChildIndex(a->name());
  size_t ib = pb->ChildIndex(b->name());
  KTL_ASSERT(pa->children_[ia] == a && pb->children_[ib] == b);
  // Swap slots, names and parents: each slot keeps its sort position because
  // the name stored there is unchanged.
  pa->children_[ia] = b;
  pb->children_[ib] = a;
  std::swap(a->name_, b->name_);
  std::swap(a->name_length_, b->name_length_);
  a->parent_.Swap(b->parent_);
}

bool Dentry::IsDescendantOf(const Dentry* other) const {
  for (const Dentry* d = this; d != nullptr; d = d->parent_.get()) {
    if (d == other) return true;
  }
  return false;
}

void Dentry::PruneTree() {
  // Iterative post-order walk, so deep trees cannot exhaust a kernel stack.
  Dentry* node = this;
  for (;;) {
    if (!node->children_.empty()) {
      node = node->children_.back();
      continue;
    }
    if (node == this) return;
    Dentry* parent = node->parent_.get();
    parent->children_.PopBack();
    node->Unref();  // may delete node, which drops its reference on parent
    node = parent;  // still alive: its own parent (or `this`) holds it
  }
}

size_t Dentry::PruneUnused() {
  // Iterative post-order walk (children from the last to the first, so an
  // erase only shifts visited slots); `next` counts the children of `node`
  // still to visit. A dentry is looked at once its subtree is done.
  size_t dropped = 0;
  Dentry* node = this;
  size_t next = children_.size();
  for (;;) {
    if (next > 0) {
      node = node->children_[next - 1];
      next = node->children_.size();
      continue;
    }
    if (node == this) return dropped;
    Dentry* parent = node->parent_.get();
    size_t index = parent->ChildIndex(node->name());
    KTL_ASSERT(index < parent->children_.size() && parent->children_[index] == node);
    // One reference (the parent's) means no children, users or walks.
    if (node->references_.load(std::memory_order_acquire) == 1 && node->mount_count == 0 &&
        node->inode().fs().dentries_evictable()) {
      parent->children_.Erase(index);
      node->Unref();  // deletes node; parent lives on (its parent or `this` holds it)
      ++dropped;
    }
    node = parent;
    next = index;
  }
}

}  // namespace sentry::vfs
