// Copyright 2026 The semble Authors.
//
// The one way semble runs a data-parallel loop: ParallelFor hands the indices of [0, n) to the
// calling thread and a few others. Every parallel loop goes through it (the NDJSON parser, HNSW
// batch linking and delete repair, the encoder's matrix products), so the rules below are written
// once: how work is split, what runs inline, and what a task may not do.
//
// Contract shared by both forms:
// - fn(i) is called exactly once for every i in [0, n), and the call returns only after all of
//   them have returned (everything fn wrote is visible to the caller then).
// - Indices are claimed one at a time, in increasing order, from a shared counter, so threads that
//   finish early take more (tasks of uneven cost balance) and the order in which tasks run or
//   finish is unspecified. A caller that needs a deterministic result writes one output per index
//   and combines them in index order afterwards; one that wants "first error wins" records it
//   under its own lock, and may skip the remaining tasks once it has one.
// - fn must not throw: semble reports errors as Status, never by exceptions across a call.
// - With one thread or n <= 1, everything runs inline on the calling thread, in index order, and
//   no other thread is involved.

#ifndef SEMBLE_SRC_CORE_THREAD_POOL_H_
#define SEMBLE_SRC_CORE_THREAD_POOL_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace semble::core {

// Runs fn(i) for i in [0, n) on the calling thread plus at most min(threads, n) - 1 threads
// started for this call (threads <= 1: inline). For loops that run now and then, where keeping
// threads around costs more than starting them; a thread that cannot be started leaves its share
// to the others rather than failing the loop.
void ParallelFor(size_t n, int threads, const std::function<void(size_t)>& fn);

// A fixed set of threads for loops that run many times a second (the encoder runs dozens per
// batch), where starting threads for each would cost more than the loop. The calling thread takes
// part, so a pool of size 1 has no threads of its own and runs everything inline.
class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // The threads a loop runs on, the caller's included.
  int size() const { return static_cast<int>(workers_.size()) + 1; }
  // core::ParallelFor on this pool's threads. Not reentrant: one ParallelFor at a time per pool
  // (callers serialise, e.g. the embedder runs one batch at a time).
  void ParallelFor(size_t n, const std::function<void(size_t)>& fn);

 private:
  void WorkerLoop();

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

}  // namespace semble::core

#endif  // SEMBLE_SRC_CORE_THREAD_POOL_H_
