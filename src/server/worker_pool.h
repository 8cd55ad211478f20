// Copyright 2026 The semble Authors.
//
// A fixed set of threads that run route handlers, off the server's I/O threads: handlers do
// blocking engine work (a group-commit fsync, embedding), and a blocked I/O thread would stall
// every connection it serves. The queue is bounded in practice by the server: a connection has at
// most one request in a handler at a time, and connections are capped.

#ifndef SEMBLE_SRC_SERVER_WORKER_POOL_H_
#define SEMBLE_SRC_SERVER_WORKER_POOL_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace semble::server {

class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  // Runs the tasks already queued, then joins the threads.
  ~WorkerPool();

  void Submit(std::function<void()> task);

 private:
  void Work();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace semble::server

#endif  // SEMBLE_SRC_SERVER_WORKER_POOL_H_
