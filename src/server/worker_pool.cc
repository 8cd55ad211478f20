// Copyright 2026 The semble Authors.

#include "server/worker_pool.h"

#include <utility>

namespace semble::server {

WorkerPool::WorkerPool(int threads) {
  for (int i = 0; i < threads; ++i) slots_.push_back(std::make_unique<Slot>());
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this, slot = slots_[i].get()] { Work(slot); });
  }
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (Slot* slot : idle_) {
      slot->woken = true;
      slot->cv.notify_one();
    }
    idle_.clear();
  }
  for (std::thread& t : threads_) t.join();
}

void WorkerPool::Submit(std::function<void()> task) {
  Slot* wake = nullptr;
  {
    std::lock_guard lock(mu_);
    tasks_.push_back(std::move(task));
    if (!idle_.empty()) {
      wake = idle_.back();
      idle_.pop_back();
      wake->woken = true;
    }
  }
  // A busy worker takes the task when it finishes its own, so no one needs waking then.
  if (wake != nullptr) wake->cv.notify_one();
}

size_t WorkerPool::IdleWorkers() {
  std::lock_guard lock(mu_);
  return idle_.size();
}

void WorkerPool::Work(Slot* self) {
  std::unique_lock lock(mu_);
  while (true) {
    if (!tasks_.empty()) {
      std::function<void()> task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      task = nullptr;  // the handler's captures are released outside the lock
      lock.lock();
      continue;
    }
    if (stopping_) return;  // nothing left to run
    self->woken = false;
    idle_.push_back(self);
    self->cv.wait(lock, [self] { return self->woken; });
  }
}

}  // namespace semble::server
