// Copyright 2026 The semble Authors.

#include "core/thread_pool.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace semble::core {
namespace {

// Runs ParallelFor and returns how often each index was visited and by which threads.
struct Visits {
  std::vector<std::atomic<int>> count;
  std::set<std::thread::id> threads;
};

void Visit(size_t n, int threads, Visits* v) {
  v->count = std::vector<std::atomic<int>>(n);
  v->threads.clear();
  std::mutex mu;
  ParallelFor(n, threads, [&](size_t i) {
    v->count[i].fetch_add(1);
    std::lock_guard<std::mutex> lock(mu);
    v->threads.insert(std::this_thread::get_id());
  });
}

TEST(ParallelForTest, VisitsEveryIndexExactlyOnce) {
  for (int threads : {1, 2, 3, 8}) {
    for (size_t n : {1, 2, 7, 1000, 100000}) {
      Visits v;
      Visit(n, threads, &v);
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(v.count[i].load(), 1) << n << " " << i;
      EXPECT_LE(v.threads.size(), std::min<size_t>(n, threads)) << n << " " << threads;
    }
  }
}

TEST(ParallelForTest, OneThreadRunsInlineInOrder) {
  const std::thread::id caller = std::this_thread::get_id();
  for (int threads : {1, 0, -3}) {
    std::vector<size_t> order;
    ParallelFor(100, threads, [&](size_t i) {
      EXPECT_EQ(std::this_thread::get_id(), caller);
      order.push_back(i);  // unsynchronised on purpose: only the caller may run
    });
    ASSERT_EQ(order.size(), 100u);
    for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i], i);
  }
  Visits v;
  Visit(50, 1, &v);
  EXPECT_EQ(v.threads, std::set<std::thread::id>{caller});
  Visit(1, 8, &v);  // a single index is not worth a thread either
  EXPECT_EQ(v.threads, std::set<std::thread::id>{caller});
}

TEST(ParallelForTest, NothingToDoCallsNothing) {
  for (int threads : {1, 4}) {
    int calls = 0;
    ParallelFor(0, threads, [&](size_t) { ++calls; });
    EXPECT_EQ(calls, 0);
  }
  ThreadPool pool(3);
  int calls = 0;
  pool.ParallelFor(0, [&](size_t) { ++calls; });
  EXPECT_EQ(calls, 0);
}

TEST(ParallelForTest, FewerIndicesThanThreadsRunsEachOnItsOwnThread) {
  // Each task waits until every task has started, so with n < threads all n run at once, on n
  // different threads, the caller one of them (the wait is bounded so a failure cannot hang).
  for (size_t n : {2, 3}) {
    std::atomic<size_t> started{0};
    std::atomic<int> saw_all{0};
    Visits v;
    v.count = std::vector<std::atomic<int>>(n);
    std::mutex mu;
    ParallelFor(n, 8, [&](size_t i) {
      {
        std::lock_guard<std::mutex> lock(mu);
        v.threads.insert(std::this_thread::get_id());
      }
      v.count[i].fetch_add(1);
      started.fetch_add(1);
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (started.load() < n && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
      }
      if (started.load() == n) saw_all.fetch_add(1);
    });
    for (size_t i = 0; i < n; ++i) EXPECT_EQ(v.count[i].load(), 1);
    EXPECT_EQ(saw_all.load(), static_cast<int>(n));
    EXPECT_EQ(v.threads.size(), n);
    EXPECT_TRUE(v.threads.count(std::this_thread::get_id()));  // the caller takes part
  }
}

TEST(ParallelForTest, ResultsWrittenPerIndexAreVisibleAfterwards) {
  // The contract callers rely on for deterministic output: one slot per index, read after return.
  std::vector<uint64_t> out(10000);
  ParallelFor(out.size(), 4, [&](size_t i) { out[i] = i * i; });
  for (size_t i = 0; i < out.size(); ++i) ASSERT_EQ(out[i], i * i);
}

TEST(ParallelForTest, FirstErrorWinsPatternSkipsTheRest) {
  // How callers report errors without exceptions (HnswIndex::AddBatch): record the first under a
  // lock and skip the tasks that start after it.
  std::atomic<bool> failed{false};
  std::atomic<size_t> ran{0};
  ParallelFor(100000, 2, [&](size_t i) {
    if (failed.load()) return;
    ran.fetch_add(1);
    if (i == 10) failed.store(true);
  });
  EXPECT_TRUE(failed.load());
  EXPECT_LT(ran.load(), 100000u);
}

TEST(ThreadPoolTest, VisitsEveryIndexExactlyOnceAcrossManyLoops) {
  for (int threads : {1, 2, 4}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.size(), threads);
    for (size_t n : {1, 2, 5, 64, 4096}) {
      std::vector<std::atomic<int>> count(n);
      for (int round = 0; round < 20; ++round) {
        pool.ParallelFor(n, [&](size_t i) { count[i].fetch_add(1); });
      }
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(count[i].load(), 20) << threads << " " << n;
    }
  }
}

TEST(ThreadPoolTest, SizeOneRunsInlineInOrder) {
  ThreadPool pool(1);
  std::vector<size_t> order;
  const std::thread::id caller = std::this_thread::get_id();
  pool.ParallelFor(30, [&](size_t i) {
    EXPECT_EQ(std::this_thread::get_id(), caller);
    order.push_back(i);
  });
  ASSERT_EQ(order.size(), 30u);
  for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i], i);
}

}  // namespace
}  // namespace semble::core
