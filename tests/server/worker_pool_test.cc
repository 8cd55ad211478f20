// Copyright 2026 The semble Authors.

#include "server/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <set>
#include <thread>
#include <vector>

namespace semble::server {
namespace {

void WaitUntilIdle(WorkerPool& pool, size_t threads) {
  while (pool.IdleWorkers() != threads) std::this_thread::yield();
}

std::thread::id RunOne(WorkerPool& pool) {
  std::promise<std::thread::id> ran;
  pool.Submit([&ran] { ran.set_value(std::this_thread::get_id()); });
  return ran.get_future().get();
}

TEST(WorkerPoolTest, EveryTaskRunsOnceUnderConcurrentSubmitters) {
  constexpr int kSubmitters = 6, kEach = 2000;
  std::vector<std::atomic<int>> runs(kSubmitters * kEach);
  {
    WorkerPool pool(4);
    std::vector<std::thread> submitters;
    for (int s = 0; s < kSubmitters; ++s) {
      submitters.emplace_back([&, s] {
        for (int i = 0; i < kEach; ++i) pool.Submit([&runs, k = s * kEach + i] { ++runs[k]; });
      });
    }
    for (std::thread& t : submitters) t.join();
  }  // the destructor runs what is still queued
  for (size_t k = 0; k < runs.size(); ++k) ASSERT_EQ(runs[k].load(), 1) << "task " << k;
}

TEST(WorkerPoolTest, DestructorRunsQueuedTasksWhileAllWorkersAreBusy) {
  std::atomic<int> done{0};
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  {
    WorkerPool pool(2);
    for (int i = 0; i < 2; ++i)
      pool.Submit([gate, &done] {
        gate.wait();
        ++done;
      });
    for (int i = 0; i < 50; ++i) pool.Submit([&done] { ++done; });
    release.set_value();
  }
  EXPECT_EQ(done.load(), 52);
}

// Eight workers, every step started with all of them parked, recording which threads ran.
class RestingPoolTest : public ::testing::Test {
 protected:
  static constexpr size_t kThreads = 8;
  RestingPoolTest() { WaitUntilIdle(pool_, kThreads); }
  void Settle() { WaitUntilIdle(pool_, kThreads); }

  WorkerPool pool_{kThreads};
  std::set<std::thread::id> used_;
};

// The point of the pool's stack: one request at a time keeps landing on the same warm worker,
// not on each of the 8 in turn.
TEST_F(RestingPoolTest, SequentialTasksRunOnTheMostRecentlyIdleWorker) {
  for (int i = 0; i < 200; ++i) {
    used_.insert(RunOne(pool_));
    Settle();
  }
  EXPECT_EQ(used_.size(), 1u);
}

// Two tasks in flight at once need two workers; the rest stay parked.
TEST_F(RestingPoolTest, TwoConcurrentTasksUseTwoWorkers) {
  for (int round = 0; round < 100; ++round) {
    std::atomic<int> started{0};
    std::promise<std::thread::id> a, b;
    auto task = [&](std::promise<std::thread::id>* out) {
      ++started;
      while (started.load() < 2) std::this_thread::yield();
      out->set_value(std::this_thread::get_id());
    };
    pool_.Submit([&] { task(&a); });
    pool_.Submit([&] { task(&b); });
    const std::thread::id ia = a.get_future().get(), ib = b.get_future().get();
    EXPECT_NE(ia, ib);
    used_.insert(ia);
    used_.insert(ib);
    Settle();
  }
  EXPECT_EQ(used_.size(), 2u);
}

}  // namespace
}  // namespace semble::server
