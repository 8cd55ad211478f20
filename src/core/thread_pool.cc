// Copyright 2026 The semble Authors.

#include "core/thread_pool.h"

#include <algorithm>
#include <system_error>

namespace semble::core {
namespace {

// The loop every participating thread runs, in both forms: claim the next index until none is left.
void RunClaimed(std::atomic<size_t>* next, size_t n, const std::function<void(size_t)>& fn) {
  for (size_t i = next->fetch_add(1); i < n; i = next->fetch_add(1)) fn(i);
}

}  // namespace

void ParallelFor(size_t n, int threads, const std::function<void(size_t)>& fn) {
  const size_t others = n <= 1 || threads <= 1 ? 0 : std::min(n, static_cast<size_t>(threads)) - 1;
  if (others == 0) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> started;
  started.reserve(others);
  for (size_t t = 0; t < others; ++t) {
    try {
      started.emplace_back(RunClaimed, &next, n, std::cref(fn));
    } catch (const std::system_error&) {
      break;  // out of threads: the ones running (at least this one) claim the rest
    }
  }
  RunClaimed(&next, n, fn);
  for (std::thread& t : started) t.join();
}

ThreadPool::ThreadPool(int threads) {
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  start_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::WorkerLoop() {
  size_t seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      start_cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
    }
    RunClaimed(&next_, n_, *fn_);
    std::lock_guard<std::mutex> lock(mu_);
    if (--active_ == 0) done_cv_.notify_one();
  }
}

void ThreadPool::ParallelFor(size_t n, const std::function<void(size_t)>& fn) {
  if (workers_.empty() || n <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    fn_ = &fn;
    n_ = n;
    next_.store(0);
    active_ = static_cast<int>(workers_.size());
    ++generation_;
  }
  start_cv_.notify_all();
  RunClaimed(&next_, n_, fn);
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [&] { return active_ == 0; });
}

}  // namespace semble::core
