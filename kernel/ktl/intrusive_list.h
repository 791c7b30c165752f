// Doubly linked intrusive list: the element embeds its own links, so
// insertion never allocates and never fails.
//
//   struct Task { ktl::IntrusiveListNode run_node; ... };
//   ktl::IntrusiveList<Task, &Task::run_node> run_queue;
//
// The list does not own its elements: the caller keeps each element alive
// while it is linked and must unlink it before destroying it (the node's
// destructor asserts this). An element can be on several lists at once
// through several nodes.
#ifndef RINGFENCE_KERNEL_KTL_INTRUSIVE_LIST_H_
#define RINGFENCE_KERNEL_KTL_INTRUSIVE_LIST_H_

#include <cstddef>

#include "kernel/ktl/panic.h"

namespace ktl {

class IntrusiveListNode {
 public:
  IntrusiveListNode() = default;
  ~IntrusiveListNode() { KTL_ASSERT(!InList()); }
  IntrusiveListNode(const IntrusiveListNode&) = delete;
  IntrusiveListNode& operator=(const IntrusiveListNode&) = delete;

  bool InList() const { return next_ != nullptr; }

 private:
  template <typename T, IntrusiveListNode T::*>
  friend class IntrusiveList;

  IntrusiveListNode* prev_ = nullptr;
  IntrusiveListNode* next_ = nullptr;
};

template <typename T, IntrusiveListNode T::*Member>
class IntrusiveList {
 public:
  IntrusiveList() { head_.prev_ = head_.next_ = &head_; }
  // The list must be empty when destroyed (its elements would dangle).
  ~IntrusiveList() {
    KTL_ASSERT(empty());
    head_.prev_ = head_.next_ = nullptr;
  }
  IntrusiveList(const IntrusiveList&) = delete;
  IntrusiveList& operator=(const IntrusiveList&) = delete;

  bool empty() const { return head_.next_ == &head_; }
  size_t size() const { return size_; }

  T* front() { return empty() ? nullptr : Owner(head_.next_); }
  T* back() { return empty() ? nullptr : Owner(head_.prev_); }

  // Precondition: `item` is not on a list through this node.
  void PushBack(T* item) { InsertBefore(&head_, &(item->*Member)); }
  void PushFront(T* item) { InsertBefore(head_.next_, &(item->*Member)); }
  // Inserts `item` just before `position` (which must be on this list).
  void InsertBefore(T* position, T* item) {
    InsertBefore(&(position->*Member), &(item->*Member));
  }

  // Precondition: `item` is on this list.
  void Remove(T* item) {
    IntrusiveListNode* node = &(item->*Member);
    KTL_ASSERT(node->InList());
    node->prev_->next_ = node->next_;
    node->next_->prev_ = node->prev_;
    node->prev_ = node->next_ = nullptr;
    --size_;
  }

  T* PopFront() {
    T* item = front();
    if (item != nullptr) Remove(item);
    return item;
  }
  T* PopBack() {
    T* item = back();
    if (item != nullptr) Remove(item);
    return item;
  }

  // Next/previous element, or nullptr at the ends.
  T* Next(T* item) {
    IntrusiveListNode* n = (item->*Member).next_;
    return n == &head_ ? nullptr : Owner(n);
  }
  T* Prev(T* item) {
    IntrusiveListNode* n = (item->*Member).prev_;
    return n == &head_ ? nullptr : Owner(n);
  }

  class Iterator {
   public:
    Iterator(IntrusiveListNode* node) : node_(node) {}  // NOLINT
    T& operator*() const { return *Owner(node_); }
    T* operator->() const { return Owner(node_); }
    Iterator& operator++() {
      node_ = node_->next_;
      return *this;
    }
    bool operator==(const Iterator& other) const { return node_ == other.node_; }
    bool operator!=(const Iterator& other) const { return node_ != other.node_; }

   private:
    IntrusiveListNode* node_;
  };
  // Removing the element an iterator points at invalidates that iterator
  // only; use Next() before Remove() to delete while walking.
  Iterator begin() { return Iterator(head_.next_); }
  Iterator end() { return Iterator(&head_); }

 private:
  // Recovers the element from its embedded node (container_of): the node sits
  // at a fixed offset inside T, measured once on a T-sized aligned buffer
  // rather than through a null pointer.
  static T* Owner(IntrusiveListNode* node) {
    return reinterpret_cast<T*>(reinterpret_cast<char*>(node) - MemberOffset());
  }
  static size_t MemberOffset() {
    alignas(T) static char probe[sizeof(T)];
    T* fake = reinterpret_cast<T*>(probe);  // never constructed; only its address is used
    return static_cast<size_t>(reinterpret_cast<char*>(&(fake->*Member)) - probe);
  }

  void InsertBefore(IntrusiveListNode* position, IntrusiveListNode* node) {
    KTL_ASSERT(!node->InList());
    node->next_ = position;
    node->prev_ = position->prev_;
    position->prev_->next_ = node;
    position->prev_ = node;
    ++size_;
  }

  IntrusiveListNode head_;  // sentinel: head_.next_ is the front
  size_t size_ = 0;
};

}  // namespace ktl

#endif  // RINGFENCE_KERNEL_KTL_INTRUSIVE_LIST_H_
