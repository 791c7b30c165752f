#include "kernel/ktl/intrusive_list.h"

#include <gtest/gtest.h>

#include <vector>

namespace ktl {
namespace {

struct Task {
  explicit Task(int i) : id(i) {}
  int id;
  char padding[24] = {};
  IntrusiveListNode run_node;
  IntrusiveListNode wait_node;
};

using RunQueue = IntrusiveList<Task, &Task::run_node>;
using WaitQueue = IntrusiveList<Task, &Task::wait_node>;

std::vector<int> Ids(RunQueue& q) {
  std::vector<int> ids;
  for (Task& t : q) ids.push_back(t.id);
  return ids;
}

TEST(IntrusiveListTest, PushPopRemoveIterate) {
  Task a(1), b(2), c(3), d(4);
  RunQueue q;
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.front(), nullptr);
  q.PushBack(&b);
  q.PushBack(&c);
  q.PushFront(&a);
  q.InsertBefore(&c, &d);
  EXPECT_EQ(Ids(q), (std::vector<int>{1, 2, 4, 3}));
  EXPECT_EQ(q.size(), 4u);
  EXPECT_EQ(q.Next(&b), &d);
  EXPECT_EQ(q.Prev(&a), nullptr);
  EXPECT_EQ(q.Next(&c), nullptr);
  q.Remove(&d);
  EXPECT_FALSE(d.run_node.InList());
  EXPECT_EQ(Ids(q), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(q.PopFront(), &a);
  EXPECT_EQ(q.PopBack(), &c);
  EXPECT_EQ(q.PopFront(), &b);
  EXPECT_EQ(q.PopFront(), nullptr);
  EXPECT_TRUE(q.empty());
}

TEST(IntrusiveListTest, OnTwoListsAtOnce) {
  Task a(1), b(2);
  RunQueue run;
  WaitQueue wait;
  run.PushBack(&a);
  run.PushBack(&b);
  wait.PushBack(&b);
  wait.PushBack(&a);
  EXPECT_EQ(wait.front(), &b);
  EXPECT_EQ(run.front(), &a);
  run.Remove(&a);
  EXPECT_EQ(wait.back(), &a);
  wait.Remove(&a);
  wait.Remove(&b);
  run.Remove(&b);
}

TEST(IntrusiveListDeathTest, DoubleInsertAndDanglingPanic) {
  Task a(1);
  RunQueue q;
  q.PushBack(&a);
  EXPECT_DEATH(q.PushBack(&a), "InList");
  q.Remove(&a);
  EXPECT_DEATH(q.Remove(&a), "InList");
  EXPECT_DEATH(
      {
        RunQueue doomed;
        Task t(2);
        doomed.PushBack(&t);
        doomed.Remove(&t);
        doomed.PushBack(&t);
        // Destroying `t` while linked is a bug the node catches.
        t.~Task();
      },
      "InList");
}

}  // namespace
}  // namespace ktl
