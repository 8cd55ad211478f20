// Copyright 2026 The semble Authors.
//
// A fixed set of threads that run route handlers, off the server's I/O threads: handlers do
// blocking engine work (a group-commit fsync, embedding), and a blocked I/O thread would stall
// every connection it serves. The queue is bounded in practice by the server: a connection has at
// most one request in a handler at a time, and connections are capped.
//
// A task goes to the worker that went idle most recently (a stack, not a shared condition
// variable that wakes any of them): a handler's working set — the encoder's per-thread scratch,
// its malloc arena, the core's caches — is then still warm. With requests handed round-robin to
// 8 workers, a semantic-cache lookup cost 1.6 ms of CPU in the server against 1.2 ms on one worker
// (bench/RESULTS.md, "Lookups at 100,000 entries").

#ifndef SEMBLE_SRC_SERVER_WORKER_POOL_H_
#define SEMBLE_SRC_SERVER_WORKER_POOL_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace semble::server {

class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  // Runs the tasks already queued, then joins the threads.
  ~WorkerPool();

  // Thread-safe. Must not be called once destruction has begun.
  void Submit(std::function<void()> task);

  // Workers waiting for a task now. For tests, which need the pool at rest between steps.
  size_t IdleWorkers();

 private:
  // One per thread, owned by the pool so that Submit may signal it after releasing the lock.
  struct Slot {
    std::condition_variable cv;
    bool woken = false;  // guarded by mu_
  };

  void Work(Slot* self);

  std::mutex mu_;
  std::deque<std::function<void()>> tasks_;
  std::vector<Slot*> idle_;  // the most recently idle worker last
  bool stopping_ = false;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<std::thread> threads_;
};

}  // namespace semble::server

#endif  // SEMBLE_SRC_SERVER_WORKER_POOL_H_
