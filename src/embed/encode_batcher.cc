// Copyright 2026 The semble Authors.

#include "embed/encode_batcher.h"

#include <algorithm>
#include <cstring>

#include "core/thread_pool.h"

namespace semble::embed {

namespace {
constexpr int kExtraBatches = 2;
}  // namespace

EncodeBatcher::EncodeBatcher(const BertEncoder* encoder, Pooling pooling, bool normalize, int lanes,
                             size_t max_tokens)
    : encoder_(encoder),
      pooling_(pooling),
      normalize_(normalize),
      lanes_(std::max(lanes, 1)),
      max_tokens_(std::max<size_t>(max_tokens, 1)) {}

Status EncodeBatcher::Encode(const std::vector<const std::vector<int32_t>*>& seqs, size_t tokens,
                             float* out) {
  Request request{&seqs, tokens, out, Status::OK(), /*done=*/false, /*wake=*/{}};
  std::unique_lock<std::mutex> lock(mu_);
  queue_.push_back(&request);
  // Either some caller's batch takes this request, or this caller takes a free lane and encodes
  // the oldest queued requests (its own among them, or it loops). No thread of the batcher's own:
  // a caller waits only while another caller's batch is running, and every batch that ends with
  // requests still queued wakes the oldest one's caller to take the lane, so nothing is left
  // waiting.
  // Batches this caller runs for others after its own call is done (see below).
  int extra = 0;
  while (!request.done || (extra < kExtraBatches && running_ < lanes_ && !queue_.empty())) {
    if (request.done) ++extra;
    if (running_ < lanes_ && !queue_.empty()) {
      std::vector<Request*> batch;
      size_t total = 0;
      while (!queue_.empty() && (batch.empty() || total + queue_.front()->tokens <= max_tokens_)) {
        total += queue_.front()->tokens;
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
      ++running_;
      // Two batches can end before the oldest waiter wakes: pass a lane still free on.
      if (running_ < lanes_ && !queue_.empty()) queue_.front()->wake.notify_one();
      ++stats_.batches;
      stats_.requests += batch.size();
      lock.unlock();
      if (before_batch_) before_batch_(batch.size());
      Run(batch);
      lock.lock();
      --running_;
      // Notified under mu_: once done is seen, a Request (on its caller's stack) may be gone.
      for (Request* r : batch) {
        r->done = true;
        if (r != &request) r->wake.notify_one();
      }
      // With calls still queued, a caller whose own call is done keeps the lane for up to
      // kExtraBatches more batches instead of waking the oldest waiter to take it: it is running
      // now, where a woken thread waits for a CPU (~1 ms on a busy 2-core guest) while the lane
      // idles. After that it hands the lane on, so its own return is delayed by a bounded amount.
      if (!queue_.empty() && queue_.front() != &request &&
          !(request.done && extra < kExtraBatches)) {
        queue_.front()->wake.notify_one();
      }
    } else {
      request.wake.wait(lock);
    }
  }
  return request.status;
}

EncodeBatcher::Stats EncodeBatcher::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

size_t EncodeBatcher::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

void EncodeBatcher::Run(const std::vector<Request*>& batch) const {
  // One thread per batch: the pool's hand-offs cost more than they save on short batches, and
  // the other cores are taken by the other lanes.
  core::ThreadPool inline_pool(1);
  if (batch.size() == 1) {
    Request* r = batch[0];
    r->status = encoder_->Encode(*r->seqs, pooling_, normalize_, &inline_pool, r->out);
    return;
  }
  const size_t h = encoder_->config().hidden;
  std::vector<const std::vector<int32_t>*> seqs;
  for (const Request* r : batch) seqs.insert(seqs.end(), r->seqs->begin(), r->seqs->end());
  std::vector<float> out(seqs.size() * h);
  Status s = encoder_->Encode(seqs, pooling_, normalize_, &inline_pool, out.data());
  if (!s.ok()) {
    // A sequence the encoder refuses must fail only the call that sent it.
    for (Request* r : batch) {
      r->status = encoder_->Encode(*r->seqs, pooling_, normalize_, &inline_pool, r->out);
    }
    return;
  }
  size_t row = 0;
  for (Request* r : batch) {
    const size_t n = r->seqs->size();
    std::memcpy(r->out, out.data() + row * h, n * h * sizeof(float));
    r->status = Status::OK();
    row += n;
  }
}

}  // namespace semble::embed
