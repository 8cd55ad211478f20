// Copyright 2026 The semble Authors.
//
// A fixed set of worker threads for data-parallel loops inside one Embed call. The calling thread
// takes part, so a pool of size 1 has no worker threads and runs everything inline.

#ifndef SEMBLE_SRC_EMBED_THREAD_POOL_H_
#define SEMBLE_SRC_EMBED_THREAD_POOL_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace semble::embed {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }
  // Runs fn(i) for every i in [0, n), spread over the pool; returns when all are done. Not
  // reentrant: one ParallelFor at a time per pool.
  void ParallelFor(size_t n, const std::function<void(size_t)>& fn);

 private:
  void WorkerLoop();
  void RunTasks();

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable start_cv_, done_cv_;
  const std::function<void(size_t)>* fn_ = nullptr;
  size_t n_ = 0;
  std::atomic<size_t> next_{0};
  size_t generation_ = 0;
  int active_ = 0;
  bool stop_ = false;
};

}  // namespace semble::embed

#endif  // SEMBLE_SRC_EMBED_THREAD_POOL_H_
